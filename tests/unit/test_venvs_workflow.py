"""venvs workflows without an engine: report, relocation plans, file edits, idempotence."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dockyard.domain.config import load_settings
from dockyard.testing import FakeEngine, FakeRunner
from dockyard.workflows.relocate import (
    Backups,
    apply_relocate,
    plan_relocate,
    rewrite_dockerfile_env,
    set_compose_venv,
    write_local_poetry_config,
)
from dockyard.workflows.venvs import venv_report
from tests.checks_support import make_project, write_files

COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: docker/Dockerfile
    # the project, live
    volumes:
      - ..:/app
    environment:
      UV_PROJECT_ENVIRONMENT: /app/.venv  # shared with the host: bad
"""


def _no_engine() -> FakeEngine:
    raise AssertionError("the engine must not be used")


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest.update(f"{path.relative_to(root)}:{st.st_mode}:{st.st_uid}".encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "")}


def _poetry_project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", git=False)
    write_files(
        root,
        {
            "uv.lock": None,
            "poetry.lock": "# lock\n",
            "poetry.toml": "# team settings\n[virtualenvs]\nin-project = true  # old habit\n",
            "compose/docker-compose.dev.yml": COMPOSE,
        },
    )
    return root


def test_report_lists_every_conflict(tmp_path: Path) -> None:
    root = _poetry_project(tmp_path)
    settings = load_settings(root, environ=_env(tmp_path))
    report = venv_report(settings, _env(tmp_path), FakeRunner(), ["dev"])
    assert report.host.tool == "poetry" and report.host.path == root / ".venv"
    text = "\n".join(report.conflicts)
    assert "virtualenvs.in-project = true, local:" in text
    assert "environment dev: the container venv /app/.venv (compose environment)" in text


def test_dry_run_plan_changes_nothing_then_apply_then_idempotent(tmp_path: Path) -> None:
    root = _poetry_project(tmp_path)
    environ = _env(tmp_path)
    settings = load_settings(root, environ=environ)
    runner = FakeRunner()
    before = _tree_hash(root)
    plan = plan_relocate(settings, environ, runner, _no_engine, envs=["dev"])
    lines = "\n".join(plan.lines())
    assert "write [virtualenvs] in-project = false to poetry.toml (local config)" in lines
    assert "only affects this project" in lines
    assert "set VIRTUAL_ENV, UV_PROJECT_ENVIRONMENT=/opt/venv in compose" in lines
    assert "recreate the host venv: poetry install --no-interaction" in lines
    assert _tree_hash(root) == before

    done = list(apply_relocate(plan, lambda what: None))
    assert len(done) == len(plan.actions)
    poetry_toml = (root / "poetry.toml").read_text()
    assert "# team settings" in poetry_toml and "in-project = false" in poetry_toml
    compose = (root / "compose/docker-compose.dev.yml").read_text()
    assert "# the project, live" in compose and "      - ..:/app" in compose
    assert "UV_PROJECT_ENVIRONMENT: /opt/venv" in compose and "VIRTUAL_ENV: /opt/venv" in compose
    assert ("poetry", "install", "--no-interaction") in runner.argvs
    # the file changes were journaled: they roll back byte for byte
    from dockyard.workflows import layout

    edited = _tree_hash(root)
    layout.rollback(root)
    assert "in-project = true" in (root / "poetry.toml").read_text()
    assert "VIRTUAL_ENV: /opt/venv" not in (root / "compose/docker-compose.dev.yml").read_text()
    list(apply_relocate(plan, lambda what: None))
    assert _tree_hash(root) == edited

    # again: the venv exists where Poetry puts it, nothing left to do
    runner.respond(["poetry", "env", "info", "--path"], stdout="/home/u/venvs/demo-abc\n")
    again = plan_relocate(settings, environ, runner, _no_engine, envs=["dev"])
    assert again.actions == ()
    assert again.lines() == ["nothing to do: venvs already live apart"]


