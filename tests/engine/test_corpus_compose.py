"""Compose is the oracle: every corpus environment resolves as its fixture.toml says.

For every fixture and environment, ``docker compose [--env-file ...] -f ... config
--format json`` runs in the materialized repository exactly as a user runs it, with
nothing from the developer's shell leaking in. It must succeed and resolve exactly the
expected services under the expected project name; in a fresh clone it must succeed or
fail as the fixture says; the defects variant must still parse unless the planted
defect is a missing env file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dockyard.adapters.runner import Completed, SubprocessRunner
from tests.corpus_support import FIXTURES, Fixture, fresh_clone, load, materialize

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine

ENVIRONMENTS = [(name, env) for name in FIXTURES for env in sorted(load(name).environments)]
DEFAULTS = [name for name in FIXTURES if load(name).default_environment is not None]


def compose_config(fixture: Fixture, repo: Path, env: str | None) -> Completed:
    """``docker compose [args] config --format json`` in ``repo``, as a user runs it.

    ``env=None`` runs bare ``docker compose config`` (compose's own file discovery).
    Nothing of the developer's shell (COMPOSE_*, app variables) leaks in.
    """
    environ = {"PATH": os.environ.get("PATH", os.defpath)}
    # HOME and DOCKER_* find the compose plugin and the engine, as in the user's shell
    for key in ("HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT"):
        if key in os.environ:
            environ[key] = os.environ[key]
    args = [] if env is None else fixture.compose_args(env)
    if env is not None:
        environ.update(fixture.variables.get(env, {}))
    return SubprocessRunner().run(
        ["docker", "compose", *args, "config", "--format", "json"],
        env=environ,
        cwd=repo,
        timeout=60,
        check=False,
    )


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{name}:{env}" for name, env in pairs]


def _resolved(stdout: str) -> tuple[str, list[str]]:
    model: dict[str, Any] = json.loads(stdout)
    return model["name"], sorted(model["services"])


@pytest.mark.parametrize(("name", "env"), ENVIRONMENTS, ids=_ids(ENVIRONMENTS))
def test_compose_resolves_the_expected_services(
    name: str, env: str, tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    fixture = load(name)
    repo = materialize(name, tmp_path)
    done = compose_config(fixture, repo, env)
    assert done.ok, done.stderr
    assert _resolved(done.stdout) == (fixture.project_names[env], list(fixture.services[env]))


@pytest.mark.parametrize("name", DEFAULTS)
def test_bare_compose_picks_the_default_environment(
    name: str, tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    fixture = load(name)
    assert fixture.default_environment is not None
    repo = materialize(name, tmp_path)
    bare = compose_config(fixture, repo, None)
    explicit = compose_config(fixture, repo, fixture.default_environment)
    assert bare.ok, bare.stderr
    assert json.loads(bare.stdout) == json.loads(explicit.stdout)


@pytest.mark.parametrize(("name", "env"), ENVIRONMENTS, ids=_ids(ENVIRONMENTS))
def test_fresh_clone_works_or_fails_as_the_fixture_says(
    name: str, env: str, tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    fixture = load(name)
    expected = fixture.fresh_clone[env]
    clone = fresh_clone(materialize(name, tmp_path / "origin"), tmp_path / "clone" / name)
    done = compose_config(fixture, clone, env)
    assert done.ok is expected.ok, f"{expected.reason}\n{done.stderr}"
    if expected.ok:
        assert _resolved(done.stdout) == (fixture.project_names[env], list(fixture.services[env]))


@pytest.mark.parametrize(("name", "env"), ENVIRONMENTS, ids=_ids(ENVIRONMENTS))
def test_defects_variant_still_parses_unless_an_env_file_is_missing(
    name: str, env: str, tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    fixture = load(name)
    repo = materialize(name, tmp_path, variant="defects")
    done = compose_config(fixture, repo, env)
    missing_env_file = any(f.id == "CO003" for f in fixture.defect_findings)
    if missing_env_file and not done.ok:
        assert "env file" in done.stderr and "not found" in done.stderr, done.stderr
    else:
        assert done.ok, done.stderr
        assert _resolved(done.stdout)[1] == list(fixture.services[env])


@pytest.mark.parametrize(
    "name", [n for n in FIXTURES if any(f.id == "CO003" for f in load(n).defect_findings)]
)
def test_missing_env_file_defect_breaks_compose(
    name: str, tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    fixture = load(name)
    repo = materialize(name, tmp_path, variant="defects")
    failures = [env for env in fixture.environments if not compose_config(fixture, repo, env).ok]
    assert failures, "the planted env_file should be missing for at least one environment"
