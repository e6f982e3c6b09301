"""Resolve the :class:`~dockyard.domain.target.Target` of a command: once, then pass it down.

Two engine round trips (``/info``, ``/version``) classify the engine; the ownership
probe confirms the strategy the first time an engine is seen with these ids (then the
answer comes from the cache); the identity follows the one rule of
:mod:`dockyard.domain.identity`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.adapters.compose import Compose
from dockyard.adapters.engine import Engine, local_platform
from dockyard.adapters.probe import OwnershipProbe, ProbeCache, probe_ownership
from dockyard.domain.config import Environment, Settings
from dockyard.domain.identity import HostIds
from dockyard.domain.target import Strategy, Target, classify, compose_override, strategy_for
from dockyard.errors import CommandError, DockyardError, EngineError

__all__ = [
    "KIND_VARIABLE",
    "EngineTargeting",
    "apply_probe",
    "override_path",
    "resolve_target",
]

KIND_VARIABLE = "DOCKYARD_ENGINE_KIND"


def resolve_target(
    engine: Engine,
    ids: HostIds,
    environ: Mapping[str, str],
    *,
    compose: str = "",
    probe_images: Iterable[str | None] = (),
    cache: ProbeCache | None = None,
    probe: bool = True,
    platform: str | None = None,
) -> Target:
    """The target for ``engine`` and ``ids``: kind, strategy and why, the probe's answer.

    ``probe_images`` are tried in order; the first that exists locally runs the probe
    (none is pulled). ``probe=False`` decides from the payloads alone.
    """
    facts = classify(
        engine.info(),
        engine.version(),
        host=engine.endpoint.host,
        host_source=engine.endpoint.source,
        platform=platform or local_platform(environ),
    )
    strategy, reason = strategy_for(facts)
    target = Target(facts, ids, strategy, reason, compose=compose)
    if not probe:
        return Target(facts, ids, strategy, reason, compose, "not run")
    cache = cache or ProbeCache.default(environ)
    key = f"{facts.engine_id or facts.host}|{ids.uid}:{ids.gid}"
    found = cache.get(key)
    if found is None:
        image = next((i for i in probe_images if i and engine.image_labels(i) is not None), None)
        if image is None:
            return Target(
                facts,
                ids,
                strategy,
                reason,
                compose,
                "not run: none of the images it can use is present locally "
                "(build the app image, or set helper_image to a local image)",
            )
        try:
            found = probe_ownership(engine, image, ids.uid, ids.gid)
        except (EngineError, CommandError) as exc:
            return Target(facts, ids, strategy, reason, compose, f"failed: {exc}")
        cache.put(key, found)
    return apply_probe(target, found)


def apply_probe(target: Target, probe: OwnershipProbe) -> Target:
    """``target`` with the strategy the probe's answer confirms or corrects."""
    strategy: Strategy = target.strategy
    reason = target.reason
    verdict = probe.verdict
    facts = target.engine
    if strategy in ("remote", "none"):
        pass  # no ownership claims are made there, whatever one file says
    elif verdict == "invisible":
        strategy, reason = "remote", "the probe's file never appeared on this host"
    elif verdict == "remapped" and strategy == "host-ids":
        if facts.kind.startswith("podman"):
            strategy, reason = "keep-id", "the engine remaps ids (seen by the probe)"
        else:
            strategy, reason = "container-root", "the engine remaps ids (seen by the probe)"
    elif verdict == "passthrough" and strategy in ("container-root", "keep-id"):
        strategy, reason = "host-ids", "the probe saw ids passed through unchanged"
    return Target(
        facts,
        target.ids,
        strategy,
        reason,
        target.compose,
        f"{probe.verdict}: {probe.describe()} (image {probe.image})",
        target.notes,
    )


def override_path(root: Path, env_name: str) -> Path:
    """Where the generated compose override of an environment is written."""
    return root / ".dockyard" / f"{env_name}.engine.yml"


class EngineTargeting:
    """The target of one environment's commands (mixed into ``Stack``): resolved once.

    Plans that build or start containers apply the strategy: the compose override it
    needs goes into their argv, and a remote engine's bind mounts of the checkout are
    reported before anything runs.
    """

    settings: Settings
    env: Environment
    compose: Compose
    ids: HostIds
    connect: Callable[[], Engine]
    _targets: list[Target]
    _overrides: tuple[str, ...]

    if TYPE_CHECKING:  # given by ``Stack``, which mixes this in

        def profile_flags(self, all_profiles: bool = False) -> tuple[str, ...]:
            """``--profile`` flags of the chosen profiles."""
            ...

    def ownership_note(self) -> str:
        """Why uid matching does not apply on this engine (rootless, Desktop), or ''."""
        return self.target().ownership_note

    def target(self) -> Target:
        """The engine, the identity and the strategy: resolved on first use, then kept."""
        if not self._targets:

            def images() -> Iterator[str | None]:
                yield self.settings.helper_image
                try:
                    yield self.compose.image_name(self.env.service)
                except DockyardError:
                    return

            self._targets.append(
                resolve_target(
                    self.connect(),
                    self.ids,
                    self.compose.env,
                    compose=" ".join(self.compose.command),
                    probe_images=images(),
                )
            )
            # compose files may read the engine's kind; HOST_UID/HOST_GID are handed
            # over already (where neither the process nor the env file sets them)
            kind = self._targets[0].engine.kind
            env = {**self.compose.env, KIND_VARIABLE: kind}
            self.compose = dataclasses.replace(self.compose, env=env)
        return self._targets[0]

    def engine_notes(self) -> list[str]:
        """Apply the strategy's compose override; what the engine means for this plan."""
        target = self.target()
        notes = [f"engine: {target.engine.kind}, strategy {target.strategy} ({target.reason})"]
        text = compose_override(target, self.env.service)
        path = override_path(self.settings.root, self.env.name)
        if text is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            self._overrides = ("-f", str(path))
            notes.append(f"engine override {self.settings.relative(path)}: {target.strategy}")
            if target.strategy == "container-root":
                notes.append(
                    "warning: the service runs as container root (the host user on this "
                    "engine): an image built this way must not ship"
                )
        if target.strategy == "remote":
            notes += self._remote_mounts()
        return notes

    def _remote_mounts(self) -> list[str]:
        """Services that bind-mount this checkout: a remote engine resolves them elsewhere."""
        import json

        done = self.compose.run(
            *self.profile_flags(), "config", "--format", "json", timeout=60.0, check=False
        )
        try:
            services = (json.loads(done.stdout or "{}") or {}).get("services") or {}
        except (ValueError, AttributeError):
            return []
        root = str(self.settings.root.resolve())
        found: list[str] = []
        for name, spec in sorted(services.items()):
            for volume in (spec or {}).get("volumes") or []:
                source = str(volume.get("source") or "") if isinstance(volume, dict) else ""
                if volume.get("type") == "bind" and (source + "/").startswith(root + "/"):
                    found.append(
                        f"warning: remote engine: service {name!r} bind-mounts {source} from "
                        "this machine; the engine resolves that path on its own machine "
                        "(an empty or different folder unless the checkout is there too)"
                    )
        return found
