"""What one compose service is: image or build, user, volumes, env files, environment.

:func:`services_from_config` reads the JSON of ``docker compose config --format json``
(compose's own answer: profiles applied, overrides merged, paths resolved, variables
interpolated); :func:`dockyard.domain.composefiles.merge_files` is the fallback when
compose cannot answer. Env file lists, which compose folds into ``environment``, are
always read from the files (:func:`env_files_of`).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BuildInfo",
    "EnvFileRef",
    "Service",
    "Volume",
    "env_files_of",
    "ignore_file_for",
    "services_from_config",
]


@dataclass(frozen=True)
class Volume:
    """A service mount: ``bind`` (source an absolute host path), ``volume`` (source a
    name, or None for an anonymous volume), ``tmpfs``."""

    kind: str
    source: str | None
    target: str
    read_only: bool = False

    @property
    def anonymous(self) -> bool:
        """An unnamed volume (``- /app/.venv``): a fresh one for each container."""
        return self.kind == "volume" and not self.source


@dataclass(frozen=True)
class EnvFileRef:
    """An ``env_file`` entry: the absolute path, whether compose requires it, where."""

    path: Path
    required: bool
    file: Path
    line: int | None


@dataclass(frozen=True)
class BuildInfo:
    """How a service's image is built, and the ignore file BuildKit reads for it."""

    context: Path
    dockerfile: Path | None
    target: str | None
    args: Mapping[str, str]
    ignore_file: Path

    @property
    def stage_label(self) -> str:
        """The stage built: the ``target``, else the last stage."""
        return self.target or "(last stage)"


@dataclass(frozen=True)
class Service:
    """One service as compose will run it."""

    name: str
    image: str | None
    build: BuildInfo | None
    user: str | None
    volumes: tuple[Volume, ...]
    environment: Mapping[str, str | None]
    env_files: tuple[EnvFileRef, ...] = ()
    profiles: tuple[str, ...] = ()
    command: Any = None
    working_dir: str | None = None
    healthcheck: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def covering(self, path: str) -> Volume | None:
        """The innermost mount that holds container ``path`` (None: the image's own)."""
        best: Volume | None = None
        for volume in self.volumes:
            if _within(path, volume.target) and (
                best is None or len(volume.target) > len(best.target)
            ):
                best = volume
        return best


def ignore_file_for(dockerfile: Path | None, context: Path) -> Path:
    """The ignore file BuildKit reads: ``<Dockerfile>.dockerignore`` beside the
    Dockerfile when it exists, else ``<context>/.dockerignore`` (which may not exist)."""
    if dockerfile is not None:
        beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
        if beside.is_file():
            return beside
    return context / ".dockerignore"


def services_from_config(config: Mapping[str, Any]) -> dict[str, Service]:
    """Services of ``docker compose config --format json`` (absolute paths already)."""
    result: dict[str, Service] = {}
    for name, body in (config.get("services") or {}).items():
        if isinstance(body, Mapping):
            result[str(name)] = _service(str(name), body, None)
    return result


def _service(name: str, body: Mapping[str, Any], folder: Path | None) -> Service:
    build = _build(body.get("build"), folder)
    environment = _environment(body.get("environment"))
    health = body.get("healthcheck")
    return Service(
        name=name,
        image=str(body["image"]) if body.get("image") else None,
        build=build,
        user=str(body["user"]) if body.get("user") not in (None, "") else None,
        volumes=tuple(_volumes(body.get("volumes"), folder)),
        environment=environment,
        profiles=tuple(str(p) for p in body.get("profiles") or ()),
        command=body.get("command"),
        working_dir=str(body["working_dir"]) if body.get("working_dir") else None,
        healthcheck=health if isinstance(health, Mapping) else None,
        raw=body,
    )


