"""LV001-LV007 on probe answers (the real probe runs in tests/engine/test_live_checks.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from dockyard.domain.checks import Status
from dockyard.domain.checks.live import env_hash, inside
from dockyard.errors import EngineError
from tests.checks_support import context, make_project, run_one

SALT = "salt"
GOOD: dict[str, Any] = {
    "uid": 4242,
    "gid": 4242,
    "user": "app",
    "workdir": {"path": "/app", "uid": 4242, "gid": 4242},
    "venv": "/opt/venv",
    "packages": {"redis": "5.0.1", "only-in-container": "1.0"},
    "env": {"APP_NAME": env_hash(SALT, "demo"), "DB_PASSWORD": env_hash(SALT, "pw")},
    "probe": {"created": True, "error": None},
    "mounts": [{"source": "/src", "destination": "/app", "rw": True}],
    "host": {
        "uid": 4242,
        "gid": 4242,
        "probe_uid": 4242,
        "probe_gid": 4242,
        "ownership_applies": True,
        "ownership_note": "",
        "venv": "/src/.venv",
        "packages": {"redis": "5.0.1", "pytest": "8.0"},
        "expected_env": {
            "APP_NAME": [env_hash(SALT, "demo")],
            "DB_PASSWORD": [env_hash(SALT, "pw")],
        },
    },
}
LIVE = [f"LV00{i}" for i in range(1, 8)]


def _run(tmp_path: Path, check_id: str, data: dict[str, Any]) -> Any:
    return run_one(check_id, context(make_project(tmp_path, git=False), live=True, live_data=data))


@pytest.mark.parametrize("check_id", LIVE)
def test_pass_on_good_container(tmp_path: Path, check_id: str) -> None:
    assert _run(tmp_path, check_id, GOOD).status is Status.PASS


def _broken(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return data


BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "LV001": (_broken(uid=0, gid=0, user="root"), "runs as root"),
    "LV002": (_broken(uid=1000, gid=1000), "container runs as 1000:1000"),
    "LV003": (_broken(host__probe_uid=0, host__probe_gid=0), "owned by 0:0 on the host"),
    "LV004": (_broken(workdir={"path": "/app", "uid": 0, "gid": 0}), "/app is owned by 0:0"),
    "LV005": (_broken(venv="/app/.venv"), "inside the bind mount of /app"),
    "LV006": (_broken(packages={"redis": "5.0.3"}), "redis: host 5.0.1, container 5.0.3"),
    "LV007": (_broken(env={"APP_NAME": env_hash(SALT, "other"), "DB_PASSWORD": None}), ""),
}


@pytest.mark.parametrize("check_id", sorted(BROKEN))
def test_fail_on_broken_container(tmp_path: Path, check_id: str) -> None:
    data, text = BROKEN[check_id]
    result = _run(tmp_path, check_id, data)
    assert result.status is Status.FAIL
    assert text in result.findings[0].message


def test_lv007_reports_missing_and_different_without_values(tmp_path: Path) -> None:
    data, _ = BROKEN["LV007"]
    result = _run(tmp_path, "LV007", data)
    messages = sorted(f.message for f in result.findings)
    assert messages == [
        "APP_NAME differs from the env file (compared by hash, values not shown)",
        "DB_PASSWORD is not set in the container",
    ]


def test_lv003_cannot_create_file(tmp_path: Path) -> None:
    data = _broken(probe={"created": False, "error": "Permission denied"})
    result = _run(tmp_path, "LV003", data)
    assert result.status is Status.FAIL and "Permission denied" in result.findings[0].message


def test_ownership_checks_skip_on_remapping_engines(tmp_path: Path) -> None:
    data = _broken(host__ownership_applies=False, host__ownership_note="rootless engine: ...")
    for check_id in ("LV002", "LV003"):
        result = _run(tmp_path, check_id, data)
        assert result.status is Status.SKIP and "rootless" in result.reason


def test_lv005_no_venv_is_warning_and_other_path_is_note(tmp_path: Path) -> None:
    assert _run(tmp_path, "LV005", _broken(venv=None)).findings[0].level.value == "warning"
    note = _run(tmp_path, "LV005", _broken(venv="/srv/venv"))
    assert note.status is Status.FAIL and note.findings[0].level.value == "note"


def test_lv006_skips_without_host_venv(tmp_path: Path) -> None:
    assert _run(tmp_path, "LV006", _broken(host__packages=None)).status is Status.SKIP


def test_without_live_flag_all_skip(tmp_path: Path) -> None:
    ctx = context(make_project(tmp_path, git=False), live=False, live_data=GOOD)
    for check_id in LIVE:
        result = run_one(check_id, ctx)
        assert result.status is Status.SKIP and "--live" in result.reason


def test_probe_failure_is_error_for_every_live_check_and_runs_once(tmp_path: Path) -> None:
    calls: list[int] = []

    def source(_ctx: object) -> dict[str, Any]:
        calls.append(1)
        raise EngineError("service 'app' of compose project 'p' is not running")

    ctx = context(make_project(tmp_path, git=False), live=True)
    ctx.live_source = source
    for check_id in LIVE:
        result = run_one(check_id, ctx)
        assert result.status is Status.ERROR and "not running" in result.reason
    assert calls == [1]


def test_inside() -> None:
    assert inside("/app/.venv", "/app") and inside("/app", "/app")
    assert not inside("/application", "/app") and not inside("/opt/venv", "/app")
