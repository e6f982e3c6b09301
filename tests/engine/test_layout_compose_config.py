"""After layout.migrate, compose accepts every environment's migrated files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.engine.stackutil import dockyard
from tests.flat_repo import manifest, write_flat_repo

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine


def _compose_config(root: Path, env: str) -> subprocess.CompletedProcess[str]:
    docker_bin = shutil.which("docker")
    assert docker_bin is not None
    return subprocess.run(
        [
            docker_bin,
            "compose",
            "-f",
            f"compose/docker-compose.{env}.yml",
            "--env-file",
            f"env/.env.{env}",
            "config",
            "--format",
            "json",
        ],
        cwd=root,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrated_flat_repo_passes_compose_config_and_rolls_back(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "shop")
    original = manifest(root)
    done = dockyard(root, "layout.migrate")
    assert done.returncode == 0, done.stderr
    for env in ("dev", "test", "ci"):
        config = _compose_config(root, env)
        assert config.returncode == 0, (env, config.stderr)
        model = json.loads(config.stdout)
        app = model["services"]["app"]
        # paths resolve to the same places as before the move
        assert Path(app["build"]["context"]) == root
        assert app["build"]["dockerfile"] == "docker/Dockerfile"
        binds = {v["source"] for v in app.get("volumes", []) if v["type"] == "bind"}
        assert all(Path(source).is_relative_to(root) for source in binds)
        assert "APP_ENV" not in app.get("environment", {})  # no key it did not have
    dev_app = _model(root, "dev")["services"]["app"]
    assert dev_app["environment"]["DEBUG"] == "true"  # from env/.env.dev now
    assert "TESTING" not in dev_app["environment"]
    assert _model(root, "test")["services"]["app"]["environment"]["TESTING"] == "true"
    assert str(root / "src") in {v["source"] for v in dev_app["volumes"]}
    # the project's own command interpolated the dev stack from .env.dev, as now
    assert _model(root, "dev")["services"]["postgres"]["ports"][0]["published"] == "5433"
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stderr
    assert manifest(root) == original


def test_static_checks_after_migrate_report_only_what_was_left(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "shop")
    done = dockyard(root, "layout.migrate", "--dockerfile")
    assert done.returncode == 0, done.stderr
    left = done.stdout.split("left to you", 1)[1]
    check = dockyard(root, "check", "--env", "dev", "--format", "json")
    report = json.loads(check.stdout)
    failing = {c["id"] for c in report["checks"] if c["status"] in ("fail", "error")}
    # each failing check is one the migration said it left to the user
    said = {
        "DF003": "no healthcheck",
        "LK001": "no lock file",
        "PC001": "no .pre-commit-config.yaml",
        "ENV006": "chmod 600",
        "DF001": "which it does not have",
        "DF004": "which it does not have",  # the build target the Dockerfile lacks
        "ENV002": "not in env/.env.example",
    }
    assert failing <= set(said), failing
    for check_id in failing:
        assert said[check_id] in left, check_id


def _model(root: Path, env: str) -> Any:
    config = _compose_config(root, env)
    assert config.returncode == 0, config.stderr
    data: dict[str, object] = json.loads(config.stdout)
    return data


def test_init_scaffold_passes_compose_config(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    done = dockyard(root, "layout.init")
    assert done.returncode == 0, done.stderr
    for env in ("dev", "test", "ci"):
        model = _model(root, env)
        assert model["name"] == f"fresh-{env}"
        assert Path(model["services"]["app"]["build"]["context"]) == root
