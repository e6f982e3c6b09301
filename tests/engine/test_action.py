"""The composite action's steps, run locally as a runner's non-root user would run them.

The fixture's ci service runs as root and writes into the bind-mounted workspace, then
exits 3: the step fails with 3 (output and job summary say so) and the reclaim step,
run although the task failed, leaves no file of another user in the workspace.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.composite import make_user_bin, run_composite

pytestmark = pytest.mark.engine

UID = GID = 4242
SOCKET = Path("/var/run/docker.sock")
ACTION = Path(__file__).resolve().parents[2] / "action.yml"

COMPOSE = """\
services:
  app:
    image: {image}
    user: "0:0"
    working_dir: /app
    volumes:
      - ..:/app
    command: ["sh", "-c", "mkdir -p out && echo report > out/report.txt && exit 3"]
"""


@pytest.fixture(scope="module")
def user_bin() -> Iterator[Path]:
    """``python`` and ``dockyard`` that uid 4242 can run."""
    folder = Path(tempfile.mkdtemp(prefix="surfaces-userpy-"))
    reason = make_user_bin(folder)
    if reason:
        pytest.skip(reason)
    yield folder / "bin"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def workspace(base_image: str) -> Iterator[Path]:
    """A checkout owned by uid 4242 whose ci service runs as root on a bind mount."""
    if os.geteuid() != 0:
        pytest.skip("the test runs steps as another uid: it needs root")
    if not SOCKET.exists():
        pytest.skip(f"{SOCKET} missing: the unprivileged user cannot reach the engine")
    outer = Path(tempfile.mkdtemp(prefix="surfaces-action-"))
    outer.chmod(0o755)
    root = outer / "work"
    project = f"surfaces-action-{uuid.uuid4().hex[:8]}"
    files = {
        "pyproject.toml": f'[project]\nname = "demo"\nversion = "0"\n\n'
        f'[tool.dockyard]\nproject_name = "{project}"\n',
        "compose/docker-compose.ci.yml": COMPOSE.format(image=base_image),
        "env/.env.example": "LEVEL=1\n",
        "env/.env.ci": "LEVEL=1\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (outer / "home").mkdir()
    for dirpath, dirnames, filenames in os.walk(outer):
        for name in [*dirnames, *filenames]:
            os.lchown(Path(dirpath) / name, UID, GID)
    os.chown(outer, UID, GID)
    yield root
    shutil.rmtree(outer, ignore_errors=True)


def _foreign(root: Path) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.lstat().st_uid != UID or path.lstat().st_gid != GID
    ]


def test_ci_test_exit_code_passes_through_and_the_workspace_is_given_back(
    workspace: Path, user_bin: Path
) -> None:
    bin_dir = str(user_bin)
    environ = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workspace.parent / "home"),
        "LANG": "C.UTF-8",
        "DOCKYARD_ROOT": str(workspace),
    }
    prefix = ["setpriv", "--reuid", str(UID), "--regid", str(GID)]
    prefix += ["--groups", str(SOCKET.stat().st_gid)]
    run = run_composite(
        ACTION,
        {"task": "ci.test"},
        workspace=workspace,
        environ=environ,
        prefix=prefix,
        skip=["install"],  # dockyard is on PATH already
        owner=(UID, GID),
    )
    logs = "\n".join(f"[{k}] {v}" for k, v in run.logs.items())
    assert run.outcomes["resolve"] == "success", logs
    assert run.outputs["resolve"]["env"] == "ci"
    # the app's exit code: the step's result and an output
    assert run.outcomes["task"] == "failure", logs
    assert run.action_outputs["exit-code"] == "3"
    assert "| failed (exit 3) |" in run.summary
    assert "| ci | `local/python-base:bookworm` |" in run.summary  # the image it ran
    # the root container wrote into the workspace; the reclaim step ran anyway
    assert (workspace / "out/report.txt").read_text() == "report\n"
    reclaim = [sid for sid in run.outcomes if sid.startswith("__")][-1]
    assert run.outcomes[reclaim] == "success", logs
    assert "gave 2 entries back to 4242:4242" in run.logs[reclaim], logs
    assert _foreign(workspace) == []
