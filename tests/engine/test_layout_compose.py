"""After layout.migrate, compose itself accepts every environment's files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docker
import pytest

from tests.engine.stackutil import dockyard
from tests.layout_support import write_flat_repo

pytestmark = pytest.mark.engine


def test_migrated_compose_files_pass_docker_compose_config(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "dashtam")
    done = dockyard(root, "layout.migrate", "--dockerfile")
    assert done.returncode == 0, done.stderr
    (root / "env/.env.ci").write_text("NAME=ci\n")
    for env in ("dev", "test", "ci"):
        config = subprocess.run(
            [
                "docker",
                "compose",
                "-p",
                f"layout-{env}",
                "-f",
                f"compose/docker-compose.{env}.yml",
                "--env-file",
                f"env/.env.{env}",
                "config",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert config.returncode == 0, (env, config.stderr)
        # paths resolve to the repository, not to compose/
        assert f"context: {root}" in config.stdout, config.stdout
    assert (
        "source: " + str(root / "src")
        in subprocess.run(
            [
                "docker",
                "compose",
                "-f",
                "compose/docker-compose.dev.yml",
                "--env-file",
                "env/.env.dev",
                "config",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    # dockyard's static checks: what is left is what the migration left to the user
    check = dockyard(root, "check", "--env", "dev", "--format", "json")
    import json

    report = json.loads(check.stdout)
    failing = {c["id"] for c in report["checks"] if c["status"] in ("fail", "error")}
    # exactly what the migration reports as left to the user: no lock file, no
    # pre-commit configuration, services without a healthcheck
    assert failing == {"LK001", "PC001", "DF003"}, failing
    assert "no lock file" in done.stdout and "no .pre-commit-config.yaml" in done.stdout
    assert "no healthcheck" in done.stdout
