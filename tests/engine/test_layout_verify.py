"""layout.migrate checks what compose runs: dry-run verdicts, refusal and roll back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.layout import Edit, plan_migrate
from dockyard.domain.layout.behaviour import BehaviourChanged, Compose, compose_environ
from dockyard.domain.layout.migrate import flat_environments
from dockyard.workflows import layout_verify
from tests.engine.stackutil import dockyard
from tests.flat_repo import manifest, write_flat_repo

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine


def _compose() -> Compose:
    import os

    return Compose(SubprocessRunner(), ("docker", "compose"), compose_environ(os.environ))


def test_a_corrupted_plan_is_refused_and_rolled_back(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "shop")
    original = manifest(root)
    plan = plan_migrate(root)
    target = "compose/docker-compose.ci.yml"
    steps = [
        replace(s, text=s.text.replace("pytest", "sleep"))
        if isinstance(s, Edit) and s.path == target
        else s
        for s in plan.steps
    ]
    corrupted = replace(plan, steps=tuple(steps))
    with pytest.raises(BehaviourChanged) as raised:
        layout_verify.apply_verified(root, corrupted, flat_environments(root), _compose())
    assert raised.value.exit_code == 1
    ci = next(r for r in raised.value.results if r.name == "ci")
    assert 'service app: command: \'["pytest", "-q"]\' → \'["sleep", "-q"]\'' in (ci.differences)
    assert manifest(root) == original


def test_dry_run_names_every_difference_per_environment(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "shop")
    before = manifest(root)
    done = dockyard(root, "layout.migrate", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "what compose runs, per environment" in out
    for env in ("dev", "test", "ci"):
        assert f"\n{env}: " in out
    assert "real-dev-secret-123" not in out
    assert manifest(root) == before


def test_a_resumed_run_is_compared_with_the_tree_its_journal_recorded(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    import signal

    from tests.flat_repo import CORPUS

    files, _ = CORPUS["override"]
    for step in (3, 8):
        root = write_flat_repo(tmp_path / f"k{step}" / "override", files)
        original = manifest(root)
        killed = dockyard(
            root, "layout.migrate", env={"DOCKYARD_LAYOUT_KILL_AFTER_STEP": str(step)}
        )
        assert killed.returncode == -signal.SIGKILL
        rerun = dockyard(root, "layout.migrate")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "resumed the interrupted layout run" in rerun.stdout
        assert "dev: unchanged" in rerun.stdout
        assert "test: unchanged" in rerun.stdout
        assert dockyard(root, "layout.rollback").returncode == 0
        assert manifest(root) == original
