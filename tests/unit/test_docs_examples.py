"""The Python examples of docs/testing.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import write

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _blocks(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)


def test_fake_runner_example_runs() -> None:
    exec(_blocks("testing.md")[0], {})  # noqa: S102 - running our own documentation


def test_runtime_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "my-project/env/.env.dev", "APP_PORT=8000\n")
    write(tmp_path / "my-project/pyproject.toml", "")
    monkeypatch.chdir(tmp_path)
    exec(_blocks("testing.md")[1], {})  # noqa: S102 - running our own documentation
    out = capsys.readouterr().out
    assert any(
        line.split() == ["APP_PORT", "8000", "[env/.env.dev:1]"] for line in out.splitlines()
    )
