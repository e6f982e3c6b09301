"""Bad input of every kind: the real ``dockyard`` program must keep its promises.

Each case builds a small repository, breaks one thing (an env file, the
configuration, an ignore file, an argument, the tree itself) and runs
``python -m dockyard ...`` in it. The promise, for every case:

* the exit code of the contract (0 ok, 1 findings, 2 bad input or could not run);
* for a failure, one line on stderr that names the file, line or argument;
* no traceback;
* done within the case's time bound (FIFOs, ``/dev/zero`` and huge files included).

Only tasks that need no engine run here (env.*, check without --live, layout
--dry-run, --list, --help).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_input_config import CONFIG_CASES, ENVIRON_CASES
from tests.bad_input_support import (
    CHECK,
    CHECK_ENV,
    ENV,
    ENV_FILE_CASES,
    MIB,
    MIGRATE,
    SHOW,
    Case,
    both,
    directory,
    fifo,
    huge,
    nothing,
    put,
    remove,
    symlink,
)
from tests.checks_support import FILES

IGNORE_CASES = [
    Case(
        "dockerignore-binary",
        put(".dockerignore", b"a\x00b\xff\n"),
        CHECK,
        2,
        (".dockerignore",),
    ),
    Case(
        "dockerignore-latin1",
        put(".dockerignore", b".git/\ncaf\xe9\n"),
        CHECK,
        2,
        (".dockerignore",),
    ),
    Case("dockerignore-fifo", fifo(".dockerignore"), CHECK, 1, (".dockerignore",), seconds=15),
    Case(
        "dockerignore-dev-zero",
        symlink(".dockerignore", "/dev/zero"),
        CHECK,
        1,
        (".dockerignore",),
    ),
    Case("dockerignore-directory", directory(".dockerignore"), CHECK, 1, (".dockerignore",)),
    Case("dockerignore-missing", remove(".dockerignore"), CHECK, 1, (".dockerignore",)),
    Case("dockerignore-empty", put(".dockerignore", ""), CHECK, 1, (".dockerignore",)),
    Case(
        "dockerignore-huge-comments",
        huge(".dockerignore", 512 * 1024, b"# c\n"),
        CHECK,
        1,
        (".dockerignore",),
        seconds=30,
    ),
    Case(
        "gitignore-binary-migrate",
        put(".gitignore", b"\x00\xff"),
        MIGRATE,
        0,  # the standard layout has nothing to migrate: the .gitignore is not read
        ("nothing to do",),
    ),
    # git would block reading it: the checks that ask git say so (could not check)
    Case("gitignore-fifo-check", fifo(".gitignore"), CHECK, 2, (".gitignore",), seconds=15),
]

CLI_CASES = [
    Case("cli-unknown-task", nothing, ("env.nope",), 2, ("env.nope",)),
    Case("cli-unknown-flag", nothing, ("env.show", "--colour"), 2, ("--colour",)),
    Case("cli-env-path", nothing, ("env.show", "--env", "../../etc/passwd"), 2, ("--env",)),
    Case("cli-env-absolute", nothing, ("env.check", "--env", "/etc"), 2, ("--env",)),
    Case("cli-env-dotted", nothing, ("env.show", "--env", "a.b"), 2, ("--env", "'a.b'")),
    Case("cli-env-empty", nothing, ("env.show", "--env", ""), 2, ("--env",)),
    Case("cli-env-unknown", nothing, ("env.show", "--env", "nope"), 2, ("--env", "'nope'")),
    Case("cli-env-long", nothing, ("env.show", "--env", "a" * 5000), 2, ("--env",)),
    Case("cli-env-newline", nothing, ("env.show", "--env", "dev\nx"), 2, ("--env",)),
    Case("cli-explain-missing-var", nothing, ("env.explain",), 2, ("var",)),
    Case("cli-explain-odd-var", nothing, ("env.explain", "NO SUCH"), 0, ("NO SUCH",)),
    Case("cli-check-format", nothing, ("check", "--format", "xml"), 2, ("--format",)),
    Case("cli-check-fail-on", nothing, ("check", "--fail-on", "panic"), 2, ("fail-on",)),
    Case("cli-check-only-unknown", nothing, ("check", "--only", "NOPE999"), 2, ("NOPE999",)),
    Case(
        "cli-check-output-missing-folder",
        nothing,
        ("check", "--output", "no/such/r.txt"),
        2,
        ("--output", "no/such/r.txt"),
    ),
    Case(
        "cli-check-output-directory",
        nothing,
        ("check", "--output", "env"),
        2,
        ("--output", "directory"),
    ),
    Case(
        "cli-check-output-pyproject",
        nothing,
        ("check", "--output", "pyproject.toml"),
        2,
        ("--output", "pyproject.toml", "--force"),
    ),
    Case(
        "cli-check-output-env-file",
        nothing,
        ("check", "--output", ENV),
        2,
        ("--output", "--force"),
    ),
    Case(
        "cli-check-output-dockerfile",
        nothing,
        ("check", "--output", "docker/Dockerfile"),
        2,
        ("--output", "--force"),
    ),
    Case(
        "cli-check-output-tracked",
        put("notes.txt", "mine\n"),
        ("check", "--output", "notes.txt"),
        2,
        ("--output", "git tracks"),
        env={"TRACK": "1"},
    ),
    Case(
        "cli-check-output-dev-null-parent",
        nothing,
        ("check", "--output", "/dev/null/x"),
        2,
        ("--output",),
    ),
    Case(
        "cli-check-output-new-file",
        nothing,
        ("check", "--skip", "LK001", "--output", "report.txt"),  # the lock is not committed
        0,
        ("wrote report.txt",),
    ),
    Case(
        "cli-check-summary-missing-folder",
        nothing,
        ("check", "--format", "github"),
        2,
        ("GITHUB_STEP_SUMMARY",),
        env={"GITHUB_STEP_SUMMARY": "/nonexistent/dir/summary.md"},
    ),
    Case("cli-help-task", nothing, ("--help", "env.show"), 0, ("--env",)),
    Case(
        "cli-help-unknown",
        nothing,
        ("--help", "nope.nope"),
        2,
        ("nope.nope",),
    ),
    Case("cli-list", nothing, ("--list",), 0, ("env.show", "check")),
    Case("cli-migrate-dry-run-standard", nothing, MIGRATE, 0),
    Case(
        "cli-venv-relocate-env-path",
        nothing,
        ("venv.relocate", "--dry-run", "--env", "../x"),
        2,
        ("--env",),
    ),
    Case(
        "cli-dev-up-env-path",
        nothing,
        ("dev.up", "--dry-run"),
        2,
        ("DOCKYARD_", "'../x'"),
        env={"DOCKYARD_ENV": "../x"},
    ),
]

TREE_CASES = [
    Case("tree-env-dir-is-fifo", both(remove("env"), fifo("env")), SHOW, 2, (ENV,), seconds=10),
    Case("tree-env-dir-is-file", both(remove("env"), put("env", "x")), SHOW, 2, (ENV,)),
    Case("tree-env-dir-symlink-dev", both(remove("env"), symlink("env", "/dev")), SHOW, 2, (ENV,)),
    Case("tree-env-dir-symlink-loop", both(remove("env"), symlink("env", "env")), SHOW, 2, (ENV,)),
    Case(
        "tree-compose-fifo-check-env",
        fifo("compose/docker-compose.dev.yml"),
        CHECK_ENV,
        0,
        seconds=10,
    ),
    Case(
        "tree-nothing-at-all",
        both(remove("env"), remove("pyproject.toml")),
        SHOW,
        2,
        (ENV, "not found"),
    ),
    Case("tree-uv-lock-fifo-show", fifo("uv.lock"), SHOW, 0, seconds=10),
]

CASES = [*ENV_FILE_CASES, *CONFIG_CASES, *ENVIRON_CASES, *IGNORE_CASES, *CLI_CASES, *TREE_CASES]

# --- the runner of the corpus ------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "repo"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ENV).chmod(0o600)
    git = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": os.environ["PATH"],
        "HOME": str(root.parent),
    }
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env=git)
    return root


def _run(root: Path, case: Case) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "GITHUB_"))}
    environ.update({k: v for k, v in case.env.items() if k != "TRACK"})
    return subprocess.run(
        [sys.executable, "-m", "dockyard", *case.args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=case.seconds,
        check=False,
    )


def _track(root: Path) -> None:
    git = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": os.environ["PATH"],
        "HOME": str(root.parent),
    }
    subprocess.run(["git", "add", "notes.txt"], cwd=root, check=True, env=git)
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=root, check=True, env=git)


def _params() -> list[object]:
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.xfail(reason=case.xfail, strict=True)])
        if case.xfail
        else pytest.param(case, id=case.id)
        for case in CASES
    ]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", _params())
def test_bad_input_keeps_the_promise(case: Case, template: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    case.setup(root)
    if "TRACK" in case.env:
        _track(root)
    before = _snapshot(root / "pyproject.toml")
    try:
        done = _run(root, case)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {case.seconds:g} s: {case.args}")
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    assert done.returncode == case.code, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    if case.code == 2:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got:\n{done.stderr}"
        message = lines[0]
    else:
        message = done.stdout + done.stderr
    for part in case.says:
        assert part in message, f"{part!r} not in {message!r}"
    assert _snapshot(root / "pyproject.toml") == before, "pyproject.toml was changed"


def _snapshot(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() and path.stat().st_size < MIB else None
    except OSError:
        return None
