"""CO001-CO002: secrets through env files; host ids under names compose sees."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.checks import Status
from tests.checks_support import CANARY, COMPOSE, context, make_project, run_one, write_files


def test_pass_on_good_project(tmp_path: Path) -> None:
    ctx = context(make_project(tmp_path))
    assert run_one("CO001", ctx).status is Status.PASS
    assert run_one("CO002", ctx).status is Status.PASS


def test_co001_literal_secret_in_mapping_and_list(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = COMPOSE.replace(
        "      LOG_LEVEL: debug\n", f"      LOG_LEVEL: debug\n      DB_PASSWORD: {CANARY}\n"
    )
    compose += (
        "  db:\n    image: postgres\n    environment:\n"
        "      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=hunter2hunter2\n"
        "      - API_TOKEN=${API_TOKEN}\n      - SECRET_KEY=changeme\n"
    )
    write_files(root, {"compose/docker-compose.dev.yml": compose})
    result = run_one("CO001", context(root))
    assert result.status is Status.FAIL
    got = sorted((f.line, f.message) for f in result.findings)
    lines = compose.splitlines()
    assert got == [
        (
            lines.index(f"      DB_PASSWORD: {CANARY}") + 1,
            "service 'app' sets DB_PASSWORD to a literal value in `environment:`",
        ),
        (
            lines.index("      - POSTGRES_PASSWORD=hunter2hunter2") + 1,
            "service 'db' sets POSTGRES_PASSWORD to a literal value in `environment:`",
        ),
    ]
    assert all(CANARY not in f.message for f in result.findings)


def test_co002_uid_variables(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = COMPOSE.replace('user: "${HOST_UID}:${HOST_GID}"', 'user: "${UID}:$GID"')
    write_files(root, {"compose/docker-compose.dev.yml": compose})
    result = run_one("CO002", context(root))
    assert result.status is Status.FAIL
    line = compose.splitlines().index('    user: "${UID}:$GID"') + 1
    assert [f.line for f in result.findings] == [line, line]


def test_co002_build_args_must_pass_host_ids(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = COMPOSE.replace("        HOST_GID: ${HOST_GID}\n", "")
    write_files(root, {"compose/docker-compose.dev.yml": compose})
    # no bind mount: the image's uid never writes a host file, the default is fine
    assert run_one("CO002", context(root)).status is Status.PASS
    mounted = compose + "    volumes:\n      - ..:/app\n"
    write_files(root, {"compose/docker-compose.dev.yml": mounted})
    result = run_one("CO002", context(root))
    assert result.status is Status.FAIL
    assert "do not pass HOST_GID" in result.findings[0].message


def test_skip_without_compose_file_and_error_on_bad_yaml(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_files(root, {"compose/docker-compose.dev.yml": None})
    assert run_one("CO001", context(root)).status is Status.SKIP
    write_files(root, {"compose/docker-compose.dev.yml": "services:\n  app: [\n"})
    result = run_one("CO001", context(root))
    assert result.status is Status.ERROR
    assert "compose/docker-compose.dev.yml" in result.reason


def test_co003_names_every_service_loading_a_missing_env_file(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    compose = (
        "services:\n  api:\n    image: a\n    env_file: ../env/shared.env\n"
        "  worker:\n    image: w\n    env_file:\n      - ../env/shared.env\n"
    )
    write_files(root, {"compose/docker-compose.dev.yml": compose})
    result = run_one("CO003", context(root))
    assert result.status is Status.FAIL
    assert [f.message for f in result.findings] == [
        "env/shared.env (env_file of api, worker) does not exist: compose will not start the stack"
    ]
