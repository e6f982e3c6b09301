"""devcontainer.json from the environment: the task, the scaffold, and the
devcontainers CLI reading it (``devcontainer read-configuration``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard.domain.devcontainer import devcontainer_config, workspace_folder

PYPROJECT = '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'


def _dockyard(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    done = _dockyard(tmp_path, "layout.init")
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_workspace_folder_follows_the_bind_mount_of_the_root() -> None:
    root = Path("/src/repo")
    assert workspace_folder(root, [("/src/repo", "/app")]) == "/app"
    assert workspace_folder(root, [("/src", "/code"), ("/other", "/x")]) == "/code/repo"
    # only folders inside the repository mounted: where their targets put the root,
    # else the first one's target (an editor opened on "/" shows nothing of the code)
    assert workspace_folder(root, [("/src/repo/src", "/app/src")]) == "/app"
    assert workspace_folder(root, [("/src/repo/sub", "/app")]) == "/app"
    assert workspace_folder(root, [("/elsewhere", "/x")]) is None


def test_config_points_at_the_environment_and_keeps_dockyard_ids(tmp_path: Path) -> None:
    config = devcontainer_config(
        root=tmp_path,
        env="dev",
        project="p-dev",
        compose_files=[tmp_path / "compose/a.yml", tmp_path / "compose/b.yml"],
        service="web",
        binds=[(str(tmp_path), "/srv")],
        user="app",
        has_command=True,
    )
    assert config["dockerComposeFile"] == ["../compose/a.yml", "../compose/b.yml", "compose.yml"]
    assert (config["service"], config["workspaceFolder"]) == ("web", "/srv")
    assert config["updateRemoteUserUID"] is False
    assert config["remoteUser"] == "app"
    assert config["initializeCommand"] == ["dockyard", "dev.build"]
    assert config["shutdownAction"] == "stopCompose"
    assert config["overrideCommand"] is False


def test_layout_init_writes_what_the_task_writes(scaffolded: Path) -> None:
    path = scaffolded / ".devcontainer/devcontainer.json"
    written = json.loads(path.read_text())
    compose = (scaffolded / ".devcontainer/compose.yml").read_text()
    done = _dockyard(scaffolded, "devcontainer", "--dry-run")
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("# .devcontainer/compose.yml\n")
    assert json.loads(shown[0].removeprefix("# .devcontainer/devcontainer.json\n")) == written
    assert shown[1] == compose
    assert written["workspaceFolder"] == "/app"  # compose's `..:/app`
    assert written["remoteUser"] == "app"  # the template's APP_USER
    assert written["dockerComposeFile"] == ["../compose/docker-compose.dev.yml", "compose.yml"]


def test_the_task_refuses_to_replace_a_file_that_differs(scaffolded: Path) -> None:
    path = scaffolded / ".devcontainer/devcontainer.json"
    path.write_text("{}\n")
    refused = _dockyard(scaffolded, "devcontainer")
    assert refused.returncode == 2
    assert "exists and differs" in refused.stderr
    assert path.read_text() == "{}\n"
    done = _dockyard(scaffolded, "devcontainer", "--force", "--env", "test")
    assert done.returncode == 0, done.stderr
    assert json.loads(path.read_text())["initializeCommand"] == ["dockyard", "test.build"]


def _cli() -> str:
    found = os.environ.get("DOCKYARD_DEVCONTAINER_CLI") or shutil.which("devcontainer")
    if not found:
        if os.environ.get("DOCKYARD_REQUIRE_ENGINE") == "1":  # CI installs it: never skip there
            pytest.fail("DOCKYARD_REQUIRE_ENGINE=1 but the devcontainers CLI is missing")
        pytest.skip(
            "the devcontainers CLI is not installed (`npm install @devcontainers/cli`; "
            "DOCKYARD_DEVCONTAINER_CLI names its program)"
        )
    return found


def test_the_devcontainers_cli_reads_the_generated_file(scaffolded: Path) -> None:
    done = subprocess.run(
        [_cli(), "read-configuration", "--workspace-folder", str(scaffolded)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout.strip().splitlines()[-1])
    config = read["configuration"]
    assert config["service"] == "app"
    assert config["remoteUser"] == "app"
    assert read["workspace"]["workspaceFolder"] == "/app"
