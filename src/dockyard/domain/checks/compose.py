"""Compose checks: secrets through env files, host ids under names compose can see."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit
from dockyard.domain.findings import Level
from dockyard.domain.secrets import is_placeholder, is_secret_key, looks_like_secret_value

__all__ = ["CHECKS", "line_of"]

CHECKS = CheckSet()

_UID_VAR = re.compile(r"\$\{?(UID|GID)\b")


def line_of(mapping: object, key: object) -> int | None:
    """1-based line of ``key`` (or list index) in a ruamel container, when known."""
    lc = getattr(mapping, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(key, int):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


@CHECKS.check(
    "CO001",
    "Compose files take secrets from env files, not literal `environment:` values",
    Level.ERROR,
    hint="move the value to the environment's env file and list it under `env_file:`",
)
def no_literal_secrets(ctx: CheckContext) -> Iterator[Hit]:
    """No secret-looking literal value under a service's ``environment:``."""
    for compose, name, body in ctx.services():
        env = body.get("environment") if hasattr(body, "get") else None
        if env is None:
            continue
        items: list[tuple[str, str | None, int | None]] = []
        if hasattr(env, "items"):
            items = [
                (str(k), None if v is None else str(v), line_of(env, k)) for k, v in env.items()
            ]
        else:
            for index, item in enumerate(env):
                key, sep, value = str(item).partition("=")
                items.append((key, value if sep else None, line_of(env, index)))
        for key, literal, line in items:
            if literal is None or literal.startswith("$") or "${" in literal:
                continue  # taken from the environment, not written here
            secret = (is_secret_key(key) and not is_placeholder(literal)) or (
                looks_like_secret_value(literal)
            )
            if secret:
                yield Hit(
                    f"service {name!r} sets {key} to a literal value in `environment:`",
                    compose.path,
                    line,
                )


@CHECKS.check(
    "CO002",
    "Compose passes host ids as HOST_UID/HOST_GID, not ${UID}/${GID}",
    Level.ERROR,
    hint="use ${HOST_UID}/${HOST_GID} (dockyard exports them); "
    "$UID is a bash variable compose never sees",
)
def host_ids_by_name(ctx: CheckContext) -> Iterator[Hit]:
    """No ``${UID}``/``${GID}``; the service's build passes HOST_UID/HOST_GID if declared."""
    for compose in ctx.compose_files():
        text = (ctx.settings.root / compose.path).read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for match in _UID_VAR.finditer(line):
                yield Hit(
                    f"${{{match[1]}}} is not exported by shells: compose falls back "
                    "to its default silently",
                    compose.path,
                    number,
                )
    yield from _build_args_pass_ids(ctx)


def _build_args_pass_ids(ctx: CheckContext) -> Iterator[Hit]:
    from dockyard.domain.checks.registry import SkipCheck

    spec = ctx.build_spec()
    if spec.source.startswith("configuration"):
        return
    try:
        dockerfile = ctx.dockerfile()
    except SkipCheck:
        return
    declared = set(dockerfile.global_defaults())
    for stage in dockerfile.stages:
        declared.update(stage.args())
    for compose, name, body in ctx.services():
        if name != ctx.env.service or not hasattr(body, "get"):
            continue
        for var in ("HOST_UID", "HOST_GID"):
            if var in declared and var not in spec.args:
                yield Hit(
                    f"service {name!r} builds a Dockerfile with ARG {var} "
                    f"but its build.args do not pass {var}",
                    compose.path,
                    line_of(body, "build"),
                    hint=f"add `{var}: ${{{var}}}` under build.args",
                )
