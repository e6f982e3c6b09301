"""The shared-venv story for real: a root container makes the project's .venv through a
bind mount, the unprivileged owner cannot remove it, and dockyard repairs it as that
user with no sudo: ``venv.info`` reports it, ``venv.fix-ownership`` gives the files back
(chown in a throwaway container), ``venv.relocate`` moves the container venv out of the
bind mount and rebuilds the host venv with uv, offline, from a local wheelhouse.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
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
def user_bin() -> Iterator[Path]:
    """A bin folder the unprivileged user can run: a venv of the system python3 that
    sees this interpreter's packages (whose own python may live where that user cannot
    go), with a ``poetry`` entry point."""
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.skip("no /usr/bin/python3 for the unprivileged user")
    folder = Path(tempfile.mkdtemp(prefix="dockyard-userpy-"))
    folder.chmod(0o755)
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(folder)], check=True)
    version = subprocess.run(
        [str(system), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if version != f"{sys.version_info[0]}.{sys.version_info[1]}":
        pytest.skip(f"/usr/bin/python3 is {version}, the tests run {sys.version}")
    site = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (folder / f"lib/python{version}/site-packages/dockyard-tests.pth").write_text(
        f"import site; site.addsitedir({str(site)!r})\n"
    )
    poetry = folder / "bin/poetry"
    poetry.write_text(
        f"#!{folder}/bin/python\nimport sys\n"
        "from poetry.console.application import main\nsys.exit(main())\n"
    )
    poetry.chmod(0o755)
    yield folder / "bin"
    shutil.rmtree(folder, ignore_errors=True)


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


def _make_project(files: dict[str, str]) -> Path:
    """A project owned by uid 4242 in a folder every user can reach; HOME beside it."""
    if os.geteuid() != 0:
        pytest.skip("the test creates files of another uid: it needs root")
    if not SOCKET.exists():
        pytest.skip(f"{SOCKET} missing: the unprivileged user cannot reach the engine")
    outer = Path(tempfile.mkdtemp(prefix="dockyard-venv-"))
    outer.chmod(0o755)
    root = outer / "project"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (outer / "home").mkdir()
    for dirpath, dirnames, filenames in os.walk(outer):
        for name in [*dirnames, *filenames]:
            os.lchown(Path(dirpath) / name, UID, GID)
    os.chown(outer, UID, GID)
    return root


@pytest.fixture
def project(base_image: str) -> Iterator[Path]:
    """A uv project whose compose file puts the container's venv in the bind mount."""
    root = _make_project(
        {
            "pyproject.toml": PYPROJECT,
            "compose/docker-compose.dev.yml": COMPOSE.format(image=base_image),
        }
    )
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@dataclass(frozen=True)
class User:
    """The project's unprivileged owner: uid 4242 plus the engine socket's group."""

    root: Path
    bin: Path

    def run(
        self, *argv: str, extra: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` as uid 4242 in the project (or ``cwd``), never as root."""
        tools = str(Path(sys.executable).parent)  # uv, a static binary
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin:{tools}",
            "HOME": str(self.root.parent / "home"),
            "LANG": "C.UTF-8",
            **(extra or {}),
        }
        prefix = ["setpriv", "--reuid", str(UID), "--regid", str(GID)]
        prefix += ["--groups", str(SOCKET.stat().st_gid)]
        return subprocess.run(
            [*prefix, *argv],
            cwd=cwd or self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def dockyard(
        self, *args: str, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The ``dockyard`` program as uid 4242."""
        return self.run(str(self.bin / "python"), "-m", "dockyard", *args, extra=extra)


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
    docker_client: docker.DockerClient,
    base_image: str,
    project: Path,
    wheelhouse: Path,
    user_bin: Path,
) -> None:
    root = project
    user = User(root, user_bin)
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
    removed = user.run("rm", "-rf", ".venv")
    assert removed.returncode != 0 and "Permission denied" in removed.stderr
    check = user.run("python", "-c", "import dockyard, docker")
    assert check.returncode == 0, f"uid {UID} cannot run dockyard's python: {check.stderr}"

    info = user.dockyard("venv.info", "--env", "dev")
    assert info.returncode == 1, info.stderr
    assert ".venv looks made by a container: owned by uid 0, not the host user (uid 4242)" in (
        info.stdout
    )
    assert "the container venv /app/.venv (compose environment) lies inside the bind mount" in (
        info.stdout
    )

    helper = {"DOCKYARD_HELPER_IMAGE": base_image}
    before = _tree_hash(root)
    dry = user.dockyard("venv.fix-ownership", "--dry-run", extra=helper)
    assert dry.returncode == 0 and "would give" in dry.stdout, dry.stderr
    dry = user.dockyard("venv.relocate", "--dry-run", extra=helper)
    assert dry.returncode == 0 and "remove .venv in a throwaway root container" in dry.stdout
    assert _tree_hash(root) == before

    fixed = user.dockyard("venv.fix-ownership", "--yes", extra=helper)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "entries back to 4242:4242" in fixed.stdout
    assert _not_mine(root) == []
    # now the owner can do what the seed needed sudo for
    assert user.run("test", "-w", ".venv/bin").returncode == 0

    offline = {
        **helper,
        "UV_OFFLINE": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheelhouse),
        "UV_CACHE_DIR": str(root.parent / "home/.cache/uv"),
    }
    relocated = user.dockyard("venv.relocate", extra=offline)
    assert relocated.returncode == 0, relocated.stdout + relocated.stderr
    compose = (root / "compose/docker-compose.dev.yml").read_text()
    assert "UV_PROJECT_ENVIRONMENT: /opt/venv" in compose and "# the project, live" in compose
    assert list((root / ".dockyard/layout").glob("run-*/journal.json"))  # journaled

    again = user.dockyard("venv.relocate", extra=offline)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr

    host_version = user.run(".venv/bin/python", "-c", VERSION)
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


POETRY_PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["iniconfig @ file://{wheel}"]

[tool.poetry]
package-mode = false
"""

POETRY_COMPOSE = """\
services:
  app:
    image: {image}
    working_dir: /app
    volumes:
      - ..:/app
    environment:
      VIRTUAL_ENV: /app/.venv
"""


def test_poetry_in_project_venv_made_by_root_container_is_relocated_without_sudo(
    docker_client: docker.DockerClient, base_image: str, wheelhouse: Path, user_bin: Path
) -> None:
    if importlib.util.find_spec("poetry") is None:
        pytest.skip("poetry is not installed with the test dependencies")
    wheel = next(wheelhouse.glob("iniconfig-*.whl"))
    root = _make_project(
        {
            "pyproject.toml": POETRY_PYPROJECT.format(wheel=wheel),
            "compose/docker-compose.dev.yml": POETRY_COMPOSE.format(image=base_image),
        }
    )
    try:
        _poetry_story(docker_client, base_image, User(root, user_bin), wheelhouse, wheel)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def _poetry_story(
    client: docker.DockerClient, image: str, user: User, wheelhouse: Path, wheel: Path
) -> None:
    root = user.root
    poetry_env = {"POETRY_CACHE_DIR": str(root.parent / "home/.cache/pypoetry")}
    locked = user.run("poetry", "lock", extra=poetry_env)
    assert locked.returncode == 0, locked.stdout + locked.stderr
    setting = root / "poetry.toml"
    setting.write_text("# the seed's setting\n[virtualenvs]\nin-project = true\n")
    os.chown(setting, UID, GID)
    name = f"dockyard-venv-poetry-{root.parent.name}".lower()
    install = f"python3 -m venv .venv && .venv/bin/pip install -q --no-index {wheel}"
    container_version = _root_container(
        client,
        image,
        root,
        wheelhouse,
        script=f'{install} && .venv/bin/python -c "{VERSION}"',
        name=name,
    )
    assert (root / ".venv").stat().st_uid == 0
    removed = user.run("rm", "-rf", ".venv")  # the seed: only sudo could remove it
    assert removed.returncode != 0 and "Permission denied" in removed.stderr

    info = user.dockyard("venv.info", "--env", "dev", extra=poetry_env)
    assert info.returncode == 1
    assert "Poetry keeps the host venv in the project (virtualenvs.in-project = true, local:" in (
        info.stdout
    )

    env = {**poetry_env, "DOCKYARD_HELPER_IMAGE": image}
    before = _tree_hash(root)
    dry = user.dockyard("venv.relocate", "--dry-run", extra=env)
    assert "write [virtualenvs] in-project = false to poetry.toml (local config)" in dry.stdout
    assert _tree_hash(root) == before

    done = user.dockyard("venv.relocate", extra=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "remove .venv in a throwaway root container" in done.stdout
    assert not (root / ".venv").exists()
    toml = (root / "poetry.toml").read_text()
    assert "# the seed's setting" in toml and "in-project = false" in toml
    path = user.run("poetry", "env", "info", "--path", extra=poetry_env).stdout.strip()
    assert path and not Path(path).is_relative_to(root)

    again = user.dockyard("venv.relocate", extra=env)
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr

    host = user.run("poetry", "run", "python", "-c", VERSION, extra=poetry_env)
    assert host.returncode == 0, host.stderr
    script = (
        f"python3 -m venv /opt/venv && /opt/venv/bin/pip install -q --no-index {wheel} "
        f'&& /opt/venv/bin/python -c "{VERSION}"'
    )
    after = _root_container(client, image, root, wheelhouse, script=script, name=f"{name}-2")
    assert host.stdout.strip() == after == container_version
    assert _not_mine(root) == []


BACKEND_COMPOSE = """\
# the Poetry seed's repository: the project in backend/, compose at the root
services:
  backend:
    image: {image}
    working_dir: /app
    volumes:
      - ./backend:/app
    environment:
      VIRTUAL_ENV: /app/.venv
"""


def test_poetry_project_in_backend_is_repaired_from_the_repository_root(
    docker_client: docker.DockerClient, base_image: str, wheelhouse: Path, user_bin: Path
) -> None:
    """Run from the root of a repository whose Poetry project is in backend/: the
    conflict is found there, and the fix lands beside backend/pyproject.toml."""
    if importlib.util.find_spec("poetry") is None:
        pytest.skip("poetry is not installed with the test dependencies")
    wheel = next(wheelhouse.glob("iniconfig-*.whl"))
    root = _make_project(
        {
            "backend/pyproject.toml": POETRY_PYPROJECT.format(wheel=wheel),
            "docker-compose.yml": BACKEND_COMPOSE.format(image=base_image),
        }
    )
    user = User(root, user_bin)
    backend = root / "backend"
    poetry_env = {"POETRY_CACHE_DIR": str(root.parent / "home/.cache/pypoetry")}
    try:
        assert user.run("git", "init", "-q").returncode == 0
        locked = user.run("poetry", "lock", extra=poetry_env, cwd=backend)
        assert locked.returncode == 0, locked.stdout + locked.stderr
        setting = backend / "poetry.toml"
        setting.write_text("[virtualenvs]\nin-project = true\n")
        os.chown(setting, UID, GID)
        name = f"dockyard-venv-backend-{root.parent.name}".lower()
        install = f"python3 -m venv .venv && .venv/bin/pip install -q --no-index {wheel}"
        docker_client.containers.run(
            base_image,
            ["sh", "-c", install],
            name=name,
            user="0:0",
            network_mode="none",
            remove=True,
            working_dir="/app",
            volumes={
                str(backend): {"bind": "/app", "mode": "rw"},
                str(wheel): {"bind": str(wheel), "mode": "ro"},
            },
        )
        assert (backend / ".venv").stat().st_uid == 0

        info = user.dockyard("venv.info", "--env", "dev", extra=poetry_env)
        assert info.returncode == 1, info.stdout + info.stderr
        assert "host (poetry)" in info.stdout and "backend/.venv" in info.stdout
        assert "virtualenvs.in-project = true, local:" in info.stdout

        env = {**poetry_env, "DOCKYARD_HELPER_IMAGE": base_image}
        dry = user.dockyard("venv.relocate", "--dry-run", extra=env)
        assert "write [virtualenvs] in-project = false to backend/poetry.toml" in dry.stdout

        done = user.dockyard("venv.relocate", extra=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not (backend / ".venv").exists()
        assert "in-project = false" in setting.read_text()
        assert not (root / "poetry.toml").exists()
        path = user.run("poetry", "env", "info", "--path", extra=poetry_env, cwd=backend)
        assert path.stdout.strip() and not Path(path.stdout.strip()).is_relative_to(root)
        assert (
            user.run(
                "poetry", "run", "python", "-c", VERSION, extra=poetry_env, cwd=backend
            ).returncode
            == 0
        )
        assert _not_mine(root) == []
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
