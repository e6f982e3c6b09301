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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.checks_support import FILES

Setup = Callable[[Path], None]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One bad input: what to break, what to run, what must come out."""

    id: str
    setup: Setup
    args: tuple[str, ...]
    code: int
    says: tuple[str, ...] = ()  # all in the message (stderr for exit 2, else stdout+stderr)
    env: dict[str, str] = field(default_factory=dict)
    seconds: float = 20.0
    xfail: str = ""


# --- building blocks ---------------------------------------------------------------


def _nothing(root: Path) -> None:
    return None


def _write(rel: str, data: str | bytes, mode: int | None = None) -> Setup:
    def setup(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        if mode is not None:
            path.chmod(mode)

    return setup


def _remove(rel: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)

    return setup


def _fifo(rel: str) -> Setup:
    def setup(root: Path) -> None:
        _remove(rel)(root)
        os.mkfifo(root / rel)

    return setup


def _symlink(rel: str, target: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / rel
        if path.exists() or path.is_symlink():
            _remove(rel)(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    return setup


def _directory(rel: str) -> Setup:
    def setup(root: Path) -> None:
        _remove(rel)(root)
        (root / rel).mkdir()
        (root / rel / "inside").write_text("x")

    return setup


def _huge(rel: str, size: int, line: bytes = b"A=1\n") -> Setup:
    return _write(rel, line * (size // len(line) + 1))


def _both(*steps: Setup) -> Setup:
    def setup(root: Path) -> None:
        for step in steps:
            step(root)

    return setup


def _pyproject(tool: str) -> Setup:
    return _write("pyproject.toml", f'[project]\nname = "demo"\nversion = "0"\n\n{tool}\n')


def _dockyard(body: str) -> Setup:
    return _pyproject(f"[tool.dockyard]\n{body}")


ENV = "env/.env.dev"
EXAMPLE = "env/.env.example"
SHOW = ("env.show",)
CHECK_ENV = ("env.check",)
EXPLAIN = ("env.explain", "APP_NAME")
INIT = ("env.init", "--env", "test")
CHECK = ("check",)
MIGRATE = ("layout.migrate", "--dry-run")
IGNORE_XFAIL = (
    "the ignore-file probe of the checks reads with Path.read_text; it should read with "
    "dockyard.adapters.files.read_text(what='ignore')"
)

# --- the corpus --------------------------------------------------------------------

ENV_FILE_CASES = [
    *(
        Case(f"env-fifo-{'-'.join(a)}", _fifo(ENV), a, 2, (ENV, "FIFO"), seconds=10)
        for a in (SHOW, CHECK_ENV, EXPLAIN)
    ),
    *(
        Case(f"env-dev-zero-{'-'.join(a)}", _symlink(ENV, "/dev/zero"), a, 2, (ENV, "device"))
        for a in (SHOW, CHECK_ENV, EXPLAIN)
    ),
    Case("env-dev-null", _symlink(ENV, "/dev/null"), SHOW, 2, (ENV, "character device")),
    Case("env-dev-urandom", _symlink(ENV, "/dev/urandom"), SHOW, 2, (ENV, "device")),
    Case("env-directory", _directory(ENV), SHOW, 2, (ENV, "directory")),
    Case("env-directory-check", _directory(ENV), CHECK_ENV, 2, (ENV, "directory")),
    Case("env-missing", _remove(ENV), SHOW, 2, (ENV, "not found", "env.init")),
    Case("env-missing-explain", _remove(ENV), EXPLAIN, 2, (ENV, "not found")),
    Case("env-dangling-symlink", _symlink(ENV, "nowhere/.env"), SHOW, 2, (ENV, "not found")),
    Case("env-symlink-loop", _symlink(ENV, ".env.dev"), SHOW, 2, (ENV, "loop")),
    Case("env-nul", _write(ENV, b"APP_PORT=1\nB=\x00\n"), SHOW, 2, (f"{ENV}:2", "NUL")),
    Case("env-nul-check", _write(ENV, b"\x00\x01\x02"), CHECK_ENV, 2, (ENV, "NUL")),
    Case("env-latin1", _write(ENV, b"APP_PORT=1\nNAME=caf\xe9\n"), SHOW, 2, (f"{ENV}:2", "UTF-8")),
    Case("env-utf16", _write(ENV, "APP_PORT=1\n".encode("utf-16")), SHOW, 2, (ENV,)),
    Case("env-huge-2mib", _huge(ENV, 2 * _MIB), SHOW, 2, (ENV, "MiB")),
    Case("env-huge-64mib", _huge(ENV, 64 * _MIB), CHECK_ENV, 2, (ENV, "MiB")),
    Case("env-sparse-1gib", lambda r: _sparse(r / ENV, 1024 * _MIB), SHOW, 2, (ENV, "MiB")),
    Case(
        "env-value-900kb-secret",
        _write(ENV, "APP_PORT=1\nDB_PASSWORD=" + "x1Y2" * 225_000 + "\n"),
        SHOW,
        0,
        ("DB_PASSWORD", "********"),
    ),
    Case(
        "env-value-900kb-url",
        _write(ENV, "APP_PORT=1\nDATABASE_URL=postgres://u:" + "p/@" * 300_000 + "@db/x\n"),
        SHOW,
        0,
        ("DATABASE_URL",),
    ),
    Case("env-value-900kb-plain", _write(ENV, "APP_PORT=1\nBLOB=" + "a" * 900_000 + "\n"), SHOW, 0),
    Case("env-syntax-error", _write(ENV, "APP_PORT=1\nnot a binding\n"), CHECK_ENV, 1, (":2",)),
    Case("env-unclosed-quote", _write(ENV, 'APP_PORT=1\nX="open\nY=2\n'), CHECK_ENV, 1, (ENV,)),
    Case("env-bom-crlf", _write(ENV, "\ufeffAPP_PORT=1\r\nDB_PASSWORD=x\r\n"), SHOW, 0),
    Case("env-empty", _write(ENV, ""), SHOW, 0),
    Case("env-only-comments", _write(ENV, "# nothing\n\n"), SHOW, 0),
    Case("env-symlink-to-regular", _symlink(ENV, ".env.example"), SHOW, 0, ("APP_NAME",)),
    Case("env-very-long-line-key", _write(ENV, "K" * 500_000 + "=1\n"), SHOW, 0),
    Case("env-many-lines", _write(ENV, "".join(f"K{i}=v{i}\n" for i in range(20_000))), SHOW, 0),
    Case("example-fifo", _fifo(EXAMPLE), CHECK_ENV, 2, (EXAMPLE, "FIFO"), seconds=10),
    Case("example-dev-zero", _symlink(EXAMPLE, "/dev/zero"), CHECK_ENV, 2, (EXAMPLE, "device")),
    Case("example-binary", _write(EXAMPLE, b"\x7fELF\x00\x00"), CHECK_ENV, 2, (EXAMPLE, "NUL")),
    Case("example-directory", _directory(EXAMPLE), CHECK_ENV, 2, (EXAMPLE, "directory")),
    Case("init-example-missing", _remove(EXAMPLE), INIT, 2, (EXAMPLE, "not found")),
    Case("init-example-fifo", _fifo(EXAMPLE), INIT, 2, (EXAMPLE, "FIFO"), seconds=10),
    Case("init-example-zero", _symlink(EXAMPLE, "/dev/zero"), INIT, 2, (EXAMPLE, "device")),
    Case("init-example-huge", _huge(EXAMPLE, 3 * _MIB), INIT, 2, (EXAMPLE, "MiB")),
    Case("init-example-binary", _write(EXAMPLE, b"A=\x00"), INIT, 2, (EXAMPLE, "NUL")),
    Case(
        "init-env-dir-is-a-file",
        _both(
            _write("envdir", "x"),
            _dockyard('env_dir = "envdir"\nenv_example = "ex"'),
            _write("ex", "A=1\n"),
        ),
        INIT,
        2,
        ("envdir",),
    ),
    Case("other-env-file-fifo", _fifo("env/.env.other"), CHECK_ENV, 0, seconds=10),
    Case("other-env-file-zero", _symlink("env/.env.other", "/dev/zero"), CHECK_ENV, 0),
    Case("other-env-file-binary", _write("env/.env.other", b"\x00\xff"), CHECK_ENV, 0),
]

CONFIG_CASES = [
    Case(
        "pyproject-invalid-toml",
        _write("pyproject.toml", "[project\n"),
        SHOW,
        2,
        ("pyproject.toml", "TOML"),
    ),
    Case(
        "pyproject-binary", _write("pyproject.toml", b"[x]\x00"), SHOW, 2, ("pyproject.toml", "NUL")
    ),
    Case(
        "pyproject-latin1",
        _write("pyproject.toml", b'[project]\nname = "caf\xe9"\n'),
        SHOW,
        2,
        ("pyproject.toml", "UTF-8"),
    ),
    Case(
        "pyproject-fifo", _fifo("pyproject.toml"), SHOW, 2, ("pyproject.toml", "FIFO"), seconds=10
    ),
    Case(
        "pyproject-dev-zero",
        _symlink("pyproject.toml", "/dev/zero"),
        SHOW,
        2,
        ("pyproject.toml", "device"),
    ),
    Case(
        "pyproject-directory",
        _directory("pyproject.toml"),
        SHOW,
        2,
        ("pyproject.toml", "directory"),
    ),
    Case(
        "pyproject-huge",
        _huge("pyproject.toml", 5 * _MIB, b"# padding\n"),
        SHOW,
        2,
        ("pyproject.toml", "MiB"),
    ),
    Case("config-unknown-key", _dockyard("colour = 1"), SHOW, 2, ("pyproject.toml", "'colour'")),
    Case("config-wrong-type-int", _dockyard('default_uid = "x"'), SHOW, 2, ("'default_uid'",)),
    Case("config-wrong-type-bool", _dockyard("default_uid = true"), SHOW, 2, ("'default_uid'",)),
    Case(
        "config-wrong-type-list", _dockyard('test_command = "pytest"'), SHOW, 2, ("'test_command'",)
    ),
    Case("config-list-of-ints", _dockyard("committed_envs = [1]"), SHOW, 2, ("'committed_envs'",)),
    Case(
        "config-bad-project-name",
        _dockyard('project_name = "My App"'),
        SHOW,
        2,
        ("'project_name'",),
    ),
    Case(
        "config-bad-package-manager",
        _dockyard('package_manager = "npm"'),
        SHOW,
        2,
        ("'package_manager'",),
    ),
    Case("config-default-env-path", _dockyard('default_env = "../x"'), SHOW, 2, ("'default_env'",)),
    Case(
        "config-default-env-unknown",
        _dockyard('default_env = "nope"'),
        SHOW,
        2,
        ("'nope'", "--env"),
    ),
    Case("config-env-dir-absolute", _dockyard('env_dir = "/etc"'), SHOW, 2, ("'env_dir'",)),
    Case("config-env-dir-parent", _dockyard('env_dir = "../.."'), SHOW, 2, ("'env_dir'",)),
    Case(
        "config-compose-dir-absolute", _dockyard('compose_dir = "/"'), SHOW, 2, ("'compose_dir'",)
    ),
    Case(
        "config-env-example-escape",
        _dockyard('env_example = "../../etc/passwd"'),
        SHOW,
        2,
        ("'env_example'",),
    ),
    Case(
        "config-dockerfile-escape",
        _dockyard('dockerfile = "../Dockerfile"'),
        SHOW,
        2,
        ("'dockerfile'",),
    ),
    Case(
        "config-tool-dockyard-not-table",
        _pyproject("[tool]\ndockyard = 3"),
        SHOW,
        2,
        ("pyproject.toml", "tool.dockyard"),
    ),
    Case(
        "config-environments-not-table", _dockyard("environments = 3"), SHOW, 2, ("'environments'",)
    ),
    Case(
        "config-dotted-env-name",
        _pyproject('[tool.dockyard.environments."a.b"]'),
        SHOW,
        2,
        ("pyproject.toml", "environments.a.b", "'a.b'"),
    ),
    Case(
        "config-dotted-env-name-list",
        _pyproject('[tool.dockyard.environments."a.b"]'),
        ("--list",),
        0,
        ("env.show",),
    ),
    Case(
        "config-dotted-env-name-check",
        _pyproject('[tool.dockyard.environments."a.b"]'),
        CHECK,
        2,
        ("pyproject.toml", "a.b"),
    ),
    Case(
        "config-nested-env-tables",
        _pyproject("[tool.dockyard.environments.a.b]"),
        SHOW,
        2,
        ("pyproject.toml", "environments.a.b"),
    ),
    Case(
        "config-env-name-path",
        _pyproject('[tool.dockyard.environments."../x"]'),
        SHOW,
        2,
        ("pyproject.toml", "../x"),
    ),
    Case(
        "config-env-name-space",
        _pyproject('[tool.dockyard.environments."a b"]'),
        SHOW,
        2,
        ("pyproject.toml", "'a b'"),
    ),
    Case(
        "config-env-name-list-space",
        _pyproject('[tool.dockyard.environments."a b"]'),
        ("--list",),
        0,
        ("env.show",),
    ),
    Case(
        "config-env-table-not-table",
        _dockyard("environments.dev = 3"),
        SHOW,
        2,
        ("environments.dev",),
    ),
    Case(
        "config-env-unknown-key",
        _dockyard("environments.dev.colour = 1"),
        SHOW,
        2,
        ("environments.dev.colour",),
    ),
    Case(
        "config-env-compose-files-string",
        _dockyard('environments.dev.compose_files = "x"'),
        SHOW,
        2,
        ("environments.dev.compose_files",),
    ),
    Case(
        "config-env-enabled-string",
        _dockyard('environments.dev.enabled = "yes"'),
        SHOW,
        2,
        ("environments.dev.enabled",),
    ),
    Case(
        "config-env-file-absolute",
        _dockyard('environments.dev.env_file = "/dev/zero"'),
        SHOW,
        2,
        ("environments.dev.env_file",),
    ),
    Case(
        "config-env-file-directory",
        _dockyard('environments.dev.env_file = "env"'),
        SHOW,
        2,
        ("env", "directory"),
    ),
    Case("config-env-disabled", _dockyard("environments.dev.enabled = false"), SHOW, 2, ("'dev'",)),
]

ENVIRON_CASES = [
    Case(
        "environ-test-command-unclosed-quote",
        _nothing,
        SHOW,
        2,
        ("DOCKYARD_TEST_COMMAND", "quotation"),
        env={"DOCKYARD_TEST_COMMAND": "pytest 'x"},
    ),
    Case(
        "environ-test-command-trailing-backslash",
        _nothing,
        SHOW,
        2,
        ("DOCKYARD_TEST_COMMAND",),
        env={"DOCKYARD_TEST_COMMAND": "pytest \\"},
    ),
    Case(
        "environ-test-command-unclosed-check",
        _nothing,
        CHECK,
        2,
        ("DOCKYARD_TEST_COMMAND",),
        env={"DOCKYARD_TEST_COMMAND": 'pytest "x'},
    ),
    Case(
        "environ-uid-not-int",
        _nothing,
        SHOW,
        2,
        ("DOCKYARD_DEFAULT_UID",),
        env={"DOCKYARD_DEFAULT_UID": "abc"},
    ),
    Case(
        "environ-gid-float",
        _nothing,
        SHOW,
        2,
        ("DOCKYARD_DEFAULT_GID",),
        env={"DOCKYARD_DEFAULT_GID": "1.5"},
    ),
    Case(
        "environ-env-path",
        _nothing,
        SHOW,
        2,
        ("DOCKYARD_", "default_env", "../../etc"),
        env={"DOCKYARD_ENV": "../../etc"},
    ),
    Case("environ-env-unknown", _nothing, SHOW, 2, ("'nope'",), env={"DOCKYARD_ENV": "nope"}),
    Case("environ-env-space", _nothing, SHOW, 2, ("'a b'",), env={"DOCKYARD_ENV": "a b"}),
    Case(
        "environ-env-empty-is-default", _nothing, SHOW, 0, ("APP_NAME",), env={"DOCKYARD_ENV": ""}
    ),
    Case(
        "environ-project-name",
        _nothing,
        SHOW,
        2,
        ("'project_name'",),
        env={"DOCKYARD_PROJECT_NAME": "Bad Name"},
    ),
    Case(
        "environ-package-manager",
        _nothing,
        SHOW,
        2,
        ("'package_manager'",),
        env={"DOCKYARD_PACKAGE_MANAGER": "npm"},
    ),
    Case(
        "environ-env-dir-absolute",
        _nothing,
        SHOW,
        2,
        ("'env_dir'",),
        env={"DOCKYARD_ENV_DIR": "/etc"},
    ),
    Case(
        "environ-env-dir-parent",
        _nothing,
        SHOW,
        2,
        ("'env_dir'",),
        env={"DOCKYARD_ENV_DIR": "../.."},
    ),
    Case(
        "environ-compose-dir-root",
        _nothing,
        SHOW,
        2,
        ("'compose_dir'",),
        env={"DOCKYARD_COMPOSE_DIR": "/"},
    ),
    Case(
        "environ-env-example-escape",
        _nothing,
        CHECK_ENV,
        2,
        ("'env_example'",),
        env={"DOCKYARD_ENV_EXAMPLE": "/etc/passwd"},
    ),
    Case(
        "environ-dockerfile-escape",
        _nothing,
        SHOW,
        2,
        ("'dockerfile'",),
        env={"DOCKYARD_DOCKERFILE": "../Dockerfile"},
    ),
    Case(
        "environ-root-missing",
        _nothing,
        SHOW,
        2,
        ("env/.env.dev", "not found"),
        env={"DOCKYARD_ROOT": "/nonexistent-dockyard-root"},
    ),
]

IGNORE_CASES = [
    Case(
        "dockerignore-binary",
        _write(".dockerignore", b"a\x00b\xff\n"),
        CHECK,
        2,
        (".dockerignore",),
        xfail=IGNORE_XFAIL,
    ),
    Case(
        "dockerignore-latin1",
        _write(".dockerignore", b".git/\ncaf\xe9\n"),
        CHECK,
        2,
        (".dockerignore",),
        xfail=IGNORE_XFAIL,
    ),
    Case("dockerignore-fifo", _fifo(".dockerignore"), CHECK, 1, (".dockerignore",), seconds=15),
    Case(
        "dockerignore-dev-zero",
        _symlink(".dockerignore", "/dev/zero"),
        CHECK,
        1,
        (".dockerignore",),
    ),
    Case("dockerignore-directory", _directory(".dockerignore"), CHECK, 1, (".dockerignore",)),
    Case("dockerignore-missing", _remove(".dockerignore"), CHECK, 1, (".dockerignore",)),
    Case("dockerignore-empty", _write(".dockerignore", ""), CHECK, 1, (".dockerignore",)),
    Case(
        "dockerignore-huge-comments",
        _huge(".dockerignore", 512 * 1024, b"# c\n"),
        CHECK,
        1,
        (".dockerignore",),
        seconds=30,
    ),
    Case(
        "gitignore-binary-migrate",
        _write(".gitignore", b"\x00\xff"),
        MIGRATE,
        2,
        (".gitignore",),
        xfail="the layout planner reads .gitignore with Path.read_text",
    ),
    Case("gitignore-fifo-check", _fifo(".gitignore"), CHECK, 0, seconds=15),
]

CLI_CASES = [
    Case("cli-unknown-task", _nothing, ("env.nope",), 2, ("env.nope",)),
    Case("cli-unknown-flag", _nothing, ("env.show", "--colour"), 2, ("--colour",)),
    Case("cli-env-path", _nothing, ("env.show", "--env", "../../etc/passwd"), 2, ("--env",)),
    Case("cli-env-absolute", _nothing, ("env.check", "--env", "/etc"), 2, ("--env",)),
    Case("cli-env-dotted", _nothing, ("env.show", "--env", "a.b"), 2, ("--env", "'a.b'")),
    Case("cli-env-empty", _nothing, ("env.show", "--env", ""), 2, ("--env",)),
    Case("cli-env-unknown", _nothing, ("env.show", "--env", "nope"), 2, ("--env", "'nope'")),
    Case("cli-env-long", _nothing, ("env.show", "--env", "a" * 5000), 2, ("--env",)),
    Case("cli-env-newline", _nothing, ("env.show", "--env", "dev\nx"), 2, ("--env",)),
    Case("cli-explain-missing-var", _nothing, ("env.explain",), 2, ("var",)),
    Case("cli-explain-odd-var", _nothing, ("env.explain", "NO SUCH"), 0, ("NO SUCH",)),
    Case("cli-check-format", _nothing, ("check", "--format", "xml"), 2, ("--format",)),
    Case("cli-check-fail-on", _nothing, ("check", "--fail-on", "panic"), 2, ("fail-on",)),
    Case("cli-check-only-unknown", _nothing, ("check", "--only", "NOPE999"), 2, ("NOPE999",)),
    Case(
        "cli-check-output-missing-folder",
        _nothing,
        ("check", "--output", "no/such/r.txt"),
        2,
        ("--output", "no/such/r.txt"),
    ),
    Case(
        "cli-check-output-directory",
        _nothing,
        ("check", "--output", "env"),
        2,
        ("--output", "directory"),
    ),
    Case(
        "cli-check-output-pyproject",
        _nothing,
        ("check", "--output", "pyproject.toml"),
        2,
        ("--output", "pyproject.toml", "--force"),
    ),
    Case(
        "cli-check-output-env-file",
        _nothing,
        ("check", "--output", ENV),
        2,
        ("--output", "--force"),
    ),
    Case(
        "cli-check-output-dockerfile",
        _nothing,
        ("check", "--output", "docker/Dockerfile"),
        2,
        ("--output", "--force"),
    ),
    Case(
        "cli-check-output-tracked",
        _write("notes.txt", "mine\n"),
        ("check", "--output", "notes.txt"),
        2,
        ("--output", "git tracks"),
        env={"TRACK": "1"},
    ),
    Case(
        "cli-check-output-dev-null-parent",
        _nothing,
        ("check", "--output", "/dev/null/x"),
        2,
        ("--output",),
    ),
    Case(
        "cli-check-output-new-file",
        _nothing,
        ("check", "--output", "report.txt"),
        0,
        ("wrote report.txt",),
    ),
    Case(
        "cli-check-summary-missing-folder",
        _nothing,
        ("check", "--format", "github"),
        2,
        ("GITHUB_STEP_SUMMARY",),
        env={"GITHUB_STEP_SUMMARY": "/nonexistent/dir/summary.md"},
    ),
    Case("cli-help-task", _nothing, ("--help", "env.show"), 0, ("--env",)),
    Case(
        "cli-help-unknown",
        _nothing,
        ("--help", "nope.nope"),
        2,
        ("nope.nope",),
        xfail="Invoke's --help of an unknown task exits 1; the program should map it to 2",
    ),
    Case("cli-list", _nothing, ("--list",), 0, ("env.show", "check")),
    Case("cli-migrate-dry-run-standard", _nothing, MIGRATE, 0),
    Case(
        "cli-venv-relocate-env-path",
        _nothing,
        ("venv.relocate", "--dry-run", "--env", "../x"),
        2,
        ("--env",),
        xfail="venv.relocate --dry-run does not validate --env",
    ),
    Case(
        "cli-dev-up-env-path",
        _nothing,
        ("dev.up", "--dry-run"),
        2,
        ("DOCKYARD_", "'../x'"),
        env={"DOCKYARD_ENV": "../x"},
    ),
]

TREE_CASES = [
    Case("tree-env-dir-is-fifo", _both(_remove("env"), _fifo("env")), SHOW, 2, (ENV,), seconds=10),
    Case("tree-env-dir-is-file", _both(_remove("env"), _write("env", "x")), SHOW, 2, (ENV,)),
    Case(
        "tree-env-dir-symlink-dev", _both(_remove("env"), _symlink("env", "/dev")), SHOW, 2, (ENV,)
    ),
    Case(
        "tree-env-dir-symlink-loop", _both(_remove("env"), _symlink("env", "env")), SHOW, 2, (ENV,)
    ),
    Case(
        "tree-compose-fifo-check-env",
        _fifo("compose/docker-compose.dev.yml"),
        CHECK_ENV,
        0,
        seconds=10,
    ),
    Case(
        "tree-nothing-at-all",
        _both(_remove("env"), _remove("pyproject.toml")),
        SHOW,
        2,
        (ENV, "not found"),
    ),
    Case("tree-uv-lock-fifo-show", _fifo("uv.lock"), SHOW, 0, seconds=10),
]

CASES = [*ENV_FILE_CASES, *CONFIG_CASES, *ENVIRON_CASES, *IGNORE_CASES, *CLI_CASES, *TREE_CASES]


def _sparse(path: Path, size: int) -> None:
    path.unlink()
    with path.open("wb") as handle:
        handle.truncate(size)


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
        return path.read_bytes() if path.is_file() and path.stat().st_size < _MIB else None
    except OSError:
        return None
