"""The process-wide promises: exit codes, masked output and logs, signal handlers."""

from __future__ import annotations

import io
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from dockyard.domain import secrets
from dockyard.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    CommandError,
    CommandNotFoundError,
    ConfigError,
    EnvFileError,
    UsageError,
)
from dockyard.surfaces import runtime
from dockyard.surfaces.runtime import MaskedStream, exit_code_for
from dockyard.testing import FakeRunner


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (KeyboardInterrupt(), EXIT_INTERRUPTED),
        (UsageError("x", argument="--env"), EXIT_BAD_INPUT),
        (ConfigError("x", source="pyproject.toml"), EXIT_BAD_INPUT),
        (CommandError(["pytest"], 3), EXIT_FAILED),
        (CommandNotFoundError("docker"), EXIT_BAD_INPUT),
        (SystemExit(1), 1),
        (ValueError("a bug"), EXIT_BAD_INPUT),
    ],
)
def test_exit_code_contract(exc: BaseException, code: int) -> None:
    assert exit_code_for(exc) == code


def test_env_file_errors_are_config_errors_that_name_file_and_line() -> None:
    err = EnvFileError("not valid UTF-8 text", path=Path("env/.env.dev"), line=3)
    assert isinstance(err, ConfigError)
    assert str(err) == "env/.env.dev:3: not valid UTF-8 text"


def test_usage_errors_name_their_argument_once() -> None:
    assert str(UsageError("unknown environment 'x'", argument="--env")).startswith("--env: ")
    assert (
        str(UsageError("--format must be one of a, b", argument="--format")).count("--format") == 1
    )


def test_masked_stream_masks_what_is_written_and_keeps_the_rest() -> None:
    buffer = io.StringIO()
    stream = MaskedStream(buffer)
    stream.write("DATABASE_URL=postgres://u:hunter2x@db/app\n")
    stream.writelines(["Authorization: Bearer abcdef123456\n"])
    assert buffer.getvalue() == (
        "DATABASE_URL=postgres://u:********@db/app\nAuthorization: Bearer ********\n"
    )
    assert stream.isatty() is False
    assert stream.wrapped is buffer


def test_guard_output_masks_remembered_values_and_log_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    factory = logging.getLogRecordFactory()
    try:
        secrets.remember("plain-but-remembered-9")
        runtime.guard_output()
        runtime.guard_output()  # idempotent
        assert isinstance(sys.stdout, MaskedStream)
        assert not isinstance(sys.stdout.wrapped, MaskedStream)
        print("compose said: plain-but-remembered-9")
        record = logging.getLogger("dockyard.test").makeRecord(
            "dockyard.test", logging.INFO, __file__, 1, "token=%s", ("Zz9-log-secret",), None
        )
        assert record.getMessage() == "token=********"
    finally:
        logging.setLogRecordFactory(factory)
        secrets.forget_all()
    assert out.getvalue() == "compose said: ********\n"


def test_signals_become_keyboard_interrupts() -> None:
    from dockyard.adapters import runner

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stdout, stderr = sys.stdout, sys.stderr
    factory = logging.getLogRecordFactory()
    try:
        runtime.install_process_guards()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with pytest.raises(KeyboardInterrupt):
                signal.raise_signal(sig)
        assert runner.last_signal[0] == signal.SIGTERM
    finally:
        runner.last_signal[0] = signal.SIGINT
        logging.setLogRecordFactory(factory)
        for sig, handler in before.items():
            signal.signal(sig, handler)
        sys.stdout, sys.stderr = stdout, stderr


def _build_exit(root: Path, runner: FakeRunner) -> tuple[int, str]:
    """Run ``dev.build`` in-process with ``runner``; its exit code and message."""
    from invoke.config import Config
    from invoke.context import Context
    from invoke.exceptions import Exit

    from dockyard.surfaces.runtime import Runtime
    from dockyard.surfaces.tasks.stack import collection_for

    environ = {"PATH": "/usr/bin:/bin", "DOCKYARD_ROOT": str(root), "HOME": str(root)}
    runtime = Runtime(runner=runner, environ=environ, cwd=root)
    ctx = Context(config=Config(overrides={"dockyard_runtime": runtime, "dockyard_env": "dev"}))
    try:
        collection_for("dev").tasks["build"](ctx)
    except Exit as exc:
        return exc.code, str(exc.message)
    return 0, ""


def _answer_config(runner: FakeRunner, root: Path) -> None:
    """compose's ``config`` of the project answers (only the build is scripted to fail)."""
    import json

    from dockyard.domain.config import load_settings

    env = load_settings(root, environ={}).environment("dev")
    prefix = ["docker", "compose", "-p", env.project_name, "-f", str(env.compose_files[0])]
    prefix += ["--env-file", str(env.env_file), "config"]
    build = {"context": str(root), "dockerfile": "docker/Dockerfile", "target": "development"}
    runner.respond(prefix, stdout=json.dumps({"services": {"app": {"build": build}}}))


def _compose(**project_response: Any) -> FakeRunner:
    runner = FakeRunner()
    runner.respond(["docker", "compose", "version"], stdout="Docker Compose version v2.40.3")
    runner.respond(["docker", "compose", "-p"], **project_response)  # the build itself
    return runner


def test_an_interrupted_build_exits_130_not_as_a_failed_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.checks_support import make_project

    root = make_project(tmp_path / "repo", git=False)
    interrupted = _compose(stdout="#5 [development 2/2] RUN sleep 90", raises=KeyboardInterrupt())
    _answer_config(interrupted, root)
    assert _build_exit(root, interrupted) == (130, "dockyard: interrupted")
    assert "build" in interrupted.calls[-1].argv  # the interrupt came during the build
    failed = _compose(returncode=1, stderr="#5 [development 2/2] RUN false\n#5 ERROR: exit code: 1")
    _answer_config(failed, root)
    code, message = _build_exit(root, failed)
    assert code == 1 and "build" in message  # a command that ran and failed
    capsys.readouterr()
