"""DF001-DF003 on fixture projects: each passes on the good project and fails when broken."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.checks import Status
from tests.checks_support import DOCKERFILE, context, make_project, run_one, write_files


def test_all_pass_on_good_project(tmp_path: Path) -> None:
    ctx = context(make_project(tmp_path))
    for check_id in ("DF001", "DF002", "DF003"):
        assert run_one(check_id, ctx).status is Status.PASS, check_id


def test_df001_fails_when_target_runs_as_root(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile": DOCKERFILE + "USER root\n"})
    result = run_one("DF001", context(root))
    assert result.status is Status.FAIL
    (finding,) = result.findings
    assert finding.path == Path("docker/Dockerfile")
    assert finding.line == DOCKERFILE.count("\n") + 1
    assert "root" in finding.message


def test_df001_fails_without_any_user(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile": "FROM python:3.13 AS base\nFROM base AS development\n"})
    result = run_one("DF001", context(root))
    assert result.status is Status.FAIL
    assert result.findings[0].line == 2


def test_df001_follows_compose_target(tmp_path: Path) -> None:
    # the last stage is root, but compose builds `development`, which is not
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile": DOCKERFILE + "FROM python AS tools\nUSER root\n"})
    assert run_one("DF001", context(root)).status is Status.PASS


def test_df001_aliases() -> None:
    from dockyard.domain.checks import default_registry

    registry = default_registry()
    for alias in ("hadolint:DL3002", "trivy:DS-0002", "trivy:AVD-DS-0002", "dockle:CIS-DI-0001"):
        assert registry.get(alias).id == "DF001"


def test_df001_skips_without_dockerfile(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"docker/Dockerfile": None})
    result = run_one("DF001", context(root))
    assert result.status is Status.SKIP and "no Dockerfile" in result.reason


def test_df002_fails_on_fixed_uid(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(
        root,
        {
            "docker/Dockerfile": "FROM python AS base\nRUN useradd -u 1000 app\nUSER app\n"
            "FROM base AS development\n"
        },
    )
    result = run_one("DF002", context(root))
    assert result.status is Status.FAIL
    messages = [f.message for f in result.findings]
    assert any("HOST_UID / HOST_GID" in m for m in messages)
    fixed = next(f for f in result.findings if "fixed uid 1000" in f.message)
    assert fixed.line == 2


def test_df003_fails_without_healthcheck(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = (root / "compose/docker-compose.dev.yml").read_text()
    compose = compose.split("    healthcheck:")[0] + "  db:\n    image: postgres:17\n"
    dockerfile = DOCKERFILE.replace('HEALTHCHECK CMD python3 -c "print(1)"\n', "")
    write_files(root, {"compose/docker-compose.dev.yml": compose, "docker/Dockerfile": dockerfile})
    result = run_one("DF003", context(root))
    assert result.status is Status.FAIL
    assert sorted(f.message for f in result.findings) == [
        "service 'app' defines no healthcheck",
        "service 'db' defines no healthcheck",
    ]
    db = next(f for f in result.findings if "'db'" in f.message)
    assert db.line == compose.splitlines().index("  db:") + 1


def test_df003_dockerfile_healthcheck_counts_for_built_service(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = (root / "compose/docker-compose.dev.yml").read_text().split("    healthcheck:")[0]
    write_files(root, {"compose/docker-compose.dev.yml": compose})
    assert run_one("DF003", context(root)).status is Status.PASS


def test_df003_override_file_without_healthcheck_keeps_the_base_one(tmp_path: Path) -> None:
    from dockyard.domain.config import load_settings

    root = make_project(tmp_path)
    write_files(
        root,
        {
            "compose/override.yml": "services:\n  app:\n    environment:\n      X: '1'\n",
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n\n'
            "[tool.dockyard.environments.dev]\n"
            'compose_files = ["compose/docker-compose.dev.yml", "compose/override.yml"]\n',
        },
    )
    ctx = context(root)
    assert len(load_settings(root, environ={}).environment("dev").compose_files) == 2
    assert run_one("DF003", ctx).status is Status.PASS
