"""The shared-venv story for real: a root container makes the project's .venv through a
bind mount, the unprivileged owner cannot remove it, and dockyard repairs it as that
user with no sudo: ``venv.info`` reports it, ``venv.fix-ownership`` gives the files back
(chown in a throwaway container), ``venv.relocate`` moves the container venv out of the
bind mount and rebuilds the host venv with uv, offline, from a local wheelhouse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

pytestmark = pytest.mark.engine

UID = GID = 4242
SOCKET = Path("/var/run/docker.sock")

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["iniconfig"]
"""

COMPOSE = """\
services:
  app:
    image: {image}
    working_dir: /app
    # the project, live; the seed's compose put the venv in it too
    volumes:
      - ..:/app
    environment:
      UV_PROJECT_ENVIRONMENT: /app/.venv
"""

VERSION = "import importlib.metadata as m; print(m.version('iniconfig'))"


@pytest.fixture(scope="module")
def wheelhouse() -> Iterator[Path]:
    """A local wheelhouse with iniconfig (containers here have no network)."""
    folder = Path(tempfile.mkdtemp(prefix="dockyard-wheels-"))
    folder.chmod(0o755)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "-d",
            str(folder),
            "iniconfig",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for wheel in folder.iterdir():
        wheel.chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def project(base_image: str) -> Iterator[Path]:
    """A uv project owned by uid 4242 in a folder every user can reach."""
    if os.geteuid() != 0:
        pytest.skip("the test creates files of another uid: it needs root")
    if not SOCKET.exists():
        pytest.skip(f"{SOCKET} missing: the unprivileged user cannot reach the engine")
    outer = Path(tempfile.mkdtemp(prefix="dockyard-venv-"))
    outer.chmod(0o755)
    root = outer / "project"
    (root / "compose").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "compose/docker-compose.dev.yml").write_text(COMPOSE.format(image=base_image))
    (root / "home").mkdir()
    for dirpath, dirnames, filenames in os.walk(outer):
        for name in [*dirnames, *filenames]:
            os.lchown(Path(dirpath) / name, UID, GID)
    os.chown(outer, UID, GID)
    yield root
    shutil.rmtree(outer, ignore_errors=True)


def _as_user(
    root: Path, *argv: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as uid 4242 (plus the socket's group), never as root."""
    bindir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "HOME": str(root / "home"),
        "LANG": "C.UTF-8",
        **(extra or {}),
    }
    prefix = [
        "setpriv",
        "--reuid",
        str(UID),
        "--regid",
        str(GID),
        "--groups",
        str(SOCKET.stat().st_gid),
    ]
    return subprocess.run(
        [*prefix, *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _dockyard(
    root: Path, *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _as_user(root, sys.executable, "-m", "dockyard", *args, extra=extra)


def _root_container(
    client: docker.DockerClient, image: str, root: Path, wheels: Path, *, script: str, name: str
) -> str:
    """Run ``script`` as root with the project on /app; the wheelhouse keeps its host path
    so uv.lock names the same wheels on both sides."""
    output = client.containers.run(
        image,
        ["sh", "-c", script],
        name=name,
        user="0:0",
        network_mode="none",
        remove=True,
        working_dir="/app",
        environment={"UV_CACHE_DIR": "/tmp/uv-cache", "UV_LINK_MODE": "copy"},
        volumes={
            str(root): {"bind": "/app", "mode": "rw"},
            str(wheels): {"bind": str(wheels), "mode": "ro"},
        },
    )
    return bytes(output).decode().strip()


def _not_mine(root: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            if path.lstat().st_uid != UID:
                found.append(str(path.relative_to(root)))
    return found


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest.update(f"{path.relative_to(root)}:{st.st_mode}:{st.st_uid}:{st.st_gid}".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_uv_venv_made_by_root_container_is_repaired_without_sudo(
    docker_client: docker.DockerClient, base_image: str, project: Path, wheelhouse: Path
) -> None:
    root = project
    name = f"dockyard-venv-seed-{root.parent.name}".lower()
    sync = f"uv sync --no-index --find-links {wheelhouse} -q"
    container_version = _root_container(
        docker_client,
        base_image,
        root,
        wheelhouse,
        script=f'{sync} && .venv/bin/python -c "{VERSION}"',
        name=name,
    )
    assert (root / ".venv").stat().st_uid == 0

    # the seed: as the project's owner, the container's venv cannot be removed
    removed = _as_user(root, "rm", "-rf", ".venv")
    assert removed.returncode != 0 and "Permission denied" in removed.stderr
    check = _as_user(root, sys.executable, "-c", "import dockyard, docker")
    assert check.returncode == 0, f"uid {UID} cannot run dockyard's python: {check.stderr}"

    info = _dockyard(root, "venv.info", "--env", "dev")
    assert info.returncode == 1, info.stderr
    assert ".venv looks made by a container: owned by uid 0, not the host user (uid 4242)" in (
        info.stdout
    )
    assert "the container venv /app/.venv (compose environment) lies inside the bind mount" in (
        info.stdout
    )

    helper = {"DOCKYARD_HELPER_IMAGE": base_image}
    before = _tree_hash(root)
    dry = _dockyard(root, "venv.fix-ownership", "--dry-run", extra=helper)
    assert dry.returncode == 0 and "would give" in dry.stdout, dry.stderr
    dry = _dockyard(root, "venv.relocate", "--dry-run", extra=helper)
    assert dry.returncode == 0 and "remove .venv in a throwaway root container" in dry.stdout
    assert _tree_hash(root) == before

    fixed = _dockyard(root, "venv.fix-ownership", "--yes", extra=helper)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "entries back to 4242:4242" in fixed.stdout
    assert _not_mine(root) == []
    # now the owner can do what the seed needed sudo for
    assert _as_user(root, "test", "-w", ".venv/bin").returncode == 0

    offline = {
        **helper,
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheelhouse),
        "UV_CACHE_DIR": str(root / "home/.cache/uv"),
    }
    relocated = _dockyard(root, "venv.relocate", extra=offline)
    assert relocated.returncode == 0, relocated.stdout + relocated.stderr
    compose = (root / "compose/docker-compose.dev.yml").read_text()
    assert "UV_PROJECT_ENVIRONMENT: /opt/venv" in compose and "# the project, live" in compose
    assert list((root / ".dockyard/backups").glob("*/compose/docker-compose.dev.yml"))

    again = _dockyard(root, "venv.relocate", extra=offline)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr

    host_version = _as_user(root, ".venv/bin/python", "-c", VERSION)
    assert host_version.returncode == 0, host_version.stderr
    # the container still works, its venv now outside the bind mount
    script = (
        f'UV_PROJECT_ENVIRONMENT=/opt/venv {sync} --frozen && /opt/venv/bin/python -c "{VERSION}"'
    )
    after = _root_container(
        docker_client, base_image, root, wheelhouse, script=script, name=f"{name}-2"
    )
    assert host_version.stdout.strip() == after == container_version
    assert _not_mine(root) == []
