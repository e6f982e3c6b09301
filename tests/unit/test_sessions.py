"""The nox session factory registers its sessions under the names it returns."""

from __future__ import annotations

from collections.abc import Iterator

import nox
import pytest

import dockyard.sessions


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """nox keeps sessions in a module-level registry: restore it afterwards."""
    saved = dict(nox.registry._REGISTRY)
    nox.registry._REGISTRY.clear()
    yield
    nox.registry._REGISTRY.clear()
    nox.registry._REGISTRY.update(saved)


@pytest.mark.usefixtures("clean_registry")
def test_install_registers_prefixed_sessions_without_venvs() -> None:
    names = dockyard.sessions.install(prefix="dy-")
    assert names == ["dy-ci", "dy-up", "dy-down", "dy-check", "dy-wheels"]
    registered = nox.registry.get()
    assert set(names) <= set(registered)
    assert all(registered[name].venv_backend == "none" for name in names)
    assert "test inside the container" in (registered["dy-ci"].__doc__ or "")


@pytest.mark.usefixtures("clean_registry")
def test_up_creates_the_ignored_env_file_of_a_fresh_clone_first() -> None:
    from typing import Any

    class _Session:
        def __init__(self) -> None:
            self.posargs = ["--build"]
            self.calls: list[tuple[str, ...]] = []

        def run(self, *args: str, **_: Any) -> None:
            self.calls.append(args[3:])  # after: python -m dockyard

    dockyard.sessions.install()
    session = _Session()
    nox.registry.get()["up"].func(session)
    assert session.calls[:2] == [("env.init", "--env", "dev"), ("dev.up", "--build")]
