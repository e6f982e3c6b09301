"""Live checks against the running service: one exec of :data:`PROBE_SCRIPT` answers all.

The workflow runs the probe once (Docker SDK ``exec_run``, ``python3 -c``), adds what
only the host can see (the owner of the probe file on the host, the host venv's
packages, the engine kind), and hands the result to every check here as
:data:`~dockyard.domain.checks.context.LiveData`::

    {"uid": 1000, "gid": 1000, "user": "app",
     "workdir": {"path": "/app", "uid": 1000, "gid": 1000},
     "venv": "/opt/venv", "packages": {"redis": "5.0.1"},
     "env": {"KEY": "<sha256 of salt+value>" or None},
     "probe": {"created": true, "error": null},
     "mounts": [{"source": "/home/me/proj", "destination": "/app", "rw": true}],
     "host": {"uid": 1000, "gid": 1000, "probe_uid": 1000, "probe_gid": 1000,
              "packages": {...} or None, "venv": "/home/me/proj/.venv" or None,
              "ownership_applies": true, "ownership_note": "",
              "expected_env": {"KEY": ["<hash>", ...]}}}

Environment values never leave either side: the container returns salted hashes, the
host compares them with hashes of its own candidates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level

__all__ = ["CHECKS", "PROBE_SCRIPT", "dist_info_packages", "env_hash", "inside"]

CHECKS = CheckSet()

#: Runs in the container as ``python3 -c PROBE_SCRIPT JSON``; prints one JSON object.
PROBE_SCRIPT = r"""
import hashlib, json, os, pwd, sys
args = json.loads(sys.argv[1])
out = {"uid": os.getuid(), "gid": os.getgid()}
try:
    out["user"] = pwd.getpwuid(os.getuid()).pw_name
except KeyError:
    out["user"] = None
wd = args.get("workdir") or os.getcwd()
try:
    st = os.stat(wd)
    out["workdir"] = {"path": wd, "uid": st.st_uid, "gid": st.st_gid}
except OSError as e:
    out["workdir"] = {"path": wd, "error": e.strerror}
venv = os.environ.get("VIRTUAL_ENV") or (sys.prefix if sys.prefix != sys.base_prefix else None)
out["venv"] = venv
out["python"] = sys.executable
pk = {}
for d in sys.path:
    try:
        names = os.listdir(d or ".")
    except OSError:
        continue
    for n in names:
        if n.endswith(".dist-info"):
            name, _, version = n[:-10].partition("-")
            if version:
                pk.setdefault(name.lower().replace("_", "-").replace(".", "-"), version)
