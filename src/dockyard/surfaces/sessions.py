"""nox session factory: one call in a project's noxfile.py gives dockyard's sessions.

    # noxfile.py
    import dockyard.sessions
    dockyard.sessions.install()          # sessions: ci, check, up, down, wheels

dockyard must be importable by the interpreter nox itself runs under (install it beside
nox: ``uv tool install nox --with dockyard`` or ``pipx inject nox dockyard``, or let a
PEP 723 block in the noxfile ask for it). Sessions run that interpreter's ``dockyard``
(``python -m dockyard``, ``venv_backend="none"``): no virtualenv is created for them.

A bare ``nox`` runs ``ci`` and ``check`` only: sessions that start or stop a stack
(``up``, ``down``) run when named. Sessions are read from
:data:`dockyard.surfaces.catalog_tasks.SESSIONS`, the table every surface shares.
Each environment is its own compose project, so ``nox -j`` can run ``ci`` beside
``check``; the stack-changing sessions do not run in parallel.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dockyard.surfaces.catalog_tasks import SESSIONS, SessionSpec

if TYPE_CHECKING:
    import nox

__all__ = ["MISSING", "install"]

MISSING = (
    "nox cannot import dockyard: install it beside nox (`uv tool install nox --with dockyard` "
    "or `pipx inject nox dockyard`), or run `uvx --with dockyard nox`"
)


def _dockyard(session: nox.Session, *args: str, codes: Sequence[int] = (0,)) -> None:
    session.run(sys.executable, "-m", "dockyard", *args, external=True, success_codes=list(codes))


def _argv(step: Sequence[str], env: str) -> list[str]:
    return [word.replace("{env}", env) for word in step]


def _body(spec: SessionSpec, env: str) -> Callable[[nox.Session], None]:
    def run(session: nox.Session) -> None:
        for index, step in enumerate(spec.steps):
            extra = list(session.posargs) if index == spec.posargs else []
            _dockyard(session, *_argv(step, env), *extra)

    summary = spec.summary
    if not summary.startswith("dockyard"):
        summary = summary[:1].upper() + summary[1:]
    run.__doc__ = f"{summary} ({env})."
    return run


def _options(spec: SessionSpec) -> dict[str, Any]:
    """``default`` and ``allow_parallel`` where this nox knows them (2025 and later)."""
    import nox

    known = inspect.signature(nox.session).parameters
    options: dict[str, Any] = {}
    if "default" in known:
        options["default"] = spec.default
    if "allow_parallel" in known:
        options["allow_parallel"] = not spec.changes_stack
    return options


def install(*, prefix: str = "", ci_env: str = "ci", dev_env: str = "dev") -> list[str]:
    """Register dockyard's sessions with nox and return their names.

    ``<prefix>ci``: one build for this host's uid/gid and the tests inside the
    container (``ci.test``: exit code of the app service, always torn down), then the
    static checks. ``<prefix>check``: the checks; ``nox -s check -- --live`` adds the
    live ones. ``<prefix>up`` / ``<prefix>down``: the development environment (only
    when named). ``<prefix>wheels``: docker/wheels from the lock.
    """
    import nox

    names = []
    for spec in SESSIONS:
        env = ci_env if spec.env == "ci" else dev_env
        func = _body(spec, env)
        full = f"{prefix}{spec.name}"
        func.__name__ = full.replace("-", "_")
        nox.session(name=full, venv_backend="none", **_options(spec))(func)
        names.append(full)
    return names
