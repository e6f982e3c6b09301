"""Verify a repository: run the selected checks and decide the exit code.

Exit codes, the same for every report format:

* 0 — every check that ran passed (SKIPs with their reasons are allowed);
* 1 — a finding at or above ``fail_on`` (error, warning or note);
* 2 — a check could not run (ERROR): the answer is unknown. This wins over 1.

The live checks share one probe of the running service (:func:`engine_probe`): one
``containers.list`` and one ``exec_run`` through the Docker SDK.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dockyard.adapters.runner import Runner
from dockyard.domain.checks import (
    CheckContext,
    CheckResult,
    LiveData,
    Registry,
    Status,
    default_registry,
)
from dockyard.domain.checks.live import PROBE_SCRIPT, env_hash
from dockyard.domain.config import Environment, Settings
from dockyard.domain.findings import Level
from dockyard.domain.repository import Repository
from dockyard.errors import UsageError

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine

__all__ = [
    "EXIT_CLEAN",
    "EXIT_COULD_NOT_CHECK",
    "EXIT_FINDINGS",
    "FailOn",
    "Report",
    "engine_probe",
    "host_packages",
    "parse_fail_on",
    "run_checks",
    "split_ids",
]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_COULD_NOT_CHECK = 2

FailOn = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Report:
    """The results of one run, and what they mean for the exit code."""

    results: tuple[CheckResult, ...]
    root: Path
    environment: str
    fail_on: Level = Level.ERROR
    live: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)

    def count(self, status: Status) -> int:
        """How many checks ended with ``status``."""
        return sum(1 for r in self.results if r.status is status)

    def findings_at_or_above(self) -> int:
        """Findings at or above :attr:`fail_on`."""
        return sum(1 for r in self.results for f in r.findings if f.level.rank >= self.fail_on.rank)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings at or above ``fail_on``, 2 a check could not run."""
        if self.count(Status.ERROR):
            return EXIT_COULD_NOT_CHECK
        if self.findings_at_or_above():
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def summary(self) -> dict[str, int]:
        """Counts by status and by finding level."""
        levels = {lv.value: 0 for lv in Level}
        for result in self.results:
            for finding in result.findings:
                levels[finding.level.value] += 1
        return {
            "checks": len(self.results),
            **{s.value: self.count(s) for s in Status},
            "findings": sum(levels.values()),
            **{f"{k}s": v for k, v in levels.items()},
        }


def split_ids(value: str | Iterable[str] | None) -> list[str]:
    """``"DF001,ENV*"`` (or repeated flags) as a list of ids."""
    if value is None:
        return []
    parts = [value] if isinstance(value, str) else list(value)
    return [item.strip() for part in parts for item in part.split(",") if item.strip()]


def parse_fail_on(value: str) -> Level:
    """``--fail-on`` as a Level; a UsageError names the choices."""
    try:
        return Level(value.lower())
    except ValueError:
        raise UsageError(
            f"--fail-on must be error, warning or note, got {value!r}", argument="--fail-on"
        ) from None


def run_checks(
    settings: Settings,
    env: Environment,
    environ: Mapping[str, str],
    runner: Runner,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    live: bool = False,
    run_pre_commit: bool = False,
    fail_on: Level = Level.ERROR,
    registry: Registry | None = None,
    live_source: Callable[[CheckContext], LiveData] | None = None,
    repository: Repository | None = None,
) -> Report:
    """Run the selected checks in registry order and gather their results.

    Every check reads one :class:`~dockyard.domain.repository.Repository` (made here
    unless given): compose's configuration is asked once per environment.
    """
    registry = registry or default_registry()
    selected = registry.select(only, skip)
    ctx = CheckContext(
        settings,
        env,
        environ,
        runner,
        live=live,
        run_pre_commit=run_pre_commit,
        live_source=live_source or engine_probe,
        repository=repository,
    )
    results = tuple(check.run(ctx) for check in selected)
    return Report(results, settings.root, env.name, fail_on, live)


