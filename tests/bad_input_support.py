"""The bad-input corpus, part 1: its case type, building blocks and env-file cases.

See ``tests/unit/test_bad_input.py`` for what every case must keep.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Setup = Callable[[Path], None]

MIB = 1024 * 1024


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


def nothing(root: Path) -> None:
    return None


def put(rel: str, data: str | bytes, mode: int | None = None) -> Setup:
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


def remove(rel: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)

    return setup


def fifo(rel: str) -> Setup:
    def setup(root: Path) -> None:
        remove(rel)(root)
        os.mkfifo(root / rel)

    return setup


def symlink(rel: str, target: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / rel
        if path.exists() or path.is_symlink():
            remove(rel)(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    return setup


def directory(rel: str) -> Setup:
    def setup(root: Path) -> None:
        remove(rel)(root)
        (root / rel).mkdir()
        (root / rel / "inside").write_text("x")

    return setup


def huge(rel: str, size: int, line: bytes = b"A=1\n") -> Setup:
    return put(rel, line * (size // len(line) + 1))


def both(*steps: Setup) -> Setup:
    def setup(root: Path) -> None:
        for step in steps:
            step(root)

    return setup


def pyproject(tool: str) -> Setup:
    return put("pyproject.toml", f'[project]\nname = "demo"\nversion = "0"\n\n{tool}\n')


def tool_dockyard(body: str) -> Setup:
    return pyproject(f"[tool.dockyard]\n{body}")


ENV = "env/.env.dev"
EXAMPLE = "env/.env.example"
SHOW = ("env.show",)
CHECK_ENV = ("env.check",)
EXPLAIN = ("env.explain", "APP_NAME")
INIT = ("env.init", "--env", "test")
CHECK = ("check",)
MIGRATE = ("layout.migrate", "--dry-run")
# --- the corpus --------------------------------------------------------------------

ENV_FILE_CASES = [
    *(
        Case(f"env-fifo-{'-'.join(a)}", fifo(ENV), a, 2, (ENV, "FIFO"), seconds=10)
        for a in (SHOW, CHECK_ENV, EXPLAIN)
    ),
    *(
        Case(f"env-dev-zero-{'-'.join(a)}", symlink(ENV, "/dev/zero"), a, 2, (ENV, "device"))
        for a in (SHOW, CHECK_ENV, EXPLAIN)
    ),
    Case("env-dev-null", symlink(ENV, "/dev/null"), SHOW, 2, (ENV, "character device")),
    Case("env-dev-urandom", symlink(ENV, "/dev/urandom"), SHOW, 2, (ENV, "device")),
    Case("env-directory", directory(ENV), SHOW, 2, (ENV, "directory")),
    Case("env-directory-check", directory(ENV), CHECK_ENV, 2, (ENV, "directory")),
    Case("env-missing", remove(ENV), SHOW, 2, (ENV, "not found", "env.init")),
    Case("env-missing-explain", remove(ENV), EXPLAIN, 2, (ENV, "not found")),
    Case("env-dangling-symlink", symlink(ENV, "nowhere/.env"), SHOW, 2, (ENV, "not found")),
    Case("env-symlink-loop", symlink(ENV, ".env.dev"), SHOW, 2, (ENV, "loop")),
    Case("env-nul", put(ENV, b"APP_PORT=1\nB=\x00\n"), SHOW, 2, (f"{ENV}:2", "NUL")),
    Case("env-nul-check", put(ENV, b"\x00\x01\x02"), CHECK_ENV, 2, (ENV, "NUL")),
    Case("env-latin1", put(ENV, b"APP_PORT=1\nNAME=caf\xe9\n"), SHOW, 2, (f"{ENV}:2", "UTF-8")),
    Case("env-utf16", put(ENV, "APP_PORT=1\n".encode("utf-16")), SHOW, 2, (ENV,)),
    Case("env-huge-2mib", huge(ENV, 2 * MIB), SHOW, 2, (ENV, "MiB")),
    Case("env-huge-64mib", huge(ENV, 64 * MIB), CHECK_ENV, 2, (ENV, "MiB")),
    Case("env-sparse-1gib", lambda r: sparse(r / ENV, 1024 * MIB), SHOW, 2, (ENV, "MiB")),
    Case(
        "env-value-900kb-secret",
        put(ENV, "APP_PORT=1\nDB_PASSWORD=" + "x1Y2" * 225_000 + "\n"),
        SHOW,
        0,
        ("DB_PASSWORD", "********"),
    ),
    Case(
        "env-value-900kb-url",
        put(ENV, "APP_PORT=1\nDATABASE_URL=postgres://u:" + "p/@" * 300_000 + "@db/x\n"),
        SHOW,
        0,
        ("DATABASE_URL",),
    ),
    Case("env-value-900kb-plain", put(ENV, "APP_PORT=1\nBLOB=" + "a" * 900_000 + "\n"), SHOW, 0),
    Case("env-syntax-error", put(ENV, "APP_PORT=1\nnot a binding\n"), CHECK_ENV, 1, (":2",)),
    Case("env-unclosed-quote", put(ENV, 'APP_PORT=1\nX="open\nY=2\n'), CHECK_ENV, 1, (ENV,)),
    Case("env-bom-crlf", put(ENV, "\ufeffAPP_PORT=1\r\nDB_PASSWORD=x\r\n"), SHOW, 0),
    Case("env-empty", put(ENV, ""), SHOW, 0),
    Case("env-only-comments", put(ENV, "# nothing\n\n"), SHOW, 0),
    Case("env-symlink-to-regular", symlink(ENV, ".env.example"), SHOW, 0, ("APP_NAME",)),
    Case("env-very-long-line-key", put(ENV, "K" * 500_000 + "=1\n"), SHOW, 0),
    Case("env-many-lines", put(ENV, "".join(f"K{i}=v{i}\n" for i in range(20_000))), SHOW, 0),
    Case("example-fifo", fifo(EXAMPLE), CHECK_ENV, 2, (EXAMPLE, "FIFO"), seconds=10),
    Case("example-dev-zero", symlink(EXAMPLE, "/dev/zero"), CHECK_ENV, 2, (EXAMPLE, "device")),
    Case("example-binary", put(EXAMPLE, b"\x7fELF\x00\x00"), CHECK_ENV, 2, (EXAMPLE, "NUL")),
    Case("example-directory", directory(EXAMPLE), CHECK_ENV, 2, (EXAMPLE, "directory")),
    Case("init-example-missing", remove(EXAMPLE), INIT, 2, (EXAMPLE, "not found")),
    Case("init-example-fifo", fifo(EXAMPLE), INIT, 2, (EXAMPLE, "FIFO"), seconds=10),
    Case("init-example-zero", symlink(EXAMPLE, "/dev/zero"), INIT, 2, (EXAMPLE, "device")),
    Case("init-example-huge", huge(EXAMPLE, 3 * MIB), INIT, 2, (EXAMPLE, "MiB")),
    Case("init-example-binary", put(EXAMPLE, b"A=\x00"), INIT, 2, (EXAMPLE, "NUL")),
    Case(
        "init-env-dir-is-a-file",
        both(
            put("envdir", "x"),
            tool_dockyard('env_dir = "envdir"\nenv_example = "ex"'),
            put("ex", "A=1\n"),
        ),
        INIT,
        2,
        ("envdir",),
    ),
    Case("other-env-file-fifo", fifo("env/.env.other"), CHECK_ENV, 0, seconds=10),
    Case("other-env-file-zero", symlink("env/.env.other", "/dev/zero"), CHECK_ENV, 0),
    Case("other-env-file-binary", put("env/.env.other", b"\x00\xff"), CHECK_ENV, 0),
]


def sparse(path: Path, size: int) -> None:
    path.unlink()
    with path.open("wb") as handle:
        handle.truncate(size)
