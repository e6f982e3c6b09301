"""Is a running environment up to date? Then ``up`` has nothing to do.

After a successful ``up``, :meth:`UpToDate.record_up` writes ``.dockyard/<env>.up.json``:
a key over everything the stack was started from (the compose files, the env files and
every file the compose files load, the compose command line, the variables compose
reads from the process environment), and what the engine showed: each service's
containers (their ids) and the image id they run. The image itself is judged apart:
by the build inputs' quick key, the main service's labels and the image ids.

The next ``up`` asks :func:`current`: when the key is the same and the engine's
container list shows the very same containers running (healthy where a healthcheck
says so) from the same image id, built for this host's uid, gid and lock, and each
image name still points at that id, ``compose up -d`` would change nothing, and ``up``
says so instead of running it. Anything else (a container stopped, removed, recreated
or unhealthy, an image rebuilt, a file edited, options that ask compose for more)
gives None, and compose runs as before.

:meth:`UpToDate.known_up_to_date` asks before any plan is made, so that an unchanged
stack costs no engine classification (``/info``, ``/version``): the same containers
(ids are unique) on the same endpoint mean the same engine, whose notes were recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.adapters.engine import Engine, ImageIds

if TYPE_CHECKING:
    from dockyard.adapters.compose import Compose
    from dockyard.domain.config import Environment, Settings
    from dockyard.domain.images import Expected
    from dockyard.workflows.plans import Plan, Step

__all__ = ["UpRecord", "UpToDate", "current", "fingerprint", "observe", "read_record"]

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
ONEOFF = "com.docker.compose.oneoff"
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_ENGINE_PREFIXES = ("COMPOSE_", "DOCKER_")


@dataclass(frozen=True)
class UpRecord:
    """What the last successful ``up`` was started from, and what the engine showed."""

    key: str
    argv: tuple[str, ...]  # the compose command that started it
    loaded: tuple[str, ...]  # files the compose files load (env_file, include, extends)
    services: Mapping[str, Mapping[str, Any]]  # service -> container ids, image, id, health
    notes: tuple[str, ...] = field(default=())  # what the engine meant for it

    def to_json(self) -> str:
        data = {
            "key": self.key,
            "argv": list(self.argv),
            "loaded": list(self.loaded),
            "services": self.services,
            "notes": list(self.notes),
        }
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def read_record(path: Path) -> UpRecord | None:
    """The record at ``path``; None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return UpRecord(
            str(data["key"]),
            tuple(str(a) for a in data["argv"]),
            tuple(str(p) for p in data["loaded"]),
            {str(k): dict(v) for k, v in data["services"].items()},
            tuple(str(n) for n in data.get("notes") or ()),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def fingerprint(
    files: Iterable[Path], argv: Sequence[str], compose_env: Mapping[str, str], extra: Sequence[str]
) -> str:
    """A key over ``files``' contents, the compose ``argv``, the variables compose reads.

    The variables are those of ``compose_env`` whose name appears in one of the files
    (``${VAR}``, ``environment: [VAR]``, a key of an env file the process overrides),
    and every ``COMPOSE_*``/``DOCKER_*`` one.
    """
    digest = hashlib.sha256()
    words: set[bytes] = set()
    for path in sorted(set(files)):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0missing"
        digest.update(str(path).encode() + b"\0" + hashlib.sha256(data).digest())
        words.update(_WORD.findall(data))
    for name in sorted(compose_env):
        if name == "_":  # the shell's last word: which program started dockyard
            continue
        if name.encode() in words or name.startswith(_ENGINE_PREFIXES):
            digest.update(f"{name}={compose_env[name]}\0".encode())
    digest.update("\0".join(["argv", *argv, "extra", *extra]).encode())
    return digest.hexdigest()


def observe(engine: Engine, project: str) -> dict[str, list[dict[str, Any]]]:
    """The project's containers (one-off ones left out) by service, from one list call."""
    by_service: dict[str, list[dict[str, Any]]] = {}
    for summary in engine.containers([f"{PROJECT}={project}"], all=True):
        labels = summary.get("Labels") or {}
        if labels.get(ONEOFF) == "True":
            continue
        by_service.setdefault(str(labels.get(SERVICE, "?")), []).append(summary)
    return by_service


def _services(seen: Mapping[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {
        service: {
            "containers": sorted(str(s.get("Id")) for s in summaries),
            "image": str(summaries[0].get("Image") or ""),
            "image_id": str(summaries[0].get("ImageID") or ""),
            "healthy": all(_health(s) == "healthy" for s in summaries),
        }
        for service, summaries in sorted(seen.items())
    }


def current(
    engine: Engine,
    project: str,
    last: UpRecord,
    key: str,
    fresh: Callable[[str, Mapping[str, str]], bool],
) -> list[str] | None:
    """Each service's state when nothing changed since ``last`` up; else None.

    ``fresh(service, labels)`` tells whether a container's labels (its image's: for
    the main service, dockyard's uid, gid and lock hash) are those of a current image.
    """
    if key != last.key or not last.services or not isinstance(engine, ImageIds):
        return None
    seen = observe(engine, project)
    if set(seen) != set(last.services):
        return None  # a service gone (removed), or one more
    lines: list[str] = []
    for service, summaries in sorted(seen.items()):
        was = last.services[service]
        health = {_health(s) for s in summaries}
        if (
            sorted(str(s.get("Id")) for s in summaries) != was.get("containers")
            or any(s.get("State") != "running" for s in summaries)
            or health - {"healthy", None}  # unhealthy, or still starting
            or (was.get("healthy") and health != {"healthy"})
            or {str(s.get("ImageID")) for s in summaries} != {was.get("image_id")}
            or {str(s.get("Image")) for s in summaries} != {was.get("image")}
            or not all(fresh(service, s.get("Labels") or {}) for s in summaries)
        ):
            return None
        lines.append(f"{service}: running" + (" (healthy)" if health == {"healthy"} else ""))
    images = {str(was.get("image")): str(was.get("image_id")) for was in last.services.values()}
    for name, image_id in images.items():
        if name.startswith("sha256:") or engine.image_id(name) != image_id:
            return None  # the name now points at another image: compose would recreate
    return lines


def _health(summary: Mapping[str, Any]) -> str | None:
    """``healthy``, ``unhealthy``, ``starting`` or None, from the list's status words."""
    status = str(summary.get("Status") or "")
    if "(healthy)" in status:
        return "healthy"
    if "(unhealthy)" in status:
        return "unhealthy"
    if "(health: starting)" in status:
        return "starting"
    return None


class UpToDate:
    """``up`` on a stack where nothing changed (mixed into ``Stack``)."""

    settings: Settings
    env: Environment
    compose: Compose
    expected: Expected
    connect: Callable[[], Engine]

    if TYPE_CHECKING:  # given by ``Stack``, which mixes this in

        def argv(self, *args: str, all_profiles: bool = False) -> tuple[str, ...]:
            """``compose <args>`` for this environment."""
            ...

        def profile_flags(self, all_profiles: bool = False) -> tuple[str, ...]:
            """``--profile`` flags of the chosen profiles."""
            ...

        def ownership_note(self) -> str:
            """Why uid matching does not apply on this engine, or ''."""
            ...

        def _quick_key(self, record: Mapping[str, str]) -> str:
            """The quick key of the build inputs' raw sources."""
            ...

        def _record(self, inputs: Mapping[str, str]) -> None:
            """Record the build inputs."""
            ...

        def lock(self) -> contextlib.AbstractContextManager[None]:
            """Hold the environment's lock."""
            ...

        @property
        def inputs_path(self) -> Path:
            """Where the inputs of the last build are recorded."""
            ...

    @property
    def up_path(self) -> Path:
        """Where what the last successful ``up`` was started from is recorded."""
        return self.settings.root / ".dockyard" / f"{self.env.name}.up.json"

    def up_to_date(self, plan: Plan) -> list[str] | None:
        """Each service's state when ``plan`` is a plain ``up`` that would change nothing.

        None (run compose) for a plan that builds, passes words to compose, or meets a
        stack that is not exactly as the last successful ``up`` left it.
        """
        last = read_record(self.up_path)
        plain = len(plan.steps) == 1 and plan.steps[0].argv == self.argv("up", "-d")
        if last is None or not plain or plan.steps[0].argv != last.argv:
            return None
        lines = self._current(last)
        if lines is not None and plan.inputs is not None:
            with self.lock():  # as a run would: the inputs it found equal, with a fresh key
                self._record(plan.inputs)
        return lines

    def known_up_to_date(self) -> tuple[list[str], list[str]] | None:
        """Before any plan: the recorded notes and each service's state when a plain
        ``up`` would change nothing; None when that takes a plan to tell.

        The build inputs must be current by their quick key, and the command the one
        the last ``up`` ran (with the engine override it wrote, if any).
        """
        from dockyard.domain.images import QUICK, read_inputs
        from dockyard.workflows.target import override_path

        last = read_record(self.up_path)
        if last is None:
            return None
        override = override_path(self.settings.root, self.env.name)
        commands = [self.argv("up", "-d")]
        if override.is_file():
            flags = ("-f", str(override), *self.profile_flags())
            commands.append(self.compose.argv(*flags, "up", "-d"))
        inputs = read_inputs(self.inputs_path)
        if (
            last.argv not in commands
            or inputs is None
            or inputs.get(QUICK) != self._quick_key(inputs)
        ):
            return None
        lines = self._current(last)
        return None if lines is None else (list(last.notes), lines)

    def forget_up(self) -> None:
        """Drop the record: the stack is about to change."""
        self.up_path.unlink(missing_ok=True)

    def record_up(self, plan: Plan) -> None:
        """After ``plan`` started the stack and it came up: record what it came from."""
        from dockyard.domain.composerefs import loaded_files
        from dockyard.workflows.plans import state_file

        step = next((s for s in plan.steps if self._is_up_step(s)), None)
        project = self.compose.project
        loaded = None if step is None else loaded_files(project.files, self.compose.env)
        if step is None or loaded is None:
            self.forget_up()
            return
        seen = observe(self.connect(), self.env.project_name)
        notes = [n for n in plan.notes if n.startswith(("engine", "warning"))]
        if self.ownership_note():
            notes.append(f"note: {self.ownership_note()}")
        made = UpRecord(
            self._up_key(step.argv, loaded),
            step.argv,
            tuple(str(p) for p in loaded),
            _services(seen),
            tuple(notes),
        )
        state_file(self.settings, self.up_path.name).write_text(made.to_json(), encoding="utf-8")

    def _is_up_step(self, step: Step) -> bool:
        prefix = self.argv("up", "-d")
        return step.argv[: len(prefix)] == prefix

    def _current(self, last: UpRecord) -> list[str] | None:
        from dockyard.domain.images import staleness

        def fresh(service: str, labels: Mapping[str, str]) -> bool:
            # as up's plan judges it: the main service's image, by its labels
            return service != self.env.service or not staleness(labels, self.expected).stale

        key = self._up_key(last.argv, [Path(p) for p in last.loaded])
        return current(self.connect(), self.env.project_name, last, key, fresh)

    def _up_key(self, argv: Sequence[str], loaded: Sequence[Path]) -> str:
        """The files, command and variables; the image is judged apart (quick key, ids)."""
        project = self.compose.project
        named = [Path(b) for a, b in pairwise(argv) if a == "-f"]  # the engine override too
        files = [*project.files, *named, *project.extra_env_files, project.env_file, *loaded]
        return fingerprint(files, argv, self.compose.env, [])
