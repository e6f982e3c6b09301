"""P4: `dev.up` on an environment already running vs `docker compose -f ... up -d`.

Two subjects against the same baseline, interleaved: the `dockyard dev.up` command (a
new Python process each time; target <= 2.0, Python and Invoke alone take most of the
baseline's time) and the `dev.up` workflow called in a warm process (as from a nox
session or a tasks.py of a long-lived invoke run; target <= 1.2). On a stack nothing
changed in, both find it up to date and run no compose; every run checks that they did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.engine.stackutil import make_project

from bench.harness import Result, interleaved, ratio_result

BASE = os.environ.get("DOCKYARD_TEST_BASE_IMAGE", "local/python-base:bookworm")


def run(repeat: int) -> list[Result]:
    from dockyard.adapters.runner import SubprocessRunner
    from dockyard.domain.config import load_settings
    from dockyard.workflows.stack import open_stack

    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKYARD_")}
    with tempfile.TemporaryDirectory() as tmp:
        root = make_project(Path(tmp) / "p4", base_image=BASE)
        cli = [sys.executable, "-m", "dockyard", "dev.up"]
        subprocess.run(cli, cwd=root, env=environ, check=True, capture_output=True)
        settings = load_settings(root)
        env = settings.environment("dev")
        baseline_argv = [
            "docker",
            "compose",
            "-p",
            env.project_name,
            "-f",
            str(env.compose_files[0]),
            "--env-file",
            str(env.env_file),
            "up",
            "-d",
        ]

        def baseline() -> None:
            subprocess.run(baseline_argv, cwd=root, env=environ, check=True, capture_output=True)

        def command() -> None:
            done = subprocess.run(cli, cwd=root, env=environ, check=True, capture_output=True)
            assert b"is up to date" in done.stdout, done.stdout

        def warm() -> None:  # as the task: told before any plan, else by the plan
            stack = open_stack(settings, "dev", SubprocessRunner(), environ)
            if stack.known_up_to_date() is None and stack.up_to_date(stack.up_plan()) is None:
                raise AssertionError("the running stack was not found up to date")

        try:
            cmd_t, base_t = interleaved(command, baseline, repeat)
            warm_t, base2_t = interleaved(warm, baseline, repeat)
        finally:
            subprocess.run(
                [*baseline_argv[:-2], "down", "--volumes", "--rmi", "local"],
                cwd=root,
                env=environ,
                check=False,
                capture_output=True,
            )
    return [
        ratio_result(
            "P4", "dev.up (running env), `dockyard` command vs compose up -d", cmd_t, base_t, 2.0
        ),
        ratio_result(
            "P4", "dev.up (running env), workflow in a warm process vs up -d", warm_t, base2_t, 1.2
        ),
    ]
