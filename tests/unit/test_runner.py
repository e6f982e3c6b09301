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


# --- deadlines, process groups and interrupts -------------------------------------

_GRANDCHILD = """
import os, signal, subprocess, sys, time
folder = sys.argv[1]
grandchild = subprocess.Popen(["sleep", "60"])
with open(os.path.join(folder, "grandchild"), "w") as f:
    f.write(str(grandchild.pid))
def on_int(signum, frame):
    with open(os.path.join(folder, "child-got"), "w") as f:
        f.write(str(signum))
    sys.exit(130)
signal.signal(signal.SIGINT, on_int)
with open(os.path.join(folder, "ready"), "w") as f:
    f.write("1")
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for a parent that may never reap it
    counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _gone(pid: int, within: float = 5.0) -> bool:
    import time

    end = time.monotonic() + within
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("streaming", [False, True], ids=["captured", "streaming"])
def test_silent_child_times_out_and_its_group_is_killed(tmp_path: Path, streaming: bool) -> None:
    import time

    seen: list[str] = []
    start = time.monotonic()
    with pytest.raises(CommandTimeoutError):
        SubprocessRunner().run(
            [sys.executable, "-c", _GRANDCHILD, str(tmp_path)],
            env=ENV,
            timeout=1.5,
            on_output=seen.append if streaming else None,
        )
    assert time.monotonic() - start < 8
    grandchild = int((tmp_path / "grandchild").read_text())
    assert _gone(grandchild), "the child's process group outlived the timeout"
    assert seen == []


_DRIVER = """
import os, signal, sys, threading, time
from dockyard.adapters.runner import SubprocessRunner
from dockyard.surfaces.runtime import exit_code_for, install_process_guards
install_process_guards()
folder, child, sig = sys.argv[1], sys.argv[2], int(sys.argv[3])
interactive = len(sys.argv) > 4
def fire():
    while not os.path.exists(os.path.join(folder, "ready")):
        time.sleep(0.05)
    os.kill(os.getpid(), sig)
threading.Thread(target=fire, daemon=True).start()
try:
    SubprocessRunner().run([sys.executable, "-c", child, folder],
                           env={"PATH": os.environ["PATH"]}, timeout=60,
                           on_output=None if interactive else print, capture=not interactive)
except KeyboardInterrupt as exc:
    sys.exit(exit_code_for(exc))
sys.exit(0)
"""


@pytest.mark.parametrize(
    ("sig", "ignored_at_start"),
    [(2, False), (15, False), (2, True)],
    ids=["SIGINT", "SIGTERM", "SIGINT-ignored-by-the-shell"],
)
def test_interrupt_reaches_the_childs_group_and_exits_130(
    tmp_path: Path, sig: int, ignored_at_start: bool
) -> None:
    import signal
    import subprocess

    def ignore_sigint() -> None:  # what a shell does for a background job
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(tmp_path), _GRANDCHILD, str(sig)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=ignore_sigint if ignored_at_start else None,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "child-got").read_text() == str(int(signal.SIGINT))
    assert _gone(int((tmp_path / "grandchild").read_text()))


def test_fake_runner_can_raise_an_interrupt() -> None:
    fake = FakeRunner()
    fake.respond(["docker", "compose", "build"], stdout="#1 building", raises=KeyboardInterrupt())
    seen: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        fake.run(["docker", "compose", "build"], env={}, on_output=seen.append)
    assert seen == ["#1 building"]


@pytest.mark.parametrize("streaming", [False, True], ids=["captured", "streaming"])
def test_a_grandchild_holding_the_pipe_does_not_hold_the_runner(streaming: bool) -> None:
    import time

    seen: list[str] = []
    start = time.monotonic()
    done = SubprocessRunner().run(
        ["sh", "-c", "echo hi; sleep 30 & echo bye"],
        env=ENV,
        timeout=60,
        on_output=seen.append if streaming else None,
    )
    assert time.monotonic() - start < 10
    assert done.stdout == "hi\nbye\n"
    assert seen == (["hi", "bye"] if streaming else [])


def test_large_stdin_and_output_do_not_deadlock() -> None:
    data = "x" * 3_000_000
    done = SubprocessRunner().run(["cat"], env=ENV, stdin=data, timeout=30)
    assert done.stdout == data


def test_streamed_output_keeps_its_tail_only() -> None:
    script = "for i in range(5000): print(f'line {i}')"
    seen: list[str] = []
    done = SubprocessRunner().run(
        [sys.executable, "-c", script], env=ENV, on_output=seen.append, timeout=30
    )
    assert len(seen) == 5000
    assert done.stdout.splitlines()[-1] == "line 4999"
    assert len(done.stdout.splitlines()) == 200


@pytest.mark.parametrize("sig", [2, 15], ids=["SIGINT", "SIGTERM"])
def test_interrupt_without_a_terminal_reaches_an_interactive_child(
    tmp_path: Path, sig: int
) -> None:
    """No terminal sent the Ctrl-C to the child: dockyard passes the signal on."""
    import subprocess

    child = _GRANDCHILD.replace(
        'grandchild = subprocess.Popen(["sleep", "60"])', "grandchild = None"
    ).replace("str(grandchild.pid)", "'none'")
    child = child.replace(
        "signal.signal(signal.SIGINT, on_int)",
        "signal.signal(signal.SIGINT, on_int)\nsignal.signal(signal.SIGTERM, on_int)",
    )
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(tmp_path), child, str(sig), "interactive"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal
    )
    assert done.returncode == 130, done.stderr
    assert (tmp_path / "child-got").read_text() == str(sig)
