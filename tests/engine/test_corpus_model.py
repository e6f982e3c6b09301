"""The repository model against compose itself, on every corpus repository.

compose is the oracle: what `docker compose config --format json` resolves (profiles,
overrides, `extends`, anchors, interpolation) is what the model must hold, and the
checks must find exactly the planted defects when the model comes from compose.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.repository import Repository
from dockyard.domain.services import ignore_file_for
from dockyard.workflows.verify import run_checks
from tests.corpus_support import FIXTURES, load, materialize
from tests.unit.test_corpus_checks import NOT_HERE, _environ, _settings, check_corpus

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("name", FIXTURES)
def test_corpus_with_compose(tmp_path: Path, name: str) -> None:
    check_corpus(tmp_path, name, use_compose=True)


@pytest.mark.parametrize("name", FIXTURES)
def test_model_equals_compose_config(tmp_path: Path, name: str) -> None:
    """Per service: build context, Dockerfile, target, ignore file, mounts, as compose says."""
    repo = materialize(name, tmp_path)
    settings = _settings(repo)
    model = Repository(settings, SubprocessRunner(), _environ())
    runner = SubprocessRunner()
    for env_name in load(name).environments:
        if env_name not in settings.environments:
            continue
        env = settings.environment(env_name)
        argv = ["docker", "compose", "-p", env.project_name]
        for path in env.compose_files:
            argv += ["-f", str(path)]
        for env_file in env.env_files:
            if env_file.is_file():
                argv += ["--env-file", str(env_file)]
        done = runner.run([*argv, "config", "--format", "json"], env=_environ(), timeout=60)
        config = json.loads(done.stdout)
        stack = model.stack(env_name)
        assert stack.source == "compose"
        assert set(stack.services) == set(config["services"])
        for service_name, body in config["services"].items():
            service = stack.services[service_name]
            build = body.get("build")
            if build is None:
                assert service.build is None
                continue
            assert service.build is not None
            context = Path(build["context"])
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert service.build.context == context
            assert service.build.dockerfile == dockerfile
            assert service.build.target == build.get("target")
            assert service.build.ignore_file == ignore_file_for(dockerfile, context)
            mounts = {(v["type"], v.get("source"), v["target"]) for v in body.get("volumes", [])}
            assert {(v.kind, v.source, v.target) for v in service.volumes} == mounts


def test_one_compose_config_per_environment(tmp_path: Path) -> None:
    """Every check of every environment reads one model: compose runs once per stack."""
    repo = materialize("per-env-root", tmp_path)
    settings = _settings(repo)
    model = Repository(settings, SubprocessRunner(), _environ())
    for env_name in settings.environments:
        for _ in range(2):
            run_checks(
                settings,
                settings.environment(env_name),
                _environ(),
                SubprocessRunner(),
                skip=NOT_HERE,
                repository=model,
            )
    assert model.config_calls == len(settings.environments) == 3


@pytest.mark.parametrize("name", FIXTURES)
def test_check_json_from_the_program(tmp_path: Path, name: str) -> None:
    """`dockyard check --format json`, run in the repository as a user runs it, reports
    what the library reports for the default environment (which the tests above hold to
    the fixture): nothing on the clean variant, the planted defects on the other."""
    from tests.engine.stackutil import dockyard

    for variant in ("clean", "defects"):
        repo = materialize(name, tmp_path / variant, variant=variant)
        settings = _settings(repo)
        env = settings.default_env
        report = dockyard(repo, "check", "--format", "json", "--env", env, "--skip", "LK002")
        data = json.loads(report.stdout)
        cli = {(c["id"], f["path"]) for c in data["checks"] for f in c["findings"]}
        library = run_checks(
            settings,
            settings.environment(env),
            _environ(),
            SubprocessRunner(),
            skip=("LK002",),
        )
        expected = {(f.check_id, str(f.path)) for r in library.results for f in r.findings}
        assert cli == expected
        assert report.returncode == library.exit_code == (1 if variant == "defects" and cli else 0)
        if variant == "clean":
            assert cli == set()
