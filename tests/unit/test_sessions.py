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
    assert names == ["dy-ci", "dy-up", "dy-down", "dy-check"]
    registered = nox.registry.get()
    assert set(names) <= set(registered)
    assert all(registered[name].venv_backend == "none" for name in names)
    assert "test inside the container" in (registered["dy-ci"].__doc__ or "")
