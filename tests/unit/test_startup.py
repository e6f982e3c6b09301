"""The dockyard program imports Invoke lean, and leaves the standard library as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard.surfaces.startup import dist_version, lean_imports


def _fresh(code: str, cwd: Path) -> dict[str, object]:
    """Run ``code`` in a new interpreter (nothing imported yet); the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_program_starts_without_mock_and_metadata(tmp_path: Path) -> None:
    seen = _fresh(
        "import json, sys\n"
        "import dockyard.surfaces.program\n"
        "print(json.dumps({m: m in sys.modules for m in "
        "('unittest.mock', 'importlib.metadata', 'asyncio', 'email', 'docker', 'requests',"
        " 'invoke.vendor.yaml')}))",
        tmp_path,
    )
    assert seen == {
        "unittest.mock": False,
        "importlib.metadata": False,
        "asyncio": False,
        "email": False,
        "docker": False,
        "requests": False,
        "invoke.vendor.yaml": False,
    }


def test_a_yaml_configuration_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "invoke.yaml").write_text("dockyard:\n  answer: 42\n", encoding="utf-8")
    seen = _fresh(
        "import json\n"
        "import dockyard.surfaces.program\n"
        "from invoke.config import Config\n"
        "config = Config(project_location='.')\n"
        "config.load_project()\n"
        "print(json.dumps({'answer': config.dockyard.answer}))",
        tmp_path,
    )
    assert seen == {"answer": 42}


def test_invoke_still_has_its_version_its_mock_context_and_the_real_modules(
    tmp_path: Path,
) -> None:
    seen = _fresh(
        "import json\n"
        "from dockyard.surfaces.startup import lean_imports\n"
        "with lean_imports():\n"
        "    import invoke\n"
        "from importlib import metadata\n"
        "from unittest import mock\n"
        "from invoke import MockContext, Result\n"
        "c = MockContext(run=Result('hi'))\n"
        "out = c.run('anything').stdout\n"
        "print(json.dumps({'version': invoke.__version__, 'real': metadata.version('invoke'),"
        " 'mock': mock.__file__.endswith('mock.py'), 'patch': callable(mock.patch),"
        " 'ran': out, 'wrapped': isinstance(c.run, mock.Mock)}))",
        tmp_path,
    )
    assert seen["version"] == seen["real"] and seen["version"]
    assert seen == {**seen, "mock": True, "patch": True, "ran": "hi", "wrapped": True}


def test_modules_already_imported_are_left_alone() -> None:
    import importlib.metadata
    import unittest.mock

    with lean_imports():
        assert sys.modules["unittest.mock"] is unittest.mock
        assert sys.modules["importlib.metadata"] is importlib.metadata


def test_a_stand_in_answers_other_names_from_the_real_module(tmp_path: Path) -> None:
    seen = _fresh(
        "import json, sys\n"
        "from dockyard.surfaces.startup import lean_imports\n"
        "with lean_imports():\n"
        "    from importlib.metadata import distribution\n"
        "    name = distribution('invoke').metadata['Name']\n"
        "print(json.dumps({'name': name, 'real': sys.modules['importlib.metadata'].__file__}))",
        tmp_path,
    )
    assert seen["name"] == "invoke"
    assert str(seen["real"]).endswith("__init__.py")


@pytest.mark.parametrize(
    ("folders", "expected"),
    [
        (["tiny_dist-1.2.3.dist-info"], "1.2.3"),
        (["Tiny_Dist-1.2.3.dist-info", "tiny_dist-2.0.dist-info"], None),  # ambiguous
        (["tiny_distx-1.0.dist-info"], None),
        ([], None),
    ],
)
def test_dist_version_reads_the_dist_info_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folders: list[str], expected: str | None
) -> None:
    for folder in folders:
        (tmp_path / folder).mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path)])
    assert dist_version("tiny-dist") == expected
