"""The Dockerfile for an application (no build backend), offline from the build cache.

A uv application as the second seed has one (``src/`` code, tests, a lock, no
``[build-system]``), its wheelhouse loaded into the build cache by ``dockyard wheels``,
built by compose from ``dockerfile_template("uv", package=False)``. It proves what that
Dockerfile promises: the code imports from ``/app/src`` in both targets with nothing
installed, no image carries the wheelhouse, a code change rebuilds with one copy, and a
wheelhouse made for another lock is never used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from dockyard.domain.templates import dockerfile_template, dockerignore_template

pytestmark = pytest.mark.engine

TOOLS = Path(sys.executable).parent
PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[dependency-groups]
dev = ["pytest>=8"]
"""
COMPOSE = """\
services:
  app:
    image: {image}
    build:
      context: ..
      dockerfile: docker/Dockerfile
      target: ${{TARGET}}
      args:
        BASE_IMAGE: {base}
        HOST_UID: "4242"
        HOST_GID: "4242"
"""


def _environ(**extra: str) -> dict[str, str]:
    path = f"{TOOLS}:{os.environ.get('PATH', '')}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    return {**environ, "PATH": path, **extra}


def _run(root: Path, *argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=root,
        env=_environ(**extra),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def application(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> Iterator[tuple[Path, list[str]]]:
    prefix = os.environ.get("DOCKYARD_TEST_PREFIX", "dockyard-test-")
    name = re.sub(r"[^a-z0-9-]", "-", f"{prefix}app-{tmp_path.name}".lower())
    root = tmp_path / "app"
    (root / "src/shop").mkdir(parents=True)
    (root / "src/shop/__init__.py").write_text("")
    (root / "src/shop/main.py").write_text("def main() -> str:\n    return 'hello'\n")
    (root / "tests").mkdir()
    (root / "tests/test_main.py").write_text(
        "from shop.main import main\n\n\ndef test_main() -> None:\n    assert main() == 'hello'\n"
    )
    (root / "pyproject.toml").write_text(PYPROJECT.format(name=name))
    assert _run(root, "uv", "lock", "-q").returncode == 0
    wheels = _run(root, sys.executable, "-m", "dockyard", "wheels", BASE_IMAGE=base_image)
    assert wheels.returncode == 0, wheels.stdout + wheels.stderr
    (root / "docker/Dockerfile").write_text(dockerfile_template("uv", package=False))
    (root / "docker/Dockerfile.dockerignore").write_text(dockerignore_template())
    (root / "compose").mkdir()
    image = f"{name}-image"
    (root / "compose/compose.yml").write_text(COMPOSE.format(image=image, base=base_image))
    compose = ["docker", "compose", "-p", name, "-f", str(root / "compose/compose.yml")]
    yield root, compose
    _run(root, *compose, "down", "--remove-orphans", TARGET="development")  # `run`'s network
    for found in docker_client.images.list(name=image):
        docker_client.images.remove(str(found.id), force=True)
    shutil.rmtree(root, ignore_errors=True)


def _build(root: Path, compose: list[str], target: str) -> str:
    done = _run(root, *compose, "--progress", "plain", "build", TARGET=target)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _in_image(root: Path, compose: list[str], target: str, *command: str) -> str:
    done = _run(root, *compose, "run", "--rm", "--no-deps", "-T", "app", *command, TARGET=target)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_application_builds_offline_and_runs_its_code_uninstalled(
    application: tuple[Path, list[str]],
) -> None:
    root, compose = application
    log = _build(root, compose, "development")
    assert "installing from the wheelhouse in the build cache (no index)" in log
    tests = _in_image(root, compose, "development", "python", "-m", "pytest", "-q")
    assert "1 passed" in tests
    probe = (
        "import importlib.util as u, os, shop.main; print(shop.main.__file__); "
        "print(os.path.exists('/app/docker/wheels'), u.find_spec('pip') is None)"
    )
    out = _in_image(root, compose, "development", "python", "-c", probe).split()
    assert out == ["/app/src/shop/main.py", "False", "True"]

    # a change to the code: every step but the code's copy comes from the cache
    # (content never built before: BuildKit would reuse a copy of it from an earlier run)
    changed = f"def main() -> str:\n    return 'bye'  # {time.time_ns()}\n"
    (root / "src/shop/main.py").write_text(changed)
    rebuilt = _build(root, compose, "development")
    steps = re.findall(r"^#(\d+) \[app development (\d)/(\d)\]", rebuilt, flags=re.M)
    assert steps and all(of == "3" for _, _, of in steps)
    cached = set(re.findall(r"^#(\d+) CACHED", rebuilt, flags=re.M))
    assert {n for n, i, _ in steps if i != "3"} <= cached
    assert not {n for n, i, _ in steps if i == "3"} & cached

    _build(root, compose, "production")
    got = _in_image(
        root, compose, "production", "python", "-c", "import shop.main as m; print(m.main())"
    )
    assert got.strip() == "bye"


def test_a_wheelhouse_made_for_another_lock_is_not_used(
    application: tuple[Path, list[str]],
) -> None:
    root, compose = application
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8", "iniconfig"'))
    assert _run(root, "uv", "lock", "-q").returncode == 0  # no `dockyard wheels` after it
    done = _run(root, *compose, "--progress", "plain", "build", TARGET="development")
    out = done.stdout + done.stderr
    assert "no wheelhouse for this uv.lock in the build cache" in out
    assert done.returncode != 0  # the index is out of reach here: the build says so
    assert "where no package index is reachable, run dockyard wheels" in out
