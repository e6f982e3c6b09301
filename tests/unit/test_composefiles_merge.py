"""Without compose, the files are merged as compose merges them: nested mappings all
the way down (an override's build args add to the base file's)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dockyard.domain.composefiles import merge_files
from dockyard.domain.services import Service

BASE: dict[str, Any] = {
    "services": {
        "web": {
            "build": {"context": ".", "args": {"HOST_UID": "1000", "HOST_GID": "1000"}},
            "environment": ["A=1", "B=2"],
        },
        "worker": {"build": ".", "labels": {"team": "core"}},
    }
}
OVERRIDE: dict[str, Any] = {
    "services": {
        "web": {
            "build": {"target": "development", "args": ["REQUIREMENTS=dev.txt"]},
            "environment": {"B": "3"},
        },
        "worker": {"build": {"target": "worker"}, "labels": ["tier=batch"]},
    }
}


def _merged(tmp_path: Path) -> dict[str, Service]:
    services, _, _ = merge_files(
        [(tmp_path / "compose.yaml", BASE), (tmp_path / "compose.override.yaml", OVERRIDE)],
        {},
        (),
    )
    return services


def test_build_args_environment_and_labels_merge_by_name(tmp_path: Path) -> None:
    services = _merged(tmp_path)
    web, worker = services["web"], services["worker"]
    assert web.build is not None and worker.build is not None
    assert dict(web.build.args) == {
        "HOST_UID": "1000",
        "HOST_GID": "1000",
        "REQUIREMENTS": "dev.txt",
    }
    assert web.build.target == "development"
    assert dict(web.environment) == {"A": "1", "B": "3"}
    assert worker.build.target == "worker" and worker.build.context == tmp_path


@pytest.mark.engine  # compose itself is the oracle: where it is missing, this fails
def test_the_merge_agrees_with_compose_config(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(json.dumps(BASE))
    (tmp_path / "compose.override.yaml").write_text(json.dumps(OVERRIDE))
    done = subprocess.run(
        ["docker", "compose", "config", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)["services"]["web"]["build"]
    web = _merged(tmp_path)["web"].build
    assert web is not None
    assert dict(web.args) == config["args"]
    assert web.target == config["target"]
