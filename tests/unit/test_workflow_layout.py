"""The journaled executor: apply, resume after a crash, roll back byte for byte."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockyard.domain.layout import plan_init, plan_migrate
from dockyard.errors import PlanError
from dockyard.workflows import layout
from tests.flat_repo import FILES, manifest, write_flat_repo


class Crash(Exception):
    """Stands in for the process dying after a step."""


def _crash_after(n: int) -> Callable[[int], None]:
    def hook(step: int) -> None:
        if step == n:
            raise Crash(step)

    return hook


def test_migrate_then_rollback_is_the_identity(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    before = manifest(root)
    outcome = layout.apply_plan(root, plan_migrate(root))
    assert outcome.steps_done > 10
    assert (root / "compose" / "docker-compose.dev.yml").is_file()
    assert not (root / "docker-compose.dev.yml").exists()
    assert (root / "env" / ".env.dev").stat().st_mode & 0o777 == 0o600
    assert (root / "env" / ".env.test").stat().st_mode & 0o777 == 0o640
    assert manifest(root) != before
    result = layout.rollback(root)
    assert "compose/" in result.removed
    assert manifest(root) == before


def test_backups_are_private(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    outcome = layout.apply_plan(root, plan_migrate(root))
    backups = list((outcome.run / "backup").iterdir())
    assert backups
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in backups)
    assert (root / ".dockyard").stat().st_mode & 0o777 == 0o700


def test_crash_after_each_step_resumes_or_rolls_back(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "ref")
    steps = len(plan_migrate(root).steps)
    layout.apply_plan(root, plan_migrate(root))
    expected = manifest(root)
    expected = {k: v for k, v in expected.items() if not k.startswith(".dockyard")}
    for n in range(1, steps + 1):
        for finish in ("resume", "rollback"):
            repo = write_flat_repo(tmp_path / f"r{n}{finish}" / "ref")
            original = manifest(repo)
            with pytest.raises(Crash):
                layout.apply_plan(repo, plan_migrate(repo), after_step=_crash_after(n))
            assert layout.pending_run(repo) is not None
            if finish == "resume":
                layout.resume(repo)
                after = {k: v for k, v in manifest(repo).items() if not k.startswith(".dockyard")}
                assert after == expected, f"resume after step {n}"
            layout.rollback(repo)
            assert manifest(repo) == original, f"{finish} after step {n}"


def test_a_new_run_refuses_while_one_is_interrupted(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    with pytest.raises(Crash):
        layout.apply_plan(root, plan_migrate(root), after_step=_crash_after(3))
    with pytest.raises(PlanError, match="interrupted"):
        layout.apply_plan(root, plan_migrate(root))


def test_rollback_refuses_to_discard_later_edits_unless_forced(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    before = manifest(root)
    layout.apply_plan(root, plan_migrate(root))
    compose = root / "compose" / "docker-compose.dev.yml"
    compose.write_text(compose.read_text() + "# my edit\n")
    with pytest.raises(PlanError, match=r"^compose/docker-compose\.dev\.yml: changed after"):
        layout.rollback(root)
    layout.rollback(root, force=True)
    assert manifest(root) == before


def test_nothing_to_roll_back(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no layout run"):
        layout.rollback(tmp_path)


def test_init_runs_stack_and_roll_back_one_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "new"
    root.mkdir()
    (root / "README.md").write_text("hi\n")
    empty = manifest(root)
    layout.apply_plan(root, plan_init(root))
    assert plan_init(root).empty  # idempotent
    tasks = root / "tasks.py"
    tasks.write_text("# mine\n")
    forced = plan_init(root, force=True)
    assert [c.path for c in forced.conflicts] == ["tasks.py"]
    layout.apply_plan(root, forced)
    assert "dockyard.tasks" in tasks.read_text()
    layout.rollback(root)
    assert tasks.read_text() == "# mine\n"
    with pytest.raises(PlanError, match=r"^tasks\.py: changed after"):
        layout.rollback(root)  # init's tasks.py was replaced by "# mine" afterwards
    layout.rollback(root, force=True)
    assert manifest(root) == empty


# -- property: for generated flat layouts, migrate then rollback is the identity --------
_ENV_NAMES = st.sampled_from(["dev", "test", "ci", "qa"])
_KEY = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True)
_VALUE = st.from_regex(r"[a-z0-9:/@._-]{0,12}", fullmatch=True)
_MODE = st.sampled_from([0o600, 0o640, 0o644, 0o755])


def _compose(env_entries: dict[str, str], passthrough: bool, mount_env: bool) -> str:
    lines = ["services:", "  app:", "    build: .", "    volumes:", "      - ./src:/app/src"]
    if mount_env:
        lines.append("      - ./.env:/app/.env")
    if env_entries:
        lines.append("    environment:")
        for key, value in env_entries.items():
            shown = f"${{{key}:-{value}}}" if passthrough else f'"{value}"'
            lines.append(f"      {key}: {shown}")
    return "\n".join(lines) + "\n"


@st.composite
def flat_layouts(draw: st.DrawFn) -> dict[str, tuple[str, int]]:
    files: dict[str, tuple[str, int]] = {}
    envs = draw(st.sets(_ENV_NAMES, min_size=1, max_size=4))
    for env in sorted(envs):
        entries = draw(st.dictionaries(_KEY, _VALUE, max_size=3))
        files[f"docker-compose.{env}.yml"] = (
            _compose(entries, draw(st.booleans()), mount_env=False),
            draw(_MODE),
        )
        if draw(st.booleans()):
            body = "".join(
                f"{k}={v}\n" for k, v in draw(st.dictionaries(_KEY, _VALUE, max_size=3)).items()
            )
            files[f".env.{env}"] = (body, draw(_MODE))
    if draw(st.booleans()):
        files["docker-compose.yml"] = (_compose({}, False, mount_env=True), 0o644)
    if draw(st.booleans()):
        files[".env"] = ("A=1\n", 0o600)
    if draw(st.booleans()):
        files[".env.example"] = ("A=\n", 0o644)
    if draw(st.booleans()):
        files[".gitignore"] = (
            draw(st.sampled_from(["env/\n.env*\n", "*.pyc\n", "", "env/\r\n.env\r\n"])),
            0o644,
        )
    if draw(st.booleans()):
        files["Makefile"] = (FILES["Makefile"][0], 0o644)
    if draw(st.booleans()):
        files["requirements.txt"] = ("requests\n", 0o644)
    if draw(st.booleans()):
        files["Dockerfile"] = ("FROM scratch\n", draw(_MODE))
    files["src/main.py"] = ("x = 1\n", 0o644)
    return files


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat_layouts())
def test_property_migrate_then_rollback_is_identity(files: dict[str, tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_flat_repo(Path(folder) / "repo", files)
        before = manifest(root)
        plan = plan_migrate(root)
        layout.apply_plan(root, plan)
        for rel in plan.touched():
            if rel.startswith("compose/") and rel.endswith(".yml"):
                assert "./src" not in (root / rel).read_text().replace("../src", "")
        layout.rollback(root)
        assert manifest(root) == before


def test_init_refuses_a_flat_repository(tmp_path: Path) -> None:
    root = write_flat_repo(tmp_path / "repo")
    with pytest.raises(PlanError, match=r"^docker-compose\.ci\.yml: .*use layout\.migrate"):
        plan_init(root)
