"""The process runner and its fake."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from dockyard.adapters.runner import SubprocessRunner, tail
from dockyard.errors import CommandError, CommandNotFoundError, CommandTimeoutError
from dockyard.testing import FakeRunner

ENV = {"PATH": os.environ["PATH"]}


def test_runs_argv_with_explicit_env_and_cwd(tmp_path: Path) -> None:
    done = SubprocessRunner().run(
        [sys.executable, "-c", "import os; print(os.getcwd()); print(os.environ['ONLY'])"],
        env={**ENV, "ONLY": "this"},
        cwd=tmp_path,
    )
    assert done.stdout.splitlines() == [str(tmp_path), "this"]
    assert done.ok


def test_environment_is_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAK", "1")
    done = SubprocessRunner().run(
        [sys.executable, "-c", "import os; print('LEAK' in os.environ)"], env=ENV
    )
    assert done.stdout.strip() == "False"


def test_failure_carries_argv_code_and_stderr_tail() -> None:
    script = "import sys; [print(f'line {i}', file=sys.stderr) for i in range(50)]; sys.exit(3)"
    with pytest.raises(CommandError) as info:
        SubprocessRunner().run([sys.executable, "-c", script], env=ENV)
    err = info.value
    assert err.returncode == 3
    assert err.argv[1:] == ("-c", script)
    assert err.stderr_tail.splitlines()[-1] == "line 49"
    assert len(err.stderr_tail.splitlines()) == 20
    assert "exited with status 3: line 49" in str(err)
    assert err.exit_code == 1


def test_check_false_returns_the_failure() -> None:
    done = SubprocessRunner().run(
        [sys.executable, "-c", "raise SystemExit(4)"], env=ENV, check=False
    )
    assert done.returncode == 4


def test_missing_program_and_timeout() -> None:
    with pytest.raises(CommandNotFoundError, match="not found on PATH") as info:
        SubprocessRunner().run(["no-such-program-xyz"], env=ENV)
    assert info.value.exit_code == 2
    with pytest.raises(CommandTimeoutError, match=r"did not finish within 0\.2 s"):
        SubprocessRunner().run(
            [sys.executable, "-c", "import time; time.sleep(5)"], env=ENV, timeout=0.2
        )


def test_string_commands_are_refused() -> None:
    with pytest.raises(TypeError):
        SubprocessRunner().run("echo hi", env=ENV)


def test_tail() -> None:
    assert tail("a\nb\nc", 2) == "b\nc"


def test_fake_runner_scripts_and_records() -> None:
    fake = FakeRunner(missing={"poetry"})
    fake.respond(["docker", "compose"], stdout="v2")
    fake.respond(["docker", "compose", "up"], returncode=1, stderr="boom")
    assert fake.run(["docker", "compose", "version"], env={}).stdout == "v2"
    with pytest.raises(CommandError, match="boom"):
        fake.run(["docker", "compose", "up", "-d"], env={})
    with pytest.raises(CommandNotFoundError):
        fake.run(["poetry", "--version"], env={})
    assert fake.argvs[0] == ("docker", "compose", "version")
    strict = FakeRunner(strict=True)
    with pytest.raises(AssertionError, match="unexpected command"):
        strict.run(["git"], env={})


def test_streaming_output_is_handed_over_and_kept_for_errors() -> None:
    seen: list[str] = []
    script = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(2)"
    with pytest.raises(CommandError) as info:
        SubprocessRunner().run([sys.executable, "-c", script], env=ENV, on_output=seen.append)
    assert sorted(seen) == ["err", "out"]
    assert "err" in info.value.stderr_tail