def test_in_project_venv_owned_by_user_is_removed_on_host(tmp_path: Path) -> None:
    root = _poetry_project(tmp_path)
    (root / ".venv/bin").mkdir(parents=True)
    (root / ".venv/pyvenv.cfg").write_text("home = /nonexistent/bin\n")
    if os.geteuid() == 0:  # as root, a user's checkout: the rule of host identity names its owner
        for path in [root, *root.rglob("*")]:
            os.lchown(path, 4242, 4242)
    environ = _env(tmp_path)
    settings = load_settings(root, environ=environ)
    plan = plan_relocate(settings, environ, FakeRunner(), _no_engine, envs=["dev"])
    assert any(a.what == "remove .venv" for a in plan.actions)
    list(apply_relocate(plan, lambda what: None))
    assert not (root / ".venv").exists()


def test_local_poetry_config_created_when_missing(tmp_path: Path) -> None:
    write_local_poetry_config(tmp_path, Backups(tmp_path, "s"))
    assert (tmp_path / "poetry.toml").read_text() == "[virtualenvs]\nin-project = false\n"
    assert not (tmp_path / ".dockyard").exists()  # nothing existed, nothing to back up


def test_compose_list_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text(
        "services:\n  app:\n    environment:\n      - A=1\n      - VIRTUAL_ENV=/app/.venv\n"
    )
    set_compose_venv(path, "app", "/opt/venv", ("VIRTUAL_ENV",), Backups(tmp_path, "s"))
    assert path.read_text().endswith("      - A=1\n      - VIRTUAL_ENV=/opt/venv\n")
    assert (tmp_path / ".dockyard/backups/s/c.yml").is_file()


def test_dockerfile_env_rewrite() -> None:
    text = (
        'FROM x\nENV VIRTUAL_ENV=/app/.venv \\\n    UV_PROJECT_ENVIRONMENT="/app/.venv"\nRUN env\n'
    )
    out = rewrite_dockerfile_env(text, ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"), "/opt/venv")
    assert out == (
        "FROM x\nENV VIRTUAL_ENV=/opt/venv \\\n    UV_PROJECT_ENVIRONMENT=/opt/venv\nRUN env\n"
    )
    assert rewrite_dockerfile_env("RUN VIRTUAL_ENV=/a x\n", ("VIRTUAL_ENV",), "/b") == (
        "RUN VIRTUAL_ENV=/a x\n"
    )


def test_edits_as_root_keep_the_project_owner(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: files of another uid")
    root = _poetry_project(tmp_path)
    (root / "poetry.toml").unlink()
    for path in [root, *root.rglob("*")]:
        os.lchown(path, 4242, 4242)
    environ = _env(tmp_path)
    settings = load_settings(root, environ=environ)
    plan = plan_relocate(settings, environ, FakeRunner(), _no_engine, envs=["dev"])
    list(apply_relocate(plan, lambda what: None))
    assert (root / "poetry.toml").is_file()
    assert list((root / ".dockyard/layout").glob("run-*/journal.json"))
    assert [p for p in [root, *root.rglob("*")] if p.lstat().st_uid != 4242] == []


def test_run_in_venv_uses_the_project_tool(tmp_path: Path) -> None:
    from dockyard.workflows.venvs import run_in_venv

    root = _poetry_project(tmp_path)
    environ = {**_env(tmp_path), "VIRTUAL_ENV": "/somewhere/else"}
    settings = load_settings(root, environ=environ)
    runner = FakeRunner()
    runner.respond(["poetry", "run"], returncode=5)
    assert run_in_venv(settings, environ, runner, ["pytest", "-q"]) == 5
    call = runner.calls[0]
    assert call.argv == ("poetry", "run", "pytest", "-q") and call.cwd == root
    assert "VIRTUAL_ENV" not in call.env  # an activated shell venv must not win
    write_files(root, {"poetry.lock": None, "uv.lock": "version = 1\n"})
    settings = load_settings(root, environ=environ)
    assert run_in_venv(settings, environ, runner, ["pytest"]) == 0
    assert runner.calls[1].argv == ("uv", "run", "pytest")
