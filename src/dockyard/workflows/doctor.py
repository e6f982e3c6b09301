"""``doctor``: what engine this is, what dockyard will do about ownership, and the traps.

It resolves the command's target (engine kind and versions, the identity rule, the
strategy and why, the ownership probe), asks compose and BuildKit what they are, and
looks for the pitfalls: ``${UID}`` in compose files, a root host, a repository on a
slow or foreign filesystem, a remote engine with bind mounts of the checkout.

Exit codes: 0 usable, 1 findings, 2 no engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.adapters.engine import Engine, connect, endpoint
from dockyard.adapters.runner import Runner
from dockyard.domain.config import Settings
from dockyard.domain.identity import host_ids
from dockyard.domain.target import Target
from dockyard.errors import DockyardError, EngineError
from dockyard.workflows.target import resolve_target

__all__ = ["Diagnosis", "diagnose", "foreign_filesystem", "uid_references"]

EXIT_USABLE, EXIT_FINDINGS, EXIT_NO_ENGINE = 0, 1, 2
_UID_REF = re.compile(r"\$\{?UID\b")
# filesystems where ownership is emulated, slow through a VM, or not this machine's
FOREIGN_FS = {
    "9p": "a 9p share (WSL's /mnt drives, VM shares): slow, ownership emulated",
    "drvfs": "a Windows drive under WSL: slow, ownership emulated",
    "vboxsf": "a VirtualBox shared folder: ownership emulated",
    "nfs": "NFS: root squashing and uid mismatches across machines",
    "nfs4": "NFS: root squashing and uid mismatches across machines",
    "cifs": "an SMB share: ownership fixed at mount time",
    "smb3": "an SMB share: ownership fixed at mount time",
    "fuse.sshfs": "sshfs: another machine's files",
    "fakeowner": "Docker Desktop's file sharing: ownership emulated",
}


@dataclass
class Diagnosis:
    """Everything ``doctor`` found; :attr:`exit_code` follows from it."""

    target: Target | None
    host: str
    host_source: str
    docker_host: str | None
    context: str | None
    compose: dict[str, str] = field(default_factory=dict)
    buildkit: dict[str, str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def exit_code(self) -> int:
        """0 usable, 1 findings, 2 no engine."""
        if self.target is None:
            return EXIT_NO_ENGINE
        return EXIT_FINDINGS if self.findings else EXIT_USABLE

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--format json``."""
        data: dict[str, Any] = {
            "exit_code": self.exit_code,
            "endpoint": {
                "host": self.host,
                "source": self.host_source,
                "DOCKER_HOST": self.docker_host,
                "context": self.context,
            },
            "compose": self.compose,
            "buildkit": self.buildkit,
            "findings": list(self.findings),
        }
        if self.target is not None:
            data.update({k: v for k, v in self.target.as_dict().items() if k != "compose"})
            data["remote"] = self.target.engine.remote
        else:
            data["error"] = self.error
        return data

    def lines(self) -> list[str]:
        """The text report."""
        out = [f"endpoint: {self.host} ({self.host_source})"]
        if self.target is None:
            return [*out, f"engine: none: {self.error}"]
        t = self.target
        e = t.engine
        remote = " (remote: it does not see this machine's files)" if e.remote else ""
        out += [
            (
                f"engine: {e.kind}{remote}, server {e.server_version}, "
                f"API {e.api_version}, {e.operating_system or 'unknown OS'}"
            ),
            f"  told by: {'; '.join(e.evidence) or 'nothing special'}",
            "compose: " + (", ".join(f"{k} {v}" for k, v in self.compose.items()) or "not found"),
            "buildkit: " + ", ".join(f"{k}: {v}" for k, v in self.buildkit.items()),
            f"identity: uid:gid {t.ids.uid}:{t.ids.gid} ({t.ids.origin})",
            f"strategy: {t.strategy}: {t.reason}",
            f"probe: {t.probe or 'not run'}",
        ]
        if t.ownership_note:
            out.append(f"ownership checks: SKIP ({t.ownership_note})")
        out += [f"finding: {item}" for item in self.findings]
        out.append("usable" if not self.findings else f"{len(self.findings)} finding(s)")
        return out