def engine_probe(ctx: CheckContext) -> LiveData:
    """Probe the environment's running service once and add the host-side facts.

    The target (engine kind and strategy) is resolved while the probe runs: on an
    engine where ownership means nothing here, the ownership checks SKIP with its reason.
    """
    from dockyard.adapters.engine import connect
    from dockyard.adapters.probe import container_name, exec_json, service_container
    from dockyard.domain.identity import HostIds
    from dockyard.workflows.target import resolve_target

    engine = connect(ctx.environ, timeout=30)
    try:
        attrs = service_container(engine, ctx.env.project_name, ctx.env.service)
        mounts = _bind_mounts(attrs)
        project_mount = _project_mount(mounts, ctx.settings.root)
        name = f".dockyard-probe-{secrets.token_hex(6)}"
        salt = secrets.token_hex(16)
        expected, (uid, gid) = _expected(ctx, salt)
        workdir = (attrs.get("Config") or {}).get("WorkingDir") or "/app"
        args = {
            "salt": salt,
            "keys": sorted(expected),
            "workdir": workdir,
            "probe": f"{project_mount['destination'].rstrip('/')}/{name}"
            if project_mount
            else None,
        }
        ids = HostIds(uid, gid, "HOST_UID/HOST_GID")
        # the engine's kind is asked for while the probe runs: round trips overlap
        with ThreadPoolExecutor(max_workers=1) as pool:
            kind = pool.submit(
                resolve_target,
                engine,
                ids,
                ctx.environ,
                probe_images=(ctx.settings.helper_image, str(attrs.get("Image") or "")),
            )
            data = exec_json(engine, attrs, ["python3", "-c", PROBE_SCRIPT, json.dumps(args)])
            target = kind.result()
        host: dict[str, Any] = {
            "uid": uid,
            "gid": gid,
            "ownership_applies": target.ownership_applies,
            "ownership_note": target.ownership_note,
            "engine_kind": target.engine.kind,
            "strategy": target.strategy,
            "container_root_is_host_user": target.container_root_is_host_user,
            "expected_env": expected,
            "probe_uid": None,
            "probe_gid": None,
        }
        if project_mount is not None:
            try:
                source = Path(project_mount["source"]).stat()
                host["mount_source"] = str(project_mount["source"])
                host["mount_owner"] = [source.st_uid, source.st_gid]
            except OSError:
                pass
        if project_mount is None:
            host["probe_skip"] = "the service has no writable bind mount of the project"
        elif (data.get("probe") or {}).get("created"):
            probe_path = Path(project_mount["source"]) / name
            host.update(_stat_and_remove(probe_path, engine, str(attrs["Id"]), args))
        venv, packages = host_packages(ctx.settings.root, ctx.environ)
        host["venv"], host["packages"] = venv, packages
        return {**data, "mounts": mounts, "host": host, "container": container_name(attrs)}
    finally:
        engine.close()


def host_packages(
    root: Path, environ: Mapping[str, str]
) -> tuple[str | None, dict[str, str] | None]:
    """The host venv (``VIRTUAL_ENV``, else ``root/.venv``) and its packages, in-process.

    Packages are read from ``*.dist-info`` folder names, as the container probe does.
    """
    from dockyard.domain.checks.live import dist_info_packages

    candidates = [environ.get("VIRTUAL_ENV", ""), str(root / ".venv")]
    for candidate in candidates:
        if not candidate or not (Path(candidate) / "pyvenv.cfg").is_file():
            continue
        sites = [str(p) for p in Path(candidate).glob("lib/python*/site-packages")]
        sites += [str(p) for p in Path(candidate).glob("Lib/site-packages")]
        return candidate, dist_info_packages(sites)
    return None, None


def _bind_mounts(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "source": str(m.get("Source", "")),
            "destination": str(m.get("Destination", "")),
            "rw": bool(m.get("RW", False)),
        }
        for m in attrs.get("Mounts") or []
        if m.get("Type") == "bind"
    ]


def _project_mount(mounts: list[dict[str, Any]], root: Path) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for mount in mounts:
        source = Path(mount["source"])
        if not mount["rw"] or not (source == root or root in source.parents):
            continue
        if best is None or len(source.parts) < len(Path(best["source"]).parts):
            best = mount
    return best


def _expected(ctx: CheckContext, salt: str) -> tuple[dict[str, list[str]], tuple[int, int]]:
    from dockyard.domain.envfiles import read_env_file, resolve
    from dockyard.errors import EnvFileError
    from dockyard.workflows.envs import code_defaults

    try:
        env_file = read_env_file(ctx.env.env_file, display=ctx.rel(ctx.env.env_file))
    except EnvFileError:
        env_file = None
    resolved = resolve(env_file, ctx.environ, code_defaults(ctx.settings, ctx.environ))
    expected: dict[str, list[str]] = {}
    if env_file is not None:
        for key in sorted(env_file.keys()):
            item = resolved[key]
            values = [item.value, *(layer.value for layer in item.shadowed)]
            expected[key] = [env_hash(salt, v) for v in values if v is not None]
    uid, gid = resolved["HOST_UID"].value or "", resolved["HOST_GID"].value or ""
    if not (uid.isdigit() and gid.isdigit()):
        raise UsageError("HOST_UID/HOST_GID must be numbers", argument="HOST_UID")
    return expected, (int(uid), int(gid))


def _stat_and_remove(
    path: Path, engine: Engine, container: str, args: Mapping[str, Any]
) -> dict[str, Any]:
    try:
        st = path.lstat()
    except OSError:
        facts: dict[str, Any] = {}
    else:
        facts = {"probe_uid": st.st_uid, "probe_gid": st.st_gid}
    try:
        path.unlink()
    except OSError:  # missing here (remote engine) or not ours: removed from inside
        engine.exec(container, ["rm", "-f", "--", str(args["probe"])])
    return facts
