"""The ``dockyard`` program: option parsing, typo suggestions, --dry, closed pipes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from invoke.config import Config

from dockyard.surfaces.program import DockyardProgram, suggest
from dockyard.surfaces.runtime import Runtime
from dockyard.surfaces.tasks import build_namespace
from dockyard.testing import FakeRunner
from dockyard.workflows.stack import Stack
from tests.conftest import write


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", '[project]\nname = "demo"\nversion = "0"\n')
    for env in ("dev", "test", "ci"):
        write(tmp_path / f"compose/docker-compose.{env}.yml", "services: {app: {image: x}}\n")
        write(tmp_path / f"env/.env.{env}", "DB_PASSWORD=canary-secret\n")
    return tmp_path


def run(
    root: Path, monkeypatch: pytest.MonkeyPatch, *argv: str, runner: FakeRunner | None = None
) -> tuple[int, FakeRunner]:
    """Run the program in-process on ``root`` with a fake runner; return (exit code, runner)."""
    fake = runner or FakeRunner()
    runtime = Runtime(fake, {"PATH": "/bin", "DOCKYARD_ROOT": str(root)}, root)

    class _Config(Config):
        @staticmethod
        def global_defaults() -> dict[str, Any]:
            defaults: dict[str, Any] = Config.global_defaults()
            defaults["dockyard_runtime"] = runtime
            return defaults

    monkeypatch.setattr(sys, "argv", ["dockyard", *argv])
    program = DockyardProgram(
        namespace=build_namespace(["dev", "test", "ci"]),
        name="dockyard",
        binary="dockyard",
        version="0",
        config_class=_Config,
    )
    try:
        program.run(["dockyard", *argv])
    except SystemExit as exc:
        return int(exc.code or 0), fake
    return 0, fake


def compose_calls(runner: FakeRunner, verb: str) -> list[tuple[str, ...]]:
    return [a for a in runner.argvs if a[:2] == ("docker", "compose") and verb in a]


def test_list_options_repeat_and_take_commas(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(
        root, monkeypatch, "dev.logs", "--dry-run", "--profile", "a", "--profile", "b,c",
        "--service", "web", "--service", "db",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "--profile a --profile b --profile c logs web db" in out


def test_env_is_accepted_when_it_names_the_collection_and_refused_otherwise(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(root, monkeypatch, "dev.down", "--env", "dev", "--dry-run")
    assert code == 0
    assert "plan: down (dev)" in capsys.readouterr().out
    code, runner = run(root, monkeypatch, "dev.down", "--env", "test")
    err = capsys.readouterr().err
    assert code == 2
    assert "for 'test' use `test.<task>`" in err
    assert compose_calls(runner, "down") == []


def test_service_and_passthrough_reach_compose(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dev.exec", "--service", "db", "--dry-run", "--", "psql", "-c", "select 1"]
    code, _ = run(root, monkeypatch, *argv)
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip().endswith("exec -T db psql -c 'select 1'")
    code, runner = run(root, monkeypatch, "dev.down", "--", "--timeout", "3")
    assert code == 0
    (down,) = compose_calls(runner, "down")
    assert down[-4:] == ("down", "--remove-orphans", "--timeout", "3")
    assert "--profile *" in " ".join(down)  # every profile's services go down too
    code, runner = run(root, monkeypatch, "dev.build", "--", "--pull")
    assert code == 0
    (build,) = [a for a in compose_calls(runner, "build") if "config" not in a]
    assert build[-1] == "--pull"
    capsys.readouterr()


def test_up_passes_words_after_dashes_and_build_flags(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockyard.domain.images import Staleness

    monkeypatch.setattr(Stack, "image_state", lambda self: Staleness(()))
    code, _ = run(root, monkeypatch, "dev.up", "--dry-run", "--no-cache", "--", "--force-recreate")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rebuild: build requested without cache" in out
    assert "--no-cache" in out and "up -d --force-recreate" in out


def test_bad_timeout_is_a_usage_error(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(root, monkeypatch, "dev.up", "--timeout", "soon")
    assert code == 2
    assert "--timeout takes a number of seconds, got 'soon'" in capsys.readouterr().err


def test_dry_is_refused_and_nothing_runs(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--dry", "dev.down"], ["dev.down", "--dry"], ["-R", "dev.down"]):
        code, runner = run(root, monkeypatch, *argv)
        assert code == 2, argv
        assert "use the task's own --dry-run" in capsys.readouterr().err
        assert compose_calls(runner, "down") == []


def test_mistyped_task_exits_2_with_the_closest_names(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(root, monkeypatch, "dev.pu")
    err = capsys.readouterr().err
    assert code == 2
    assert "Did you mean dev.up" in err and len(err.strip().splitlines()) == 1
    assert suggest("tset.run", ["test.run", "dev.up"]) == ["test.run"]
    assert suggest("qa.up", ["dev.up", "test.up", "dev.down"]) == ["dev.up", "test.up"]
    assert suggest("zzz", ["dev.up"]) == []


def test_every_mutating_environment_task_has_dry_run_and_env() -> None:
    ns = build_namespace(["dev", "test", "ci"])
    for name in ns.task_names:
        if name.split(".")[0] not in ("dev", "test", "ci"):
            continue
        task = ns[name]
        params = task.get_arguments()
        flags = {arg.name for arg in params}
        assert {"dry_run", "env"} <= flags, name


def test_help_into_a_closed_pipe_has_no_traceback() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from dockyard.surfaces.program import main; main()", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader goes away before anything is written
    _, raw = proc.communicate(timeout=30)
    err = raw.decode()
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert proc.returncode in (0, 141)


class _WholeNamespace(DockyardProgram):
    """The program as Invoke parses: every task's context."""

    def _make_parser(self) -> Any:
        return super(DockyardProgram, self)._make_parser()


def _parse(program_class: type[DockyardProgram], argv: list[str]) -> Any:
    program = program_class(namespace=build_namespace(["dev", "test", "ci"]), name="dockyard")
    program.create_config()
    program.parse_core(argv)
    program.parse_collection()
    try:
        program.parse_tasks()
    except BaseException as exc:  # noqa: BLE001 - the error is the outcome compared
        return f"{type(exc).__name__}: {exc}"
    return [(ctx.name, {k: a.value for k, a in ctx.args.items()}) for ctx in program.tasks]


@pytest.mark.parametrize(
    "words",
    [
        ["dev.up"],
        ["dev.up", "--timeout", "dev.down", "dev.logs", "-f"],  # a value that names a task
        ["dev.up", "--profile", "a", "--profile", "b", "test.down", "--volumes"],
        ["env.explain", "dev.up"],  # a positional value that names a task
        ["dev.up", "dev.dwn"],
        ["dev.pu"],
        ["check", "--format", "json"],
    ],
)
def test_the_parse_of_the_named_tasks_is_the_parse_of_all(
    root: Path, monkeypatch: pytest.MonkeyPatch, words: list[str]
) -> None:
    monkeypatch.chdir(root)
    argv = ["dockyard", *words]
    assert _parse(DockyardProgram, argv) == _parse(_WholeNamespace, argv)


def test_every_task_help_says_what_it_does_and_masks_nothing(tmp_path: Path) -> None:
    names = sorted(build_namespace().task_names)
    for name in names:
        done = subprocess.run(
            [sys.executable, "-m", "dockyard", name, "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (name, done.stderr)
        docstring = done.stdout.split("Docstring:", 1)[1].split("Options:", 1)[0]
        assert docstring.strip(), name
        assert "********" not in done.stdout, (name, done.stdout)
