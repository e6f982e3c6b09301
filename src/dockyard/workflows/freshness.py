"""Is an environment's image current? Labels, and the recorded inputs of its last build.

:class:`ImageFreshness` is the part of :class:`dockyard.workflows.stack.Stack` that
answers it: the image's labels (uid, gid, lock hash) and the inputs that decide the
image (:func:`dockyard.domain.images.build_inputs`), recorded in
``.dockyard/<env>.build.json`` with a quick key so that an unchanged repository costs
no ``compose config`` call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.adapters.compose import Compose
from dockyard.domain.config import Environment, Settings
from dockyard.domain.images import (
    ARGS_IN_COMPOSE,
    FILES,
    QUICK,
    Expected,
    Staleness,
    build_inputs,
    changed_inputs,
    quick_key,
    read_inputs,
    staleness,
)
from dockyard.errors import CommandError, CommandNotFoundError

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine
    from dockyard.domain.target import Target

__all__ = ["ENGINE_KIND", "ImageFreshness"]

ENGINE_KIND = "engine kind"  # switching engines (rootless, Podman...) makes the image stale
DEFAULT_KIND = "docker-rootful"


class ImageFreshness:
    """Staleness of one environment's images (mixed into ``Stack``)."""

    settings: Settings
    env: Environment
    compose: Compose
    expected: Expected
    profiles: tuple[str, ...]
    connect: Callable[[], Engine]
    _targets: list[Target]

    if TYPE_CHECKING:  # given by ``Stack``, which mixes this in

        def profile_flags(self, all_profiles: bool = False) -> tuple[str, ...]:
            """``--profile`` flags of the chosen profiles."""
            ...

    def image_state(self) -> Staleness:
        """Is the service's image built for this host user and this lock file?

        A running container carries its image's labels in the container list, so the
        common case (the environment is up) costs one engine call.
        """
        engine = self.connect()
        running = engine.containers(
            [
                f"com.docker.compose.project={self.env.project_name}",
                f"com.docker.compose.service={self.env.service}",
            ]
        )
        if running:
            return staleness(running[0].get("Labels") or {}, self.expected)
        name = self.compose.image_name(self.env.service)
        return staleness(engine.image_labels(name), self.expected)

    def _engine_kind(self) -> str:
        """The kind of engine the command runs against, once its target is resolved."""
        return self._targets[0].engine.kind if self._targets else ""

    @property
    def inputs_path(self) -> Path:
        """Where the inputs of this environment's last build are recorded."""
        return self.settings.root / ".dockyard" / f"{self.env.name}.build.json"

    def build_inputs(self) -> dict[str, str]:
        """What decides this environment's images now (Dockerfile, build section, args).

        Recorded with a :func:`quick_key` of their raw sources, so that the next ``up``
        can tell "nothing changed" without asking ``compose config``.
        """
        import json

        try:
            config = self.compose.run(
                *self.profile_flags(), "config", "--format", "json", timeout=60.0
            )
        except CommandNotFoundError:
            raise
        except CommandError as exc:
            raise self.compose.refusal(exc) from None
        try:
            data = json.loads(config.stdout or "{}")
        except json.JSONDecodeError:
            data = {}
        inputs = build_inputs(data if isinstance(data, dict) else {}, self.expected.build_args())
        kind = self._engine_kind()
        if kind not in ("", DEFAULT_KIND):  # rootful Docker, the default, is left unrecorded
            inputs[ENGINE_KIND] = kind
        inputs[QUICK] = self._quick_key(inputs)
        return inputs

    def _quick_key(self, record: Mapping[str, str]) -> str:
        """The compose and env files with the variables compose reads into them, and the
        build files' (Dockerfile, ignore file) content alone.

        Compose interpolates only its own files: a ``$PATH`` in a Dockerfile's ``RUN``
        is the build container's, and the caller's ``PATH`` must not change the key. A
        build arg named without a value (``args: [FOO]``) takes the caller's ``FOO``.
        """
        import re

        files = [Path(f) for f in record.get(FILES, "").splitlines() if f]
        sources = [*self.compose.project.files, self.compose.project.env_file]
        extra = [*self.profiles, *(f"{k}={v}" for k, v in self.expected.build_args().items())]
        if self._engine_kind() not in ("", DEFAULT_KIND):
            extra.append(f"engine={self._engine_kind()}")
        extra.append("build files " + quick_key(files, {}))
        words: set[str] = set()
        for path in self.compose.project.files:
            with contextlib.suppress(OSError):
                words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text("utf-8")))
        env = self.compose.env
        extra += [f"{name}={env[name]}" for name in sorted(words & set(env)) if name != "_"]
        return quick_key(sources, env, extra)

    def changed_inputs(self) -> tuple[list[str], dict[str, str] | None]:
        """Why the build inputs differ from the last build's, and the inputs if computed."""
        recorded = read_inputs(self.inputs_path)
        if recorded is not None and recorded.get(QUICK) == self._quick_key(recorded):
            return [], None
        inputs = self.build_inputs()
        return changed_inputs(recorded, inputs), inputs

    def args_in_compose(self) -> bool:
        """Do the compose files themselves pass dockyard's build args to every build?

        Known from the record of the last build (what ``compose config`` resolved),
        while nothing it was made from has changed: then ``up --build`` builds exactly
        what ``build --build-arg ...`` would.
        """
        recorded = read_inputs(self.inputs_path)
        return (
            recorded is not None
            and recorded.get(ARGS_IN_COMPOSE) == "yes"
            and recorded.get(QUICK) == self._quick_key(recorded)
        )

    def record_is_current(self) -> bool:
        """Does the record of the last build still describe the build inputs?"""
        recorded = read_inputs(self.inputs_path)
        return recorded is not None and recorded.get(QUICK) == self._quick_key(recorded)
