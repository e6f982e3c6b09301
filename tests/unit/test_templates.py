"""The Dockerfile and .dockerignore templates."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from dockyard.domain.dockerfile import effective_user, is_root_user, parse_dockerfile
from dockyard.domain.templates import (
    Manager,
    dockerfile_template,
    dockerignore_template,
    install_script,
)

MANAGERS = ["uv", "poetry", "pip"]
DEPS = "sh /tmp/dockyard/install.sh deps"
PROJECT = "sh /tmp/dockyard/install.sh project"
CODE = "COPY --chown=${HOST_UID}:${HOST_GID} . /app/"


def _stage(text: str, name: str) -> str:
    after = text.split(f" AS {name}\n", 1)[1]
    return after.split("\nFROM ", 1)[0]


@pytest.mark.parametrize("manager", MANAGERS)
def test_template_stages_user_venv_and_labels(manager: Manager) -> None:
    text = dockerfile_template(manager)
    assert "@@" not in text
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, flags=re.M)
    assert stages == ["base", "installer", "skeleton", "development", "builder", "production"]
    assert "ARG BASE_IMAGE=python:3.13-slim" in text
    assert "USER ${HOST_UID}:${HOST_GID}" in text
    assert "dev.dockyard.lock-hash" in text and "UV_PROJECT_ENVIRONMENT=/opt/venv" in text
    # the lock hash is labelled after every RUN of each target: a new lock reruns nothing
    for target in ("development", "production"):
        stage = _stage(text, target)
        assert not re.search(r"^RUN ", stage.split("ARG LOCK_HASH", 1)[1], flags=re.M)
    assert "LOCK_HASH" not in _stage(text, "base")
    # dependencies first, then the project itself, editable, on the skeleton, then the code
    dev = _stage(text, "development")
    assert dev.index(f"{DEPS} dev") < dev.index("/tmp/skeleton/ /app/")
    assert dev.index("/tmp/skeleton/ /app/") < dev.index(f"{PROJECT} dev") < dev.index(CODE)
    builder = _stage(text, "builder")
    assert builder.index(f"{DEPS} prod") < builder.index(CODE) < builder.index(f"{PROJECT} prod")
    assert 'CMD ["python", "-m", "app"]' not in text and "signal.pause()" in text
    for target in ("development", "production"):
        user = effective_user(
            parse_dockerfile(text, Path("Dockerfile")), target, {"HOST_UID": "42"}
        )
        assert user is not None and user.resolved is not None
        assert not is_root_user(user.resolved)


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("package", [True, False])
def test_the_install_script_is_written_once_byte_for_byte(
    manager: Manager, package: bool, tmp_path: Path
) -> None:
    """The installer stage's RUN, run by a shell, writes exactly the install script, and
    every install step reads it from that stage: the script is in the Dockerfile once."""
    text = dockerfile_template(manager, package=package)
    script = install_script(manager, package=package)
    run = _stage(text, "installer").split("RUN ", 1)[1].split("\n\n", 1)[0]
    command = run.replace(" \\\n", " ").replace("/tmp/dockyard", str(tmp_path))
    subprocess.run(["sh", "-c", command], check=True)
    assert (tmp_path / "install.sh").read_text() == script
    assert subprocess.run(["sh", "-n", str(tmp_path / "install.sh")], check=False).returncode == 0
    assert text.count("set -eu") == 2 + package  # the user's step, the script, the skeleton
    mounts = text.count("--mount=type=bind,from=installer,source=/tmp/dockyard")
    assert mounts == text.count("sh /tmp/dockyard/install.sh") == (4 if package else 2)


def test_dev_and_prod_dependencies_differ() -> None:
    uv = install_script("uv")
    assert '"$uv" export --frozen --no-hashes --no-emit-project $groups -o' in uv
    assert 'if [ "$kind" != dev ]; then groups=--no-dev; fi' in uv
    assert 'if [ "$kind" = dev ]; then reqs=requirements-dev.txt; fi' in uv
    # offline: the pins and wheels come from the wheelhouse, no index; it is found in
    # the build cache under the sha256 of the lock, so one made for another lock is unused
    assert 'cp "$wheels/$reqs" /tmp/requirements.txt' in uv and "--no-index" in uv
    assert 'wheels="/tmp/wheelhouse/$(sha256sum uv.lock | cut' in uv
    assert "trap without_wheelhouse EXIT" in uv  # offline without one: the step says so
    assert "sha256sum poetry.lock" in install_script("poetry")
    assert "sha256sum pyproject.toml" in install_script("pip")
    poetry = install_script("poetry")
    assert '"$tools/poetry/bin/poetry" export --without-hashes $groups' in poetry
    assert 'if [ "$kind" = dev ]; then groups=--all-groups; fi' in poetry
    # with a lock, the venv kept in the build cache is synced (the difference only);
    # without one (pip projects name ranges, not pins), a plain install
    assert '"$uv" pip sync' in uv and 'keep="$tools/venv-$kind-$name"' in uv
    assert '"$uv" pip sync' not in install_script("pip")
    # uv never syncs itself away: it is removed unless the lock names it
    assert '"$uv" pip uninstall -q --python /opt/venv/bin/python uv' in uv
    # the venv carries no installer, and what the root install wrote goes to the user
    assert "python3 -m venv --without-pip /opt/venv" in uv
    assert 'chown -R "$HOST_UID:$HOST_GID" /opt/venv' in uv
    assert '-exec chown -h "$HOST_UID:$HOST_GID" {} +' in uv
    # the project: editable in development only
    assert 'if [ "$kind" = dev ]; then editable=-e; fi' in uv
    with pytest.raises(ValueError, match="unknown package manager"):
        dockerfile_template("pipenv")  # type: ignore[arg-type]


def test_no_image_carries_the_wheelhouse() -> None:
    text = dockerfile_template("uv")
    # the wheelhouse reaches the install steps through the build cache, never the
    # build context: nothing of docker/ is mounted, and .dockerignore leaves it out
    assert "source=docker" not in text and "/tmp/ctx-docker" not in text
    assert text.count("RUN --mount=type=cache,target=/root/.cache,sharing=locked") == 4
    assert "docker/wheels/" in dockerignore_template().splitlines()


def test_the_code_path_is_one_copy() -> None:
    """After the last step that reads the lock, each target takes the code in one COPY.

    A package's skeleton stage reads the whole context (its step runs again on a code
    change); an application's Dockerfile has none, so no RUN depends on the code.
    """
    for package in (True, False):
        text = dockerfile_template("uv", package=package)
        tail = _stage(text, "development").split(CODE, 1)[1]
        assert not re.search(r"^RUN ", tail, flags=re.M)
        assert ("AS skeleton" in text) is package
        assert ("--mount=type=bind,target=/tmp/source" in text) is package
    app = dockerfile_template("uv", package=False)
    assert "@@" not in app and PROJECT not in app
    assert "dockyard-project.pth" in install_script("uv", package=False)
    assert "dockyard-project.pth" in install_script("uv").split("exit 0", 1)[0]
    assert "layout.init --force writes one that installs it" in app


def test_compose_templates_build_a_target_from_the_base_image_arg() -> None:
    from dockyard.domain.layout.scaffold import template

    for env in ("dev", "test", "ci"):
        text = template(f"docker-compose.{env}.yml", "shop")
        assert "target: development" in text
        assert "BASE_IMAGE: ${BASE_IMAGE:-python:3.13-slim}" in text
    assert "BASE_IMAGE=python:3.13-slim" in template("env.example")


def test_dockerignore_keeps_secrets_and_venvs_out() -> None:
    lines = dockerignore_template().splitlines()
    for pattern in (".git/", ".venv/", ".env", ".env.*", "!env/.env.example", ".dockyard/"):
        assert pattern in lines


def test_this_repository_builds_with_the_template_it_ships() -> None:
    root = Path(__file__).resolve().parents[2]
    ours = (root / "docker/Dockerfile").read_text()
    assert ours == dockerfile_template("uv")
    assert (root / "docker/Dockerfile.dockerignore").read_text() == dockerignore_template()
