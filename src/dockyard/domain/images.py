"""Image labels and staleness: was this image built from what the repository says now?

Images built by dockyard carry three labels (set from build args by the Dockerfile
template): the host uid and gid and a hash of the lock file. Everything else that
decides an image (the Dockerfile and its ignore file, the compose ``build:`` section
with its args and target, the build args dockyard adds) is summed up by
:func:`build_inputs` and recorded under ``.dockyard/`` after each build. Before ``up``,
dockyard compares both with what it would build now and rebuilds a stale image instead
of starting it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ARGS_IN_COMPOSE",
    "LABEL_GID",
    "LABEL_LOCK",
    "LABEL_UID",
    "LOCK_FILES",
    "Expected",
    "Staleness",
    "args_in_compose",
    "build_inputs",
    "changed_inputs",
    "lock_hash",
    "quick_key",
    "read_inputs",
    "staleness",
    "write_inputs",
]

LABEL_UID = "dev.dockyard.host-uid"
LABEL_GID = "dev.dockyard.host-gid"
LABEL_LOCK = "dev.dockyard.lock-hash"

#: Keys of a record that are bookkeeping, not inputs: the files read, the quick key.
FILES = "_files"
QUICK = "_quick"
#: "yes" when compose's own config passes dockyard's build args to every build: then
#: ``up --build`` builds what ``build --build-arg ...`` would (one compose process fewer).
ARGS_IN_COMPOSE = "_build args in compose"
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")

#: Files whose content decides the dependency layer, in order of preference.
LOCK_FILES = ("uv.lock", "poetry.lock", "requirements.txt", "pyproject.toml")
#: Locks of projects below the root (a ``requirements.txt`` there may be the docs').
_NESTED_LOCKS = ("uv.lock", "poetry.lock")
_SKIPPED = frozenset({"node_modules", "venv", "env", "site-packages", "build", "dist"})


@dataclass(frozen=True)
class Expected:
    """What an up-to-date image must have been built for."""

    uid: int
    gid: int
    lock_hash: str

    def build_args(self) -> dict[str, str]:
        """The build args that produce these labels."""
        return {"HOST_UID": str(self.uid), "HOST_GID": str(self.gid), "LOCK_HASH": self.lock_hash}


@dataclass(frozen=True)
class Staleness:
    """Why an image must be (re)built; empty ``reasons`` means it is current."""

    reasons: tuple[str, ...]

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


def lock_hash(root: Path) -> str:
    """sha256 (16 hex) of the first lock file found in ``root``; where the root has none,
    of the uv or Poetry locks of the projects one or two folders down (``backend/``,
    ``services/api/``): one names itself, several are hashed together; ``none`` if none.
    """
    for name in LOCK_FILES:
        path = root / name
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            return f"{name}:{digest}"
    nested = sorted(
        path
        for pattern in ("*/", "*/*/")
        for name in _NESTED_LOCKS
        for path in root.glob(pattern + name)
        if path.is_file()
        and not _SKIPPED.intersection(path.relative_to(root).parts[:-1])
        and not any(part.startswith(".") for part in path.relative_to(root).parts[:-1])
    )
    parts = [
        f"{path.relative_to(root).as_posix()}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
        for path in nested
    ]
    if not parts:
        return "none"
    if len(parts) == 1:
        return parts[0]
    return "locks:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def staleness(labels: Mapping[str, str] | None, expected: Expected) -> Staleness:
    """Compare an image's labels with ``expected``; ``None`` labels = no image."""
    if labels is None:
        return Staleness(("no image built yet",))
    reasons: list[str] = []
    uid, gid = labels.get(LABEL_UID), labels.get(LABEL_GID)
    if uid is None or gid is None:
        reasons.append("image has no dockyard uid/gid labels (not built by dockyard's Dockerfile)")
    elif (uid, gid) != (str(expected.uid), str(expected.gid)):
        reasons.append(
            f"built for uid:gid {uid}:{gid}, this host needs {expected.uid}:{expected.gid}"
        )
    lock = labels.get(LABEL_LOCK)
    if lock is not None and lock != expected.lock_hash:
        reasons.append(f"built for lock {lock}, the lock is now {expected.lock_hash}")
    return Staleness(tuple(reasons))


