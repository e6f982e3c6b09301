"""nox session factory: one call in a project's noxfile.py gives dockyard's sessions.

    # noxfile.py
    import dockyard.sessions
    dockyard.sessions.install()          # sessions: ci, up, down, check, wheels

Sessions run the ``dockyard`` program of the interpreter nox runs under
(``venv_backend="none"``): no virtualenv is created for them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nox

__all__ = ["install"]


def _dockyard(session: nox.Session, *args: str, codes: Sequence[int] = (0,)) -> None:
    session.run(sys.executable, "-m", "dockyard", *args, external=True, success_codes=list(codes))


def install(*, prefix: str = "", ci_env: str = "ci", dev_env: str = "dev") -> list[str]:
    """Register dockyard's sessions with nox and return their names.

    ``<prefix>ci``: UID-aware build, the tests inside the container (``ci.test``:
    exit code of the app service, always torn down), then the static checks.
    ``<prefix>up`` / ``<prefix>down``: the development environment.
    ``<prefix>check``: static checks; ``nox -s check -- --live`` adds the live ones.
    """
    import nox

    sessions: dict[str, Callable[[nox.Session], None]] = {}

    def ci(session: nox.Session) -> None:
        """Build for this host's uid/gid, test inside the container, verify, tear down."""
        _dockyard(session, f"{ci_env}.build")
        _dockyard(session, f"{ci_env}.test")
        _dockyard(session, "check", "--env", ci_env)

    def up(session: nox.Session) -> None:
        """Bring the development environment up (rebuilding a stale image) and show it.

        On a fresh clone the env file (ignored by git) is created from the example first.
        """
        _dockyard(session, "env.init", "--env", dev_env)
        _dockyard(session, f"{dev_env}.up", *session.posargs)
        _dockyard(session, f"{dev_env}.status")

    def down(session: nox.Session) -> None:
        """Stop the development environment."""
        _dockyard(session, f"{dev_env}.down")

    def check(session: nox.Session) -> None:
        """dockyard's checks; extra arguments go to `dockyard check`."""
        _dockyard(session, "check", "--env", dev_env, *session.posargs)

    def wheels(session: nox.Session) -> None:
        """Fill docker/wheels from the lock, for image builds without a package index."""
        _dockyard(session, "wheels")

    sessions = {"ci": ci, "up": up, "down": down, "check": check, "wheels": wheels}
    names = []
    for name, func in sessions.items():
        full = f"{prefix}{name}"
        func.__name__ = full.replace("-", "_")
        nox.session(name=full, venv_backend="none")(func)
        names.append(full)
    return names
