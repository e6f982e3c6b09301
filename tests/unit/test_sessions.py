"""The nox session factory: names, defaults, one build in ci, what a bare nox selects."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nox
import pytest

import dockyard.sessions
from dockyard.surfaces.catalog_tasks import SESSIONS


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """nox keeps sessions in a module-level registry: restore it afterwards."""
    saved = dict(nox.registry._REGISTRY)
    nox.registry._REGISTRY.clear()
    yield
    nox.registry._REGISTRY.clear()
    nox.registry._REGISTRY.update(saved)


class _Session:
    def __init__(self, posargs: list[str] | None = None) -> None:
        self.posargs = posargs or []
        self.calls: list[tuple[str, ...]] = []

    def run(self, *args: str, **_: Any) -> None:
        assert args[:3] == (sys.executable, "-m", "dockyard")  # nox's own interpreter
        self.calls.append(args[3:])


def _calls(name: str, posargs: list[str] | None = None) -> list[tuple[str, ...]]:
    session = _Session(posargs)
    nox.registry.get()[name].func(session)
    return session.calls


@pytest.mark.usefixtures("clean_registry")
def test_install_registers_prefixed_sessions_without_venvs() -> None:
    names = dockyard.sessions.install(prefix="dy-")
    assert names == ["dy-ci", "dy-check", "dy-up", "dy-down", "dy-wheels"]
    registered = nox.registry.get()
    assert set(names) <= set(registered)
    assert all(registered[name].venv_backend == "none" for name in names)
    assert "test inside the container" in (registered["dy-ci"].__doc__ or "")


@pytest.mark.usefixtures("clean_registry")
def test_stack_changing_sessions_are_not_selected_by_default_nor_parallel() -> None:
    dockyard.sessions.install()
    registered = nox.registry.get()
    defaults = {name for name, func in registered.items() if func.default}
    assert defaults == {"ci", "check"}
    assert not registered["up"].allow_parallel
    assert not registered["down"].allow_parallel
    assert registered["ci"].allow_parallel


@pytest.mark.usefixtures("clean_registry")
def test_ci_builds_once_through_ci_test() -> None:
    dockyard.sessions.install(ci_env="pipeline")
    calls = _calls("ci")
    assert calls == [("pipeline.test",), ("check", "--env", "pipeline")]
    assert not any(call[0].endswith(".build") for call in calls)


@pytest.mark.usefixtures("clean_registry")
def test_up_creates_the_ignored_env_file_of_a_fresh_clone_first() -> None:
    dockyard.sessions.install()
    calls = _calls("up", ["--build"])
    assert calls == [("env.init", "--env", "dev"), ("dev.up", "--build"), ("dev.status",)]
    assert _calls("check", ["--live"]) == [("check", "--env", "dev", "--live")]


def _nox(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_nox_list_with_the_generated_noxfile_selects_no_stack_changing_session(
    tmp_path: Path,
) -> None:
    from dockyard.domain.layout.scaffold import template

    (tmp_path / "noxfile.py").write_text(template("noxfile.py.tmpl", "demo"))
    done = _nox(tmp_path, "-l")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[1]: line.split()[0] for line in done.stdout.splitlines()
             if line[:1] in "*-" and len(line.split()) > 1}  # fmt: skip
    assert lines == {"ci": "*", "check": "*", "up": "-", "down": "-", "wheels": "-"}


def test_generated_noxfile_asks_for_dockyard_and_says_how_when_it_is_missing(
    tmp_path: Path,
) -> None:
    from dockyard.domain.layout.scaffold import template

    text = template("noxfile.py.tmpl", "demo")
    block = text.split("# ///", 2)[1]
    assert text.startswith("# /// script\n")
    assert '"dockyard"' in block
    (tmp_path / "noxfile.py").write_text(text)
    # nox's interpreter without dockyard: a python with only nox's path
    hide = tmp_path / "sitecustomize.py"
    hide.write_text(
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'dockyard':\n"
        "            raise ModuleNotFoundError(\"No module named 'dockyard'\", name='dockyard')\n"
        "sys.meta_path.insert(0, _Hide())\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", "-l", "--script-mode", "none"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert dockyard.sessions.MISSING in done.stderr
    assert "uv tool install nox --with dockyard" in done.stderr


def test_every_session_step_is_a_task_of_the_table() -> None:
    from dockyard.surfaces.catalog_tasks import task_names

    names = set(task_names(["dev", "test", "ci"]))
    for spec in SESSIONS:
        for step in spec.steps:
            assert step[0].replace("{env}", spec.env) in names, (spec.name, step)