def _build(raw: Any, folder: Path | None) -> BuildInfo | None:
    if raw is None:
        return None
    if not isinstance(raw, str | Mapping):
        return None
    spec: Mapping[str, Any] = {"context": raw} if isinstance(raw, str) else raw
    context = _host_path(str(spec.get("context") or "."), folder)
    dockerfile: Path | None = None
    if not spec.get("dockerfile_inline"):
        named = str(spec.get("dockerfile") or "Dockerfile")
        dockerfile = Path(os.path.normpath(context / named))
    args: dict[str, str] = {}
    raw_args = spec.get("args") or {}
    if isinstance(raw_args, Mapping):
        args = {str(k): str(v) for k, v in raw_args.items() if v is not None}
    else:
        for item in raw_args:
            key, sep, value = str(item).partition("=")
            if sep:
                args[key] = value
    target = spec.get("target")
    return BuildInfo(
        context,
        dockerfile,
        str(target) if target else None,
        args,
        ignore_file_for(dockerfile, context),
    )


def _host_path(value: str, folder: Path | None) -> Path:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (folder or Path.cwd()) / path
    return Path(os.path.normpath(path))


def _environment(raw: Any) -> dict[str, str | None]:
    if isinstance(raw, Mapping):
        return {str(k): None if v is None else str(v) for k, v in raw.items()}
    result: dict[str, str | None] = {}
    for item in raw or ():
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


def _volumes(raw: Any, folder: Path | None) -> list[Volume]:
    result: list[Volume] = []
    for item in raw or ():
        if isinstance(item, Mapping):
            kind = str(item.get("type") or "volume")
            source = item.get("source")
            source_text = str(source) if source else None
            if kind == "bind" and source_text:
                source_text = str(_host_path(source_text, folder))
            result.append(
                Volume(kind, source_text, str(item.get("target", "")), bool(item.get("read_only")))
            )
            continue
        parts = str(item).split(":")
        if len(parts) == 1:
            result.append(Volume("volume", None, parts[0]))
            continue
        source, target = parts[0], parts[1]
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        if source.startswith((".", "/", "~")):
            result.append(Volume("bind", str(_host_path(source, folder)), target, read_only))
        else:
            result.append(Volume("volume", source, target, read_only))
    return result


def _within(path: str, folder: str) -> bool:
    path, folder = posixpath.normpath(path), posixpath.normpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# ------------------------------------------------------------------ from the files


def env_files_of(
    files: Sequence[tuple[Path, Any]],
    service: str,
    display: Any,
    variables: Mapping[str, str] | None = None,
) -> tuple[EnvFileRef, ...]:
    """The ``env_file`` entries of ``service`` across ``files`` (``(path, data)``), in
    compose's order (later files add to earlier ones), with the line of each; names
    such as ``.env.${APP_ENV:-dev}`` interpolated with ``variables``."""
    refs: dict[Path, EnvFileRef] = {}
    for path, data in files:
        body = _service_body(data, service)
        if body is None:
            continue
        raw = body.get("env_file")
        entries = [raw] if isinstance(raw, str | Mapping) else list(raw or ())
        for index, entry in enumerate(entries):
            if isinstance(entry, Mapping):
                name = str(entry.get("path", ""))
                required = entry.get("required", True) is not False
            else:
                name, required = str(entry), True
            from dockyard.domain.composefiles import interpolate

            name = str(interpolate(name, variables or {}, set()))
            if not name:
                continue
            target = _host_path(name, path.parent)
            line = _line(raw, index) if not isinstance(raw, str) else _line(body, "env_file")
            refs[target] = EnvFileRef(target, required, display(path), line)
    return tuple(refs.values())


def _service_body(data: Any, service: str) -> Mapping[str, Any] | None:
    services = data.get("services") if isinstance(data, Mapping) else None
    body = services.get(service) if isinstance(services, Mapping) else None
    return body if isinstance(body, Mapping) else None


def _line(container: Any, key: Any) -> int | None:
    lc = getattr(container, "lc", None)
    try:
        if lc is None:
            return None
        return int(lc.item(key)[0] if isinstance(key, int) else lc.key(key)[0]) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
