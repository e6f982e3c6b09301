"""The public API: every name in ``__all__`` exists (ruff's RUF022 keeps it sorted)."""

from __future__ import annotations

import importlib

import pytest

import dockyard

PUBLIC_MODULES = [
    "dockyard",
    "dockyard.errors",
    "dockyard.testing",
    "dockyard.tasks",
    "dockyard.adapters.runner",
    "dockyard.adapters.engine",
    "dockyard.domain.config",
    "dockyard.domain.discovery",
    "dockyard.domain.environments",
    "dockyard.domain.repository",
    "dockyard.domain.services",
    "dockyard.domain.composefiles",
    "dockyard.domain.imagevenv",
    "dockyard.domain.envfiles",
    "dockyard.domain.secrets",
    "dockyard.domain.identity",
    "dockyard.workflows.envs",
    "dockyard.sessions",
    "dockyard.adapters.compose",
    "dockyard.adapters.git",
    "dockyard.adapters.files",
    "dockyard.domain.templates",
    "dockyard.domain.images",
    "dockyard.domain.dockerfile",
    "dockyard.domain.ownership",
    "dockyard.domain.venv",
    "dockyard.domain.layout",
    "dockyard.domain.findings",
    "dockyard.workflows.stack",
    "dockyard.workflows.layout",
    "dockyard.workflows.venvs",
    "dockyard.workflows.relocate",
    "dockyard.workflows.verify",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for member in exported:
        assert hasattr(module, member), f"{name}.{member}"


def test_errors_share_one_base() -> None:
    for name in dockyard.__all__:
        obj = getattr(dockyard, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, dockyard.DockyardError)


def test_importing_tasks_keeps_heavy_modules_lazy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dockyard.tasks\n"
        "heavy = [m for m in ('docker', 'rich', 'tomlkit', 'ruamel.yaml', 'nox', 'dotenv')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
