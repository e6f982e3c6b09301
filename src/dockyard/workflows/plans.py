"""Plans of the dev/test/ci workflows: the commands an operation will run, and why.

A plan is printed by ``--dry-run`` (secrets masked) and carried out by
:meth:`dockyard.workflows.stack.Stack.run_plan` under the environment's lock.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dockyard.domain.config import Settings
from dockyard.errors import PlanError
from dockyard.workflows.health import Waiting

__all__ = ["Plan", "Step", "env_lock", "state_file"]


def state_file(settings: Settings, name: str) -> Path:
    """``.dockyard/<name>``, the folder made when missing, both owned like the checkout.

    Run as root (sudo, CI) in a checkout that belongs to someone else, dockyard's own
    state still belongs to the checkout's owner, who can then change or remove it.
    """
    folder = settings.root / ".dockyard"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.touch(exist_ok=True)
    if os.geteuid() == 0:
        owner = settings.root.stat()
        for item in (folder, path):
            if (item.stat().st_uid, item.stat().st_gid) != (owner.st_uid, owner.st_gid):
                os.chown(item, owner.st_uid, owner.st_gid)
    return path


@dataclass(frozen=True)
class Step:
    """One command of a plan and why it runs."""

    argv: tuple[str, ...]
    why: str


@dataclass
class Plan:
    """What an operation will do: commands, build args and the variables they see."""

    operation: str
    environment: str
    env_file: Path
    steps: list[Step] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    variables: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    inputs: dict[str, str] | None = None  # recorded after a successful build
    wait: Waiting | None = None  # set when the plan starts services

    def lines(self) -> list[str]:
        """The plan as text, secrets masked."""
        out = [f"plan: {self.operation} ({self.environment}), env file {self.env_file}"]
        out += [f"  note: {note}" for note in self.notes]
        if self.build_args:
            args = " ".join(f"{k}={v}" for k, v in self.build_args.items())
            out.append(f"  build args: {args}")
        if self.wait is not None:
            out.append(
                f"  then wait up to {self.wait.timeout:g} s for every service to be healthy "
                f"(or running for {self.wait.settle:g} s)"
            )
        for i, step in enumerate(self.steps, 1):
            out.append(f"  {i}. {shlex.join(step.argv)}")
            out.append(f"     ({step.why})")
        if self.variables:
            out.append("  variables:")
            width = max(len(k) for k, _, _ in self.variables)
            out += [f"    {k.ljust(width)}  {v}  [{o}]" for k, v, o in self.variables]
        return out


@contextlib.contextmanager
def env_lock(settings: Settings, name: str, wait: float) -> Iterator[None]:
    """Hold ``.dockyard/<name>.lock``: concurrent runs on one environment take turns."""
    import fcntl

    path = state_file(settings, f"{name}.lock")
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PlanError(
                        f"{settings.relative(path)}: another dockyard run on "
                        f"{name!r} held the lock for {wait:g} s"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
