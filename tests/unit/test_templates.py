"""The Dockerfile and .dockerignore templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockyard.domain.dockerfile import effective_user, is_root_user, parse_dockerfile
from dockyard.domain.templates import dockerfile_template, dockerignore_template


@pytest.mark.parametrize("manager", ["uv", "poetry", "pip"])
def test_template_stages_user_venv_and_labels(manager: str) -> None:
    text = dockerfile_template(manager)  # type: ignore[arg-type]
    assert "@@" not in text
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, flags=re.M)
    assert stages == ["base", "skeleton", "development", "builder", "production"]
    assert "ARG BASE_IMAGE=python:3.13-slim" in text
    assert "USER ${HOST_UID}:${HOST_GID}" in text
    assert "dev.dockyard.lock-hash" in text and "UV_PROJECT_ENVIRONMENT=/opt/venv" in text
    # dependencies are installed before the code is copied
    dev = text.split("AS development", 1)[1].split("AS builder", 1)[0]
    assert dev.index("RUN --mount=type=cache") < dev.index(
        "COPY --chown=${HOST_UID}:${HOST_GID} . /app/"
    )
    # then the project itself, editable, on the skeleton of the code, then the code
    editable = dev.index('--python /opt/venv/bin/python --no-deps "$@" -e .')
    assert dev.index("/tmp/skeleton/ /app/") < editable
    assert editable < dev.index("COPY --chown=${HOST_UID}:${HOST_GID} . /app/")
    # the venv carries no installer, and what the root install wrote goes to the user
    assert "python3 -m venv --without-pip /opt/venv" in dev
    assert "-exec chown -h" in dev
    assert 'CMD ["python", "-m", "app"]' not in text and "signal.pause()" in text
    for target in ("development", "production"):
        user = effective_user(
            parse_dockerfile(text, Path("Dockerfile")), target, {"HOST_UID": "42"}
        )
        assert user is not None and user.resolved is not None
        assert not is_root_user(user.resolved)


def test_dev_and_prod_dependencies_differ() -> None:
    uv = dockerfile_template("uv")
    dev = uv.split("AS development", 1)[1].split("AS builder", 1)[0]
    prod = uv.split("AS builder", 1)[1]
    assert '"$uv" export --frozen --no-hashes --no-emit-project -o' in dev
    assert '"$uv" export --frozen --no-hashes --no-emit-project --no-dev -o' in prod
    # offline: the pins and wheels come from the wheelhouse, no index; it is found in
    # the build cache under the sha256 of the lock, so one made for another lock is unused
    assert 'cp "$wheels/requirements-dev.txt"' in dev and "--no-index" in dev
    assert 'wheels="$tools/wheels/$(sha256sum uv.lock | cut' in dev
    assert "sha256sum poetry.lock" in dockerfile_template("poetry")
    assert "sha256sum pyproject.toml" in dockerfile_template("pip")
    assert 'cp "$wheels/requirements.txt"' in prod
    assert "-e ." not in prod  # production installs the project, not editable
    poetry = dockerfile_template("poetry")
    assert 'poetry" export --without-hashes --all-groups' in poetry
    # with a lock, the venv kept in the build cache is synced (the difference only);
    # without one (pip projects name ranges), a plain install
    assert '"$uv" pip sync' in uv and 'keep="$tools/venv-dev-$name"' in dev
    assert 'keep="$tools/venv-prod-$name"' in prod
    assert '"$uv" pip sync' not in dockerfile_template("pip")
    # uv never syncs itself away: it is removed unless the lock names it
    assert '"$uv" pip uninstall -q --python /opt/venv/bin/python uv' in dev
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
        dev = text.split("AS development", 1)[1].split("AS builder", 1)[0]
        tail = dev.split("COPY --chown=${HOST_UID}:${HOST_GID} . /app/", 1)[1]
        assert "RUN " not in tail.split("CMD ", 1)[0]
        assert ("AS skeleton" in text) is package
        assert ("--mount=type=bind,target=/tmp/source" in text) is package
    app = dockerfile_template("uv", package=False)
    assert "@@" not in app and "-e ." not in app
    assert "dockyard-project.pth" in app.split("AS builder", 1)[1]  # production too
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
