"""Is a running environment up to date? Then ``up`` has nothing to do.

After a successful ``up``, :func:`record` writes ``.dockyard/<env>.up.json``: a key over
everything the stack was started from (the compose files, the env files and every
file the compose files load, the compose command line, the variables compose reads
from the process environment, the recorded build inputs' quick key, the engine),
and what the engine showed: each service's containers and the image id they run.

The next ``up`` asks :func:`current`: when the key is the same and the engine's
container list shows every recorded service's containers running (healthy where a
healthcheck says so) from the same image id, and the image name still points at that
id, ``compose up -d`` would change nothing, and ``up`` says so instead of running it.
Anything else (a container stopped, removed or unhealthy, an image rebuilt, a file
edited, options that ask compose for more) gives None, and compose runs as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.adapters.engine import Engine, ImageIds

if TYPE_CHECKING:
    from dockyard.adapters.compose import Compose
    from dockyard.domain.config import Environment, Settings
    from dockyard.domain.target import Target
    from dockyard.workflows.plans import Plan, Step

__all__ = [
    "UpRecord",
    "UpToDate",
    "current",
    "fingerprint",
    "loaded_files",
    "observe",
    "read_record",
    "record",
]

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
ONEOFF = "com.docker.compose.oneoff"
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_ENGINE_PREFIXES = ("COMPOSE_", "DOCKER_")


@dataclass(frozen=True)
class UpRecord:
    """What the last successful ``up`` was started from, and what the engine showed."""

    key: str
    loaded: tuple[str, ...]  # files the compose files load (env_file, include, extends)
    services: Mapping[str, Mapping[str, Any]]  # service -> containers, image, id, health

    def to_json(self) -> str:
        data = {"key": self.key, "loaded": list(self.loaded), "services": self.services}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def read_record(path: Path) -> UpRecord | None:
    """The record at ``path``; None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return UpRecord(
            str(data["key"]),
            tuple(str(p) for p in data["loaded"]),
            {str(k): dict(v) for k, v in data["services"].items()},
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
        if name.encode() in words or name.startswith(_ENGINE_PREFIXES):
            digest.update(f"{name}={compose_env[name]}\0".encode())
    digest.update("\0".join(["argv", *argv, "extra", *extra]).encode())
    return digest.hexdigest()


def loaded_files(
    compose_files: Sequence[Path], compose_env: Mapping[str, str]
) -> list[Path] | None:
    """Files the compose files load: ``env_file``, ``label_file``, ``include``, ``extends``.

    Followed through included and extended files. A relative path is taken from both
    the file's folder and the project folder (the first file's), whichever compose
    uses. None when a compose file cannot be read as YAML.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from dockyard.domain.composefiles import interpolate

    project = compose_files[0].parent if compose_files else Path()
    found: list[Path] = []
    queue = list(compose_files)
    read: set[Path] = set()
    while queue:
        path = queue.pop(0)
        if path in read:
            continue
        read.add(path)
        try:
            data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue  # its absence is in the key; compose reports it
        except (OSError, YAMLError, ValueError):
            return None
        for raw, composeish in _references(data):
            name = str(interpolate(raw, compose_env, set()))
            for folder in dict.fromkeys((path.parent, project)):
                target = Path(os.path.normpath(folder / name))  # an absolute name stays
                found.append(target)
                if composeish:
                    queue.append(target)
    return list(dict.fromkeys(found))


def _references(data: Any) -> list[tuple[str, bool]]:
    """``(path, is_compose_file)`` for every file reference of one compose file."""
    refs: list[tuple[str, bool]] = []
    if not isinstance(data, Mapping):
        return refs
    for item in _items(data.get("include")):
        if isinstance(item, Mapping):
            refs += [(p, True) for p in _names(item.get("path"))]
            refs += [(p, False) for p in _names(item.get("env_file"))]
        else:
            refs += [(p, True) for p in _names(item)]
    services = data.get("services")
    for body in services.values() if isinstance(services, Mapping) else ():
        if not isinstance(body, Mapping):
            continue
        for key in ("env_file", "label_file"):
            refs += [(p, False) for p in _names(body.get(key))]
        extends = body.get("extends")
        if isinstance(extends, Mapping) and extends.get("file"):
            refs.append((str(extends["file"]), True))
    return refs


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _names(value: Any) -> list[str]:
    """Paths of an ``env_file``-like value: a string, a list, entries with ``path``."""
    names: list[str] = []
    for item in _items(value):
        entry = item.get("path") if isinstance(item, Mapping) else item
        if isinstance(entry, str | list):
            names += [str(i) for i in _items(entry) if i]
    return names


def observe(engine: Engine, project: str) -> dict[str, list[dict[str, Any]]]:
    """The project's containers (one-off ones left out) by service, from one list call."""
    by_service: dict[str, list[dict[str, Any]]] = {}
    for summary in engine.containers([f"{PROJECT}={project}"], all=True):
        labels = summary.get("Labels") or {}
        if labels.get(ONEOFF) == "True":
            continue
        by_service.setdefault(str(labels.get(SERVICE, "?")), []).append(summary)
    return by_service


def record(key: str, loaded: Sequence[Path], seen: Mapping[str, list[dict[str, Any]]]) -> UpRecord:
    """The record of an ``up`` that succeeded, from the containers the engine lists now."""
    services: dict[str, dict[str, Any]] = {}
    for service, summaries in sorted(seen.items()):
        services[service] = {
            "containers": len(summaries),
            "image": str(summaries[0].get("Image") or ""),
            "image_id": str(summaries[0].get("ImageID") or ""),
            "healthy": all(_health(s) == "healthy" for s in summaries),
        }
    return UpRecord(key, tuple(str(p) for p in loaded), services)


def current(engine: Engine, project: str, last: UpRecord, key: str) -> list[str] | None:
    """Each service's state when nothing changed since ``last`` up; else None."""
    if key != last.key or not last.services or not isinstance(engine, ImageIds):
        return None
    seen = observe(engine, project)
    if set(seen) != set(last.services):
        return None  # a service gone (removed, or a container added by hand)
    lines: list[str] = []
    for service, summaries in sorted(seen.items()):
        was = last.services[service]
        health = {_health(s) for s in summaries}
        if (
            len(summaries) != was.get("containers")
            or any(s.get("State") != "running" for s in summaries)
            or health - {"healthy", None}  # unhealthy, or still starting
            or (was.get("healthy") and health != {"healthy"})
            or {str(s.get("ImageID")) for s in summaries} != {was.get("image_id")}
            or {str(s.get("Image")) for s in summaries} != {was.get("image")}
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
    connect: Callable[[], Engine]

    if TYPE_CHECKING:  # given by ``Stack``, which mixes this in

        def argv(self, *args: str, all_profiles: bool = False) -> tuple[str, ...]:
            """``compose <args>`` for this environment."""
            ...

        def target(self) -> Target:
            """The engine, the identity and the strategy."""
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
        step = self._plain_up(plan)
        last = read_record(self.up_path) if step is not None else None
        if step is None or last is None:
            return None
        key = self._up_key(step, [Path(p) for p in last.loaded])
        return current(self.connect(), self.env.project_name, last, key)

    def forget_up(self) -> None:
        """Drop the record: the stack is about to change."""
        self.up_path.unlink(missing_ok=True)

    def record_up(self, plan: Plan) -> None:
        """After ``plan`` started the stack and it came up: record what it came from."""
        from dockyard.workflows.plans import state_file

        step = next((s for s in plan.steps if self._is_up_step(s)), None)
        loaded = (
            None if step is None else loaded_files(self.compose.project.files, self.compose.env)
        )
        if step is None or loaded is None:
            self.forget_up()
            return
        seen = observe(self.connect(), self.env.project_name)
        made = record(self._up_key(step, loaded), loaded, seen)
        state_file(self.settings, self.up_path.name).write_text(made.to_json(), encoding="utf-8")

    def _is_up_step(self, step: Step) -> bool:
        prefix = self.argv("up", "-d")
        return step.argv[: len(prefix)] == prefix

    def _plain_up(self, plan: Plan) -> Step | None:
        if len(plan.steps) == 1 and plan.steps[0].argv == self.argv("up", "-d"):
            return plan.steps[0]
        return None

    def _up_key(self, step: Step, loaded: Sequence[Path]) -> str:
        from dockyard.domain.images import QUICK, read_inputs

        project = self.compose.project
        pairs = zip(step.argv, step.argv[1:], strict=False)
        named = [Path(b) for a, b in pairs if a == "-f"]  # the engine override too
        files = [*project.files, *named, *project.extra_env_files, project.env_file, *loaded]
        quick = (read_inputs(self.inputs_path) or {}).get(QUICK, "")
        engine = self.target().engine
        extra = [f"build {quick}", f"engine {engine.engine_id or engine.host}"]
        return fingerprint(files, step.argv, self.compose.env, extra)