def build_inputs(config: Mapping[str, Any], build_args: Mapping[str, str]) -> dict[str, str]:
    """A digest of every input that decides the images of a resolved compose config.

    ``config`` is what ``compose config`` prints (contexts are absolute there). Keys
    name the input (``app: docker/Dockerfile``) so a change can be reported by name.
    """
    inputs: dict[str, str] = {"dockyard build args": _digest(json.dumps(dict(build_args)))}
    files: list[str] = []
    services = config.get("services") or {}
    for name in sorted(services):
        build = (services[name] or {}).get("build")
        if not isinstance(build, Mapping):
            continue
        inputs[f"{name}: compose build section (context, args, target)"] = _digest(
            json.dumps(build, sort_keys=True, default=str)
        )
        context = Path(str(build.get("context") or "."))
        dockerfile = context / str(build.get("dockerfile") or "Dockerfile")
        ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if not ignore.is_file():
            ignore = context / ".dockerignore"
        for path in (dockerfile, ignore):
            label = _display(path, context)
            inputs[f"{name}: {label}"] = _file_digest(path)
            files.append(str(path))
    inputs[FILES] = "\n".join(sorted(set(files)))
    inputs[ARGS_IN_COMPOSE] = "yes" if args_in_compose(config, build_args) else "no"
    return inputs


def args_in_compose(config: Mapping[str, Any], build_args: Mapping[str, str]) -> bool:
    """Does every service that builds get ``build_args`` from the compose files alone?

    ``config`` is what ``compose config`` prints, interpolated with the variables
    compose is run with (``args: {LOCK_HASH: ${LOCK_HASH:-none}}`` reads dockyard's).
    False when nothing builds.

    >>> args_in_compose({"services": {"app": {"build": {"args": {"A": "1"}}}}}, {"A": "1"})
    True
    >>> args_in_compose({"services": {"app": {"build": {"args": {"A": "2"}}}}}, {"A": "1"})
    False
    """
    services = config.get("services") or {}
    specs = [spec for spec in services.values() if isinstance(spec, Mapping)]
    builds = [spec["build"] for spec in specs if isinstance(spec.get("build"), Mapping)]
    if not builds:
        return False
    for build in builds:
        args = build.get("args")
        if not isinstance(args, Mapping):
            return False
        if any(str(args.get(key)) != value for key, value in build_args.items()):
            return False
    return True


def quick_key(
    paths: Sequence[Path], compose_env: Mapping[str, str], extra: Sequence[str] = ()
) -> str:
    """A cheap key over the raw sources of :func:`build_inputs`: files and variables.

    When it equals the key recorded with the last inputs, nothing that ``compose
    config`` would resolve can have changed, so ``up`` on a running environment costs
    no ``compose config`` call. The variables are those the files mention (``${VAR}``),
    with the values compose would interpolate from the process environment.
    """
    digest = hashlib.sha256()
    names: set[str] = set()
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0missing"
        digest.update(str(path).encode() + b"\0" + data + b"\0")
        names.update(_VARIABLE.findall(data.decode("utf-8", "replace")))
    for name in sorted(names):
        digest.update(f"{name}={compose_env.get(name)}\0".encode())
    digest.update("\0".join(extra).encode())
    return digest.hexdigest()[:16]


def changed_inputs(recorded: Mapping[str, str] | None, current: Mapping[str, str]) -> list[str]:
    """Why the recorded build inputs differ from ``current`` (empty when they match)."""
    if recorded is None:
        return ["no record of the inputs the image was built from"]
    mine = [key for key in current if not key.startswith("_")]
    return [
        f"{key} changed since the last build" for key in mine if recorded.get(key) != current[key]
    ] + [
        f"{key} is gone since the last build"
        for key in recorded
        if key not in current and not key.startswith("_")
    ]


def read_inputs(path: Path) -> dict[str, str] | None:
    """The build inputs recorded at ``path`` (None when absent or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): str(v) for k, v in data.items()}


def write_inputs(path: Path, inputs: Mapping[str, str]) -> None:
    """Record ``inputs`` at ``path`` (an existing file: its owner and mode are kept)."""
    path.write_text(json.dumps(dict(inputs), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


def _display(path: Path, context: Path) -> str:
    try:
        return str(path.relative_to(context))
    except ValueError:
        return str(path)
