"""Live checks follow the engine's strategy: rootless root, remote and mapped ownership."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from dockyard.domain.checks import Status
from tests.checks_support import context, make_project, run_one
from tests.unit.test_checks_live import GOOD


def _run(tmp_path: Path, check_id: str, data: dict[str, Any]) -> Any:
    return run_one(check_id, context(make_project(tmp_path, git=False), live=True, live_data=data))


def test_lv001_says_container_root_is_the_host_user_on_a_rootless_engine(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["uid"], data["gid"] = 0, 0
    assert _run(tmp_path, "LV001", data).status is Status.FAIL  # rootful: root is root
    data["host"]["container_root_is_host_user"] = True
    result = _run(tmp_path, "LV001", data)
    assert result.status is Status.SKIP
    assert "unprivileged host user" in result.reason and "must not ship" in result.reason


def test_ownership_checks_skip_with_the_strategys_reason(tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["host"]["ownership_applies"] = False
    data["host"]["ownership_note"] = "remote engine (tcp://10.0.0.5:2376): it does not see this"
    for check_id in ("LV002", "LV003"):
        result = _run(tmp_path, check_id, data)
        assert result.status is Status.SKIP
        assert result.reason.startswith("remote engine (tcp://10.0.0.5:2376)")
