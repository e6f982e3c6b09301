"""dockyard wheels: pins from each package manager's lock, wheels and the build backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from invoke.config import Config
from invoke.context import Context

from dockyard.domain.config import load_settings
from dockyard.domain.templates import dockerfile_template
from dockyard.errors import PlanError
from dockyard.surfaces.runtime import Runtime
from dockyard.surfaces.tasks.wheels import wheels
from dockyard.testing import FakeRunner
from dockyard.workflows.wheelhouse import plan_wheelhouse, poetry_requirements, run_wheelhouse
from tests.conftest import write

POETRY_LOCK = """\
[[package]]
name = "requests"
version = "2.32.3"
groups = ["main"]

[[package]]
name = "colorama"
version = "0.4.6"
groups = ["dev"]
markers = "sys_platform == \\"win32\\""

[[package]]
name = "pytest"
version = "8.3.0"
groups = ["dev"]

[[package]]
name = "legacy"
version = "1.0"
category = "main"
"""


def test_poetry_lock_is_read_without_the_export_plugin() -> None:
    import tomllib

    lock = tomllib.loads(POETRY_LOCK)
    dev = poetry_requirements(lock, dev=True).splitlines()[1:]
    prod = poetry_requirements(lock, dev=False).splitlines()[1:]
    assert dev == [
        "requests==2.32.3",
        'colorama==0.4.6 ; sys_platform == "win32"',
        "pytest==8.3.0",
        "legacy==1.0",
    ]
    assert prod == ["requests==2.32.3", "legacy==1.0"]


def test_uv_plan_exports_both_sets_and_fetches_the_backend(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "a"\nversion = "0"\n[build-system]\nrequires = ["hatchling"]\n',
    )
    write(tmp_path / "uv.lock", "version = 1\n")
    plan = plan_wheelhouse(load_settings(tmp_path), python="/py/bin/python")
    argvs = [step.argv for step in plan.steps]
    assert argvs[0][1:3] == ("export", "--frozen") and argvs[0][-1].endswith(
        "docker/wheels/requirements-dev.txt"
    )
    assert "--no-dev" in argvs[1] and argvs[1][-1].endswith("docker/wheels/requirements.txt")
    assert argvs[2][:4] == ("/py/bin/python", "-m", "pip", "wheel")
    assert argvs[3][-3:] == ("hatchling", "editables", "wheel")


def test_pip_project_writes_its_requirements_and_runs_through_the_runner(
    tmp_path: Path,
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "a"\nversion = "0"\ndependencies = ["attrs"]\n'
        '[dependency-groups]\ndev = ["pytest>=8"]\n',
    )
    settings = load_settings(tmp_path)
    plan = plan_wheelhouse(settings)
    runner = FakeRunner()
    run_wheelhouse(plan, runner, {}, tmp_path)
    folder = tmp_path / "docker/wheels"
    assert (folder / "requirements-dev.txt").read_text().splitlines()[1:] == ["attrs", "pytest>=8"]
    assert (folder / "requirements.txt").read_text().splitlines()[1:] == ["attrs"]
    assert runner.argvs == [step.argv for step in plan.steps]
    assert runner.argvs[0][:4] == (sys.executable, "-m", "pip", "wheel")


def test_no_pyproject_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"pyproject\.toml not found"):
        plan_wheelhouse(load_settings(tmp_path))


def test_task_dry_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "a"\nversion = "0"\n')
    runner = FakeRunner()
    runtime = Runtime(runner, {"DOCKYARD_ROOT": str(tmp_path)}, tmp_path)
    wheels(Context(config=Config(overrides={"dockyard_runtime": runtime})), dry_run=True)
    out = capsys.readouterr().out
    assert out.startswith("plan: wheels (pip) into docker/wheels")
    assert runner.calls == [] and not (tmp_path / "docker").exists()


def test_the_wheelhouse_is_loaded_into_the_build_cache_under_the_lock_digest(
    tmp_path: Path,
) -> None:
    import hashlib

    write(tmp_path / "pyproject.toml", '[project]\nname = "a"\nversion = "0"\n')
    write(tmp_path / "uv.lock", "version = 1\n")
    digest = hashlib.sha256(b"version = 1\n").hexdigest()
    plan = plan_wheelhouse(load_settings(tmp_path), environ={"BASE_IMAGE": "local/base:1"})
    *_, load, untag = plan.steps
    compose_file = tmp_path / "docker/wheels/load.compose.yml"
    assert load.argv == (
        "docker", "compose", "-p", f"dockyard-wheels-{digest[:12]}", "-f", str(compose_file),
        "build",
    )  # fmt: skip
    assert untag.argv == ("docker", "image", "rm", "-f", f"dockyard-wheels-load:{digest[:12]}")
    text = plan.writes[compose_file]
    # the cache mount the template's install steps use, the folder the template looks in
    mount = "--mount=type=cache,id=dockyard-wheelhouse,target=/tmp/wheelhouse,sharing=locked"
    assert mount in text and mount in dockerfile_template("uv")
    assert f"rm -rf {digest}; mv {digest}.new {digest}" in text
    assert "FROM local/base:1" in text
    assert "$" not in text.replace("$$", "")  # compose interpolates a single `$`
    checkout = hashlib.sha256(str(tmp_path.resolve()).encode()).hexdigest()[:16]
    assert f'"$$(cat "$${{old}}checkout" 2>/dev/null)" = "{checkout}"' in text
    assert text != plan_wheelhouse(load_settings(tmp_path), environ={}).writes[compose_file]

    runner = FakeRunner()
    run_wheelhouse(plan, runner, {}, tmp_path)
    assert compose_file.read_text() == text
    assert runner.argvs[-2:] == [load.argv, untag.argv]


def test_the_load_runs_in_the_base_image_the_environment_names(tmp_path: Path) -> None:
    from dockyard.workflows.wheelhouse import base_image

    write(tmp_path / "pyproject.toml", '[project]\nname = "a"\nversion = "0"\n')
    settings = load_settings(tmp_path)
    assert base_image(settings, {}) == "python:3.13-slim"  # no env file: the template's
    write(tmp_path / "env/.env.dev", "BASE_IMAGE=example/python:3.12\n")
    assert base_image(settings, {}) == "example/python:3.12"
    assert base_image(settings, {"BASE_IMAGE": "local/base:1"}) == "local/base:1"
