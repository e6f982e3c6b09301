"""dockyard's own sessions.

    nox -s ci      lint, type check, unit tests, engine tests (the README's test command)
    nox -s up      the main job on this repository's own environment (dev.up + checks)
    nox -s lint / types / unit / engine    one part of ci
    nox -s docker-ci / docker-up / ...     dockyard's own session factory, dogfooded

Where an engine is needed and none answers, sessions provision one with the same
script CI uses (.ci/engine.sh: Debian's docker.io, compose v2, a local base image).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["ci"]  # the test suite; the factory's docker-* sessions run when named

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
DEV = nox.project.dependency_groups(PYPROJECT, "dev")


def _engine_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False)
    return probe.returncode == 0


def ensure_engine(session: nox.Session) -> None:
    """Make sure an engine, compose v2 and the local base image are there.

    On a Debian host where we are root (a CI runner, a fresh VM) .ci/engine.sh
    provisions whatever is missing and reuses an engine that already runs; the local
    base image it made then reaches builds as BASE_IMAGE in the session's environment
    (the process environment wins over env files). Elsewhere (a laptop with Docker
    Desktop) the engine that answers is used as it is, with env/.env.*'s public image.
    """
    if os.geteuid() == 0 and shutil.which("apt-get"):
        session.run("bash", ".ci/engine.sh", "start", external=True)
        line = session.run("bash", ".ci/engine.sh", "env", external=True, silent=True)
        key, _, value = str(line or "").strip().partition("=")
        if key == "BASE_IMAGE" and value and "BASE_IMAGE" not in os.environ:
            session.env["BASE_IMAGE"] = value
            session.log(f"base image for builds: {value} (no registry on this machine)")
    elif not _engine_answers():
        session.warn(
            "no Docker engine answers and this machine cannot provision one: "
            "engine tests will skip (DOCKYARD_REQUIRE_ENGINE=1 makes them fail instead)"
        )


# dockyard's session factory, on this repository (prefixed: `ci` is the test suite here).
# On a fresh machine nox runs before dockyard is installed: the factory's sessions then
# appear once `pip install -e .` has been run in nox's interpreter.
try:
    import dockyard.sessions
except ImportError:
    pass
else:
    dockyard.sessions.install(prefix="docker-")


def _install(session: nox.Session) -> None:
    session.install("-e", ".", *DEV)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the code, tests, noxfile and tasks.py."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "noxfile.py", "tasks.py", "bench")


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict over the package, tests, noxfile and tasks.py."""
    _install(session)
    session.run("mypy")


@nox.session
def unit(session: nox.Session) -> None:
    """Unit tests: no engine needed."""
    _install(session)
    session.run("pytest", "-m", "not engine", "-n", "auto", *session.posargs)


#: Engine tests run two test files at a time: each file's projects, images and folders
#: are its own, and the engine, not the CPU, is what they wait on.
_ENGINE_WORKERS = ("-n", "2", "--dist", "loadfile")


@nox.session
def engine(session: nox.Session) -> None:
    """Engine tests: real builds, containers and file ownership."""
    _install(session)
    ensure_engine(session)
    session.run("pytest", "-m", "engine", *_ENGINE_WORKERS, *session.posargs)


@nox.session
def ci(session: nox.Session) -> None:
    """Everything CI runs: lint, types, unit tests, engine tests."""
    _install(session)
    session.run("ruff", "check", "src", "tests", "noxfile.py", "tasks.py", "bench")
    session.run("mypy")
    session.run("pytest", "-m", "not engine", "-p", "no:cacheprovider", "-n", "auto")
    ensure_engine(session)
    session.run(
        "pytest", "-m", "engine", "-p", "no:cacheprovider", *_ENGINE_WORKERS, *session.posargs
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks as ratios against a same-run baseline: `nox -s bench -- [ID ...]`."""
    _install(session)
    ensure_engine(session)
    session.run("python", "-m", "bench", *session.posargs)


def _install_locked(session: nox.Session) -> None:
    """The session's venv from uv.lock (dev group included), then dockyard editable.

    The image installs the same pins (from the lock, or from docker/wheels/, which
    `dockyard wheels` fills from the lock), so host and container agree (LV006).
    """
    session.install("uv")
    requirements = Path(session.create_tmp()) / "requirements-dev.txt"
    session.run(
        "uv", "export", "--frozen", "--no-hashes", "--no-emit-project", "-q",
        "-o", str(requirements),
    )  # fmt: skip
    session.install("-r", str(requirements))
    session.install("--no-deps", "-e", ".")


@nox.session
def up(session: nox.Session) -> None:
    """The main job on this repository's own compose/, env/, docker/ environment.

    Provisions an engine where none answers (as CI does), installs the session's venv
    from uv.lock, fills docker/wheels/ from the lock where containers have no index
    (the local base image is in use), creates env/.env.dev from the example if
    missing, then `dockyard dev.up` (UID-aware build, stale-image rebuild, wait for
    health), `dockyard dev.status` and `dockyard check --live`.
    Stop it with `dockyard dev.down`.
    """
    _install_locked(session)
    ensure_engine(session)
    if "BASE_IMAGE" in session.env:
        session.run("dockyard", "wheels")
    session.run("dockyard", "env.init", "--env", "dev")
    session.run("dockyard", "dev.up")
    session.run("dockyard", "dev.status")
    session.run("dockyard", "check", "--live", "--env", "dev", success_codes=[0, 1])
    if os.geteuid() == 0 and not os.environ.get("SUDO_UID"):
        session.log(
            "on a root host LV003 is expected: the checkout belongs to root and the "
            "container runs as the non-root default uid, which cannot write into it; "
            "as the user who owns the checkout (or under sudo) the checks are clean"
        )
