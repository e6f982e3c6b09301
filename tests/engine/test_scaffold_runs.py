"""layout.init gives an environment that runs, with no edit, for uv, Poetry and pip projects.

Each test starts from a fresh project (a package, a test, a lock made on the host),
runs ``layout.init`` and ``wheels`` (containers here have no index: the build installs
from the wheelhouse), then dev.up, dev.exec, test.run, ci.test and check --live as a
non-root host user (uid 4242 owns the checkout; HOST_UID says so).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard, project_name

pytestmark = pytest.mark.engine

UID = 4242
TOOLS = Path(sys.executable).parent
PACKAGE = "def main() -> str:\n    return 'hello'\n"
TEST = "from {module} import main\n\n\ndef test_main() -> None:\n    assert main() == 'hello'\n"
PYPROJECTS = {
    "uv": """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[dependency-groups]
dev = ["pytest>=8"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
""",
    "poetry": """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
packages = [{{ include = "{module}", from = "src" }}]

[tool.poetry.group.dev.dependencies]
pytest = ">=8"

[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
""",
}


def _git_environ(root: Path) -> dict[str, str]:
    return {
        "HOME": str(root.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "*",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def _run(root: Path, *argv: str, env: dict[str, str] | None = None) -> None:
    environ = {**os.environ, "PATH": f"{TOOLS}:{os.environ.get('PATH', '')}", **(env or {})}
    done = subprocess.run(
        argv, cwd=root, env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"


def fresh_project(root: Path, manager: str) -> Path:
    """A project as its package manager starts one, with a test and a lock."""
    name = root.name
    module = name.replace("-", "_")
    (root / "src" / module).mkdir(parents=True)
    (root / "src" / module / "__init__.py").write_text(PACKAGE)
    (root / "tests").mkdir()
    (root / "tests/test_main.py").write_text(TEST.format(module=module))
    if manager == "pip":
        (root / "requirements-dev.txt").write_text("pytest>=8\n")
    else:
        (root / "pyproject.toml").write_text(PYPROJECTS[manager].format(name=name, module=module))
        _run(root, manager, "lock", "-q")
    git = _git_environ(root)
    _run(root, "git", "init", "-q", env=git)
    return root


@pytest.fixture(params=["uv", "poetry", "pip"])
def scaffolded(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    base_image: str,
    docker_client: docker.DockerClient,
) -> Iterator[tuple[Path, str, dict[str, str]]]:
    manager: str = request.param
    root = fresh_project(tmp_path / f"first-{manager}-app", manager)
    git = _git_environ(root)
    environ = {"BASE_IMAGE": base_image, **git}
    init = dockyard(root, "layout.init", env=environ)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "next: `dockyard dev.up`" in init.stdout
    wheels = dockyard(root, "wheels", env=environ)
    assert wheels.returncode == 0, wheels.stdout + wheels.stderr
    _run(root, "git", "add", "-A", env=git)
    _run(root, "git", "commit", "-qm", "init", env=git)
    for path in [root, *root.rglob("*")]:
        os.chown(path, UID, UID, follow_symlinks=False)
    environ |= {"HOST_UID": str(UID), "HOST_GID": str(UID)}
    yield root, manager, environ
    for env in ("dev", "test", "ci"):
        project = project_name(root, env)
        label: dict[str, str | list[str] | bool] = {
            "label": f"com.docker.compose.project={project}"
        }
        for container in docker_client.containers.list(all=True, filters=label):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(filters=label):
            network.remove()
        for image in docker_client.images.list(name=f"{project}-app"):
            docker_client.images.remove(image.short_id, force=True)


def test_layout_init_runs_with_no_edit(scaffolded: tuple[Path, str, dict[str, str]]) -> None:
    root, manager, environ = scaffolded
    assert "BASE_IMAGE=python:3.13-slim" in (root / "env/.env.dev").read_text()

    up = dockyard(root, "dev.up", "--settle", "1", env=environ)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "installing from the wheelhouse in the build cache (no index)" in up.stdout

    who = dockyard(root, "dev.exec", "--", "id", "-u", env=environ)
    assert who.returncode == 0 and who.stdout.strip() == str(UID), who.stdout + who.stderr
    module = root.name.replace("-", "_")
    imported = dockyard(root, "dev.exec", "--", "python", "-c", f"import {module}", env=environ)
    assert imported.returncode == 0, imported.stderr  # the project is installed

    tests = dockyard(root, "test.run", "--", "-q", env=environ)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "1 passed" in tests.stdout

    # a pip project has no lock file: LK001 says so, by design (its fix is a lock)
    skip = ["--skip", "LK001"] if manager == "pip" else []
    check = dockyard(root, "check", "--live", "--env", "dev", *skip, env=environ)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "LV003  pass" in check.stdout and "LV002  pass" in check.stdout

    ci = dockyard(root, "ci.test", env=environ)
    assert ci.returncode == 0, ci.stdout + ci.stderr

    if manager == "uv":  # a failing test fails ci.test
        test_file = root / "tests/test_main.py"
        test_file.write_text(test_file.read_text().replace("'hello'", "'bye'"))
        failed = dockyard(root, "ci.test", env=environ)
        assert failed.returncode != 0, failed.stdout

    down = dockyard(root, "dev.down", env=environ)
    assert down.returncode == 0, down.stderr