out["packages"] = pk
salt = args["salt"].encode()
out["env"] = {
    k: (hashlib.sha256(salt + os.environ[k].encode()).hexdigest() if k in os.environ else None)
    for k in args["keys"]
}
probe = {"created": False, "error": None}
if args.get("probe"):
    try:
        fd = os.open(args["probe"], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.close(fd)
        probe["created"] = True
    except OSError as e:
        probe["error"] = e.strerror
out["probe"] = probe
print(json.dumps(out))
"""


def dist_info_packages(folders: Iterable[str]) -> dict[str, str]:
    """Installed packages by ``*.dist-info`` folder name (``name-version``), as the probe
    reads them: no metadata file is opened, so both sides normalise names alike."""
    from pathlib import Path

    found: dict[str, str] = {}
    for folder in folders:
        try:
            names = [entry.name for entry in Path(folder or ".").iterdir()]
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                if version:
                    key = dist.lower().replace("_", "-").replace(".", "-")
                    found.setdefault(key, version)
    return found


def env_hash(salt: str, value: str) -> str:
    """The salted hash the probe computes for a value (never the value itself)."""
    return hashlib.sha256(salt.encode() + value.encode()).hexdigest()


def inside(path: str, folder: str) -> bool:
    """True when container path ``path`` is ``folder`` or below it."""
    p, f = PurePosixPath(path), PurePosixPath(folder)
    return p == f or f in p.parents


def _host(data: Mapping[str, Any]) -> Mapping[str, Any]:
    host = data.get("host")
    return host if isinstance(host, Mapping) else {}


# Installer tooling that venv creation seeds at its own version: not the project's packages.
_INSTALLERS = frozenset({"pip", "setuptools", "wheel", "distribute"})


def _ownership(data: Mapping[str, Any]) -> Mapping[str, Any]:
    host = _host(data)
    if not host.get("ownership_applies", True):
        raise SkipCheck(str(host.get("ownership_note") or "ownership does not map 1:1 here"))
    return host


@CHECKS.check(
    "LV001",
    "The service's container does not run as root",
    Level.ERROR,
    hint="build the image with a non-root USER (see DF001) and recreate the container",
    kind="live",
)
def container_not_root(ctx: CheckContext) -> Iterator[Hit]:
    """The running container's user is not uid 0."""
    data = ctx.live_data()
    if data["uid"] == 0 and _host(data).get("container_root_is_host_user"):
        raise SkipCheck(
            "container root is the unprivileged host user on this engine (rootless: the "
            "dev override runs the service as root); an image built this way must not ship"
        )
    if data["uid"] == 0:
        yield Hit(f"the container runs as root (uid 0, user {data.get('user') or 'unknown'})")


@CHECKS.check(
    "LV002",
    "The container user has the host's uid and gid",
    Level.ERROR,
    hint="rebuild with HOST_UID/HOST_GID of this host (`dockyard dev.rebuild`)",
    kind="live",
)
def ids_match_host(ctx: CheckContext) -> Iterator[Hit]:
    """uid/gid in the container equal the host ids dockyard builds for."""
    data = ctx.live_data()
    host = _ownership(data)
    if (data["uid"], data["gid"]) != (host["uid"], host["gid"]):
        yield Hit(
            f"container runs as {data['uid']}:{data['gid']}, the host ids are "
            f"{host['uid']}:{host['gid']}"
        )


@CHECKS.check(
    "LV003",
    "A file created in the bind mount belongs to the host user",
    Level.ERROR,
    hint="run the container as HOST_UID:HOST_GID so files it writes are yours",
    kind="live",
)
def bind_mount_owner(ctx: CheckContext) -> Iterator[Hit]:
    """The probe creates a file in the project's bind mount; its host owner is you."""
    data = ctx.live_data()
    host = _ownership(data)
    probe = data.get("probe") or {}
    if host.get("probe_skip"):
        raise SkipCheck(str(host["probe_skip"]))
    if not probe.get("created"):
        owner = host.get("mount_owner")
        why = ""
        hint = None
        if owner and owner[0] != host.get("uid"):
            why = (
                f"; the mounted folder is owned by uid {owner[0]} on the host, "
                f"not by the host user {host.get('uid')}"
            )
            hint = (
                "run dockyard as the user who owns the checkout (as root, sudo sets SUDO_UID), "
                "or give the folder to that user"
            )
        yield Hit(
            "the container user cannot create a file in the bind mount "
            f"({probe.get('error') or 'unknown error'}){why}",
            hint=hint,
        )
        return
    if host.get("probe_uid") is None:
        raise SkipCheck("the probe file is not visible on this host (remote engine?)")
    got = (host["probe_uid"], host["probe_gid"])
    if got != (host["uid"], host["gid"]):
        yield Hit(
            f"a file the container created is owned by {got[0]}:{got[1]} on the host, "
            f"not {host['uid']}:{host['gid']}"
        )


@CHECKS.check(
    "LV004",
    "The working directory belongs to the container user",
    Level.WARNING,
    hint="COPY --chown=app:app and `RUN chown app:app /app` in the Dockerfile",
    kind="live",
)
def workdir_owner(ctx: CheckContext) -> Iterator[Hit]:
    """The container's working directory (``/app``) is owned by its user."""
    data = ctx.live_data()
    workdir = data.get("workdir") or {}
    if "error" in workdir:
        yield Hit(f"{workdir.get('path')}: {workdir['error']}")
    elif workdir.get("uid") != data["uid"]:
        yield Hit(
            f"{workdir.get('path')} is owned by {workdir.get('uid')}:{workdir.get('gid')}, "
            f"the container user is {data['uid']}:{data['gid']}"
        )


@CHECKS.check(
    "LV005",
    "The container's venv lives outside every bind mount",
    Level.ERROR,
    hint="put the venv at /opt/venv (UV_PROJECT_ENVIRONMENT or Poetry's virtualenvs.path)",
    kind="live",
)
def venv_location(ctx: CheckContext) -> Iterator[Hit]:
    """The venv the container's python3 runs in is not inside a bind mount."""
    data = ctx.live_data()
    venv = data.get("venv")
    if not venv:
        yield Hit(
            "python3 in the container runs outside any venv",
            level=Level.WARNING,
            hint="create the venv at /opt/venv and put its bin/ first on PATH",
        )
        return
    for mount in data.get("mounts") or []:
        if inside(venv, mount["destination"]):
            yield Hit(
                f"the venv {venv} is inside the bind mount of {mount['destination']}: "
                "the host sees (and breaks) it"
            )
            return
    if venv != ctx.settings.venv_path:
        yield Hit(
            f"the venv is at {venv}, the configured venv_path is {ctx.settings.venv_path}",
            level=Level.NOTE,
            hint="set venv_path in [tool.dockyard] or move the venv",
        )


@CHECKS.check(
    "LV006",
    "Package versions are equal in the host venv and the container",
    Level.WARNING,
    hint="sync both from the lock file (`uv sync --frozen`; rebuild the image)",
    kind="live",
)
def package_versions(ctx: CheckContext) -> Iterator[Hit]:
    """Every package installed on both sides has the same version."""
    data = ctx.live_data()
    host = _host(data)
    mine = host.get("packages")
    if mine is None:
        raise SkipCheck(
            "no host venv found (activate it, set VIRTUAL_ENV, or create .venv at the root)"
        )
    theirs: Mapping[str, str] = data.get("packages") or {}
    for name in sorted((set(mine) & set(theirs)) - _INSTALLERS):
        if mine[name] != theirs[name]:
            yield Hit(f"{name}: host {mine[name]}, container {theirs[name]}")


@CHECKS.check(
    "LV007",
    "The env file's variables are set in the container",
    Level.ERROR,
    hint="list the env file under the service's `env_file:` and recreate the container",
    kind="live",
)
def env_loaded(ctx: CheckContext) -> Iterator[Hit]:
    """Each variable of the env file is set in the container, to the same value (by hash)."""
    data = ctx.live_data()
    expected: Mapping[str, list[str]] = _host(data).get("expected_env") or {}
    if not expected:
        raise SkipCheck(f"{ctx.rel(ctx.env.env_file)} not found or empty")
    got: Mapping[str, str | None] = data.get("env") or {}
    for key in sorted(expected):
        value = got.get(key)
        if value is None:
            yield Hit(f"{key} is not set in the container", ctx.rel(ctx.env.env_file))
        elif value not in expected[key]:
            yield Hit(
                f"{key} differs from the env file (compared by hash, values not shown)",
                ctx.rel(ctx.env.env_file),
                level=Level.WARNING,
            )
