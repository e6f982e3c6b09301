"""dockyard's own workflow, run as a GitHub runner runs it: a non-root user in the
docker group, with the checkout owned by that user.

The ``checks`` job runs whole: its ``uses: ./`` step through the local runner of
composite steps, its ``run:`` steps with bash. Of the ``suite`` job, the step that
gives the engine tests their base image runs (its ``sudo`` a stand-in that runs the
command as the same user: the engine and the image are already there, so the script
must need no root); ``nox -s ci`` itself is the whole test suite and is not run again
inside a test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.composite import make_user_bin, run_composite

pytestmark = pytest.mark.engine

UID = GID = 4243
SOCKET = Path("/var/run/docker.sock")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runner_home() -> Iterator[Path]:
    """A checkout of the tracked files owned by uid 4243, and a bin folder it can run."""
    if os.geteuid() != 0:
        pytest.skip("the test runs steps as another uid: it needs root")
    if not SOCKET.exists():
        pytest.skip(f"{SOCKET} missing: the unprivileged user cannot reach the engine")
    outer = Path(tempfile.mkdtemp(prefix="surfaces-runner-"))
    reason = make_user_bin(outer / "py")
    if reason:
        pytest.skip(reason)
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    work = outer / "work"
    for rel in filter(None, tracked):
        if (ROOT / rel).is_file():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, work / rel)
    (outer / "home").mkdir()
    stand_in = outer / "py/bin/sudo"
    stand_in.write_text('#!/bin/sh\n[ "$1" = "--preserve-env=PATH" ] && shift\nexec "$@"\n')
    stand_in.chmod(0o755)
    for dirpath, dirnames, filenames in os.walk(outer):
        for name in [*dirnames, *filenames]:
            if not dirpath.startswith(str(outer / "py")):
                os.lchown(Path(dirpath) / name, UID, GID)
    os.chown(outer, UID, GID)
    outer.chmod(0o755)
    yield outer
    shutil.rmtree(outer, ignore_errors=True)


def _environ(outer: Path) -> dict[str, str]:
    return {
        "PATH": f"{outer / 'py/bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(outer / "home"),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
    }


def _prefix() -> list[str]:
    return ["setpriv", "--reuid", str(UID), "--regid", str(GID),
            "--groups", str(SOCKET.stat().st_gid)]  # fmt: skip


def _run_step(step: dict[str, Any], outer: Path) -> subprocess.CompletedProcess[str]:
    env = {**_environ(outer), **{k: str(v) for k, v in (step.get("env") or {}).items()}}
    return subprocess.run(
        [*_prefix(), "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=outer / "work",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _jobs() -> dict[str, Any]:
    workflow = YAML(typ="safe").load((ROOT / ".github/workflows/ci.yml").read_text())
    jobs: dict[str, Any] = workflow["jobs"]
    return jobs


def test_the_checks_job_passes_as_a_runner_user(runner_home: Path) -> None:
    steps = _jobs()["checks"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")  # the copy made above
    for step in steps[1:]:
        if step.get("uses") == "./":
            run = run_composite(
                ROOT / "action.yml",
                {k: str(v) for k, v in step.get("with", {}).items()},
                workspace=runner_home / "work",
                environ=_environ(runner_home),
                prefix=_prefix(),
                skip=["install"],  # dockyard is on PATH already
                owner=(UID, GID),
            )
            logs = "\n".join(f"[{k}] {v}" for k, v in run.logs.items())
            assert run.outcomes["task"] == "success", logs
            assert run.action_outputs["exit-code"] == "0"
            assert "| passed |" in run.summary
            assert "0 findings" in run.logs["task"], logs
        else:
            assert "run" in step, step
            done = _run_step(step, runner_home)
            assert done.returncode == 0, done.stdout + done.stderr


def test_the_base_image_step_of_the_suite_job_needs_no_root_once_provisioned(
    runner_home: Path,
) -> None:
    (step,) = [s for s in _jobs()["suite"]["steps"] if "engine.sh start" in s.get("run", "")]
    done = _run_step(step, runner_home)
    assert done.returncode == 0, done.stdout + done.stderr
    image = subprocess.run(
        [*_prefix(), "bash", ".ci/engine.sh", "env"],
        cwd=runner_home / "work",
        env=_environ(runner_home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert image.stdout.strip() == "BASE_IMAGE=local/python-base:bookworm", image.stderr
