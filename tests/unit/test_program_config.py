"""The ``dockyard`` program reads the repository's invoke.yaml like a tasks.py would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import write


def test_invoke_yaml_dockyard_section_is_honoured(tmp_path: Path) -> None:
    write(tmp_path / "compose/docker-compose.dev.yml", "services:\n  web:\n    image: x\n")
    config = "dockyard:\n  environments:\n    dev:\n      env_file: env/mine.env\n"
    write(tmp_path / "invoke.yaml", config)
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()  # the root, wherever dockyard is run from
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "env.show", "--env", "dev"],
        cwd=tmp_path / "sub",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("dockyard: error: env/mine.env:")
    write(tmp_path / "env/mine.env", "GREETING=hello\n")
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "env.show", "--env", "dev"],
        cwd=tmp_path / "sub",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "env/mine.env" in done.stdout and "GREETING" in done.stdout


def test_list_options_repeat(tmp_path: Path) -> None:
    """`--skip A --skip B` (as the pre-commit hook and the action pass them) and commas."""
    import json

    write(tmp_path / "docker-compose.yml", "services:\n  web:\n    image: x\n")
    (tmp_path / ".git").mkdir()
    args = ["check", "--format", "json", "--skip", "DF001", "--skip", "DF002,DF003"]
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    ids = {c["id"] for c in json.loads(done.stdout)["checks"]}
    assert done.returncode in (0, 1), done.stderr
    assert not ids & {"DF001", "DF002", "DF003"} and "DF004" in ids