def diagnose(
    settings: Settings | None,
    root: Path,
    runner: Runner,
    environ: Mapping[str, str],
    *,
    engine: Engine | None = None,
    probe: bool = True,
    uid: int | None = None,
) -> Diagnosis:
    """Resolve the target and look for the pitfalls around it."""
    where = endpoint(environ)
    diagnosis = Diagnosis(None, where.host, where.source, environ.get("DOCKER_HOST"), where.context)
    diagnosis.compose = _compose(runner, environ)
    diagnosis.buildkit = _buildkit(environ)
    try:
        engine = engine or connect(environ, timeout=30)
    except EngineError as exc:
        diagnosis.error = str(exc)
        return diagnosis
    ids = host_ids(
        environ,
        root=root,
        default_uid=settings.default_uid if settings else 1000,
        default_gid=settings.default_gid if settings else 1000,
        uid=uid,
    )
    images = [
        environ.get("DOCKYARD_PROBE_IMAGE"),
        settings.helper_image if settings else None,
    ]
    try:
        diagnosis.target = resolve_target(
            engine,
            ids,
            environ,
            compose=" ".join(f"{k} {v}" for k, v in diagnosis.compose.items()),
            probe_images=images,
            probe=probe,
        )
    except EngineError as exc:
        diagnosis.error = str(exc)
        return diagnosis
    finally:
        engine.close()
    diagnosis.findings = _findings(
        diagnosis.target, settings, root, os.getuid() if uid is None else uid
    )
    return diagnosis


def _compose(runner: Runner, environ: Mapping[str, str]) -> dict[str, str]:
    from dockyard.adapters.compose import detect_compose

    try:
        command = detect_compose(runner, environ)
        done = runner.run([*command, "version", "--short"], env=environ, timeout=30.0, check=False)
    except DockyardError:
        return {}
    variant = "v2 plugin (docker compose)" if command == ("docker", "compose") else "v1 binary"
    return {"variant": variant, "version": done.stdout.strip() or "unknown"}


def _buildkit(environ: Mapping[str, str]) -> dict[str, str]:
    import shutil

    flag = environ.get("DOCKER_BUILDKIT")
    plugin_dirs = [Path(environ.get("HOME", "~")).expanduser() / ".docker/cli-plugins"]
    plugin_dirs += [
        Path(d)
        for d in (
            "/usr/libexec/docker/cli-plugins",
            "/usr/lib/docker/cli-plugins",
            "/usr/local/lib/docker/cli-plugins",
        )
    ]
    buildx = any((d / "docker-buildx").is_file() for d in plugin_dirs) or bool(
        shutil.which("docker-buildx", path=environ.get("PATH", ""))
    )
    return {
        "compose builds": "off (DOCKER_BUILDKIT=0)"
        if flag == "0"
        else "through the engine's BuildKit",
        "buildx": "installed" if buildx else "absent (compose still builds with BuildKit)",
    }


def uid_references(files: list[Path]) -> list[str]:
    """``file:line`` of every ``$UID``/``${UID}`` in ``files`` (compose never sees UID)."""
    found: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if _UID_REF.search(line.split("#", 1)[0]):
                found.append(f"{path.name}:{number}")
    return found


def foreign_filesystem(root: Path, mountinfo: str | None = None) -> tuple[str, str] | None:
    """The filesystem type of ``root`` and why it is a trap, when it is one."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
        except OSError:
            return None
    best: tuple[int, str] = (-1, "")
    target = str(root.resolve())
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or not rest:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best[0]:
            best = (len(point), rest[0])
    kind = best[1]
    reason = FOREIGN_FS.get(kind)
    return (kind, reason) if reason else None


def _findings(target: Target, settings: Settings | None, root: Path, uid: int) -> list[str]:
    found: list[str] = []
    if uid == 0:
        found.append(
            f"running as root: images are built for {target.ids.uid}:{target.ids.gid} "
            f"({target.ids.origin}); run as the checkout's user where you can"
        )
    if settings is not None:
        files = sorted({f for env in settings.environments.values() for f in env.compose_files})
        for where in uid_references([f for f in files if f.is_file()]):
            found.append(
                f"{where}: ${{UID}} in a compose file: compose never sees bash's UID "
                "(use HOST_UID/HOST_GID, which dockyard sets)"
            )
    fs = foreign_filesystem(root)
    if fs is not None:
        found.append(f"the repository is on {fs[0]}: {fs[1]}")
    if target.probe.startswith("failed"):
        found.append(f"the ownership probe {target.probe}")
    if target.strategy == "container-root":
        found.append(
            "this engine needs the dev service to run as container root: "
            "an image built for it must not ship"
        )
    return found
