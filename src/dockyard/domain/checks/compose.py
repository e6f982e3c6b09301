"""Compose checks: secrets through env files, host ids under names compose can see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from dockyard.adapters.files import read_text
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
        text = read_text(ctx.settings.root / compose.path, what="compose", display=compose.path)
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

    try:
        built = ctx.built()
    except SkipCheck:
        return
    for service, build in built:
        dockerfile = ctx.stage_dockerfile(build)
        writable = [v for v in service.volumes if v.kind == "bind" and not v.read_only]
        if dockerfile is None or not writable:
            continue  # without a writable bind mount, the uid never writes host files
        declared = set(dockerfile.global_defaults())
        for stage in dockerfile.stages:
            declared.update(stage.args())
        for var in ("HOST_UID", "HOST_GID"):
            if var in declared and var not in build.args:
                file, line = ctx.stack().locate(service.name, "build")
                yield Hit(
                    f"service {service.name!r} builds {ctx.rel(dockerfile.path)}, which has "
                    f"ARG {var}, but its build.args do not pass {var}",
                    file,
                    line,
                    hint=f"add `{var}: ${{{var}}}` under build.args",
                )


@CHECKS.check(
    "CO003",
    "Every env_file a service loads exists",
    Level.ERROR,
    hint="create the env file (from its template) or mark the entry `required: false`",
)
def env_files_exist(ctx: CheckContext) -> Iterator[Hit]:
    """Required ``env_file`` entries exist (compose refuses to start without them)."""
    stack = ctx.stack()
    refs = {ref.path: ref for s in stack.services.values() for ref in s.env_files}
    ignored = _ignored(ctx, [p for p, ref in refs.items() if ref.required and not p.exists()])
    for path, ref in refs.items():
        if not ref.required or path.is_file():
            continue
        users = sorted(
            s.name for s in stack.services.values() if any(r.path == path for r in s.env_files)
        )
        template = _template_for(path)
        hint = None
        if path in ignored:
            hint = f"git ignores {ctx.rel(path)} (a developer's own file): " + (
                f"create it from {ctx.rel(template)}" if template else "create it"
            )
        elif template is not None:
            hint = f"create it from {ctx.rel(template)}"
        yield Hit(
            f"{ctx.rel(path)} (env_file of {', '.join(users)}) does not exist: "
            "compose will not start the stack",
            ref.file,
            ref.line,
            hint=hint,
        )


@CHECKS.check(
    "CO004",
    "Every bind-mount source exists",
    Level.WARNING,
    hint="create the file or folder (or fix the path): Docker creates a missing source as "
    "an empty root-owned folder",
)
def bind_sources_exist(ctx: CheckContext) -> Iterator[Hit]:
    """Bind-mount sources exist on the host (a missing one becomes a root-owned folder)."""
    stack = ctx.stack()
    binds = [(s, v) for s in stack.services.values() for v in s.volumes if v.kind == "bind"]
    for service, volume in binds:
        source = Path(volume.source or "")
        if volume.source and not source.exists() and not source.is_symlink():
            file, line = stack.locate(service.name, "volumes")
            yield Hit(
                f"service {service.name!r} mounts {ctx.rel(source)} at {volume.target}, "
                "which does not exist on the host",
                file,
                line,
            )


@CHECKS.check(
    "CO005",
    "Every compose file of the environment is a compose mapping",
    Level.ERROR,
    hint="give the file a `services:` mapping, or remove it from the environment",
)
def compose_files_valid(ctx: CheckContext) -> Iterator[Hit]:
    """Each compose file exists and holds a mapping (an empty file stops compose)."""
    for compose in ctx.stack().files:
        if compose.problem is not None:
            yield Hit(f"{compose.path}: {compose.problem}", compose.path)


@CHECKS.check(
    "CO006",
    "The environment's service is defined",
    Level.ERROR,
    hint="set `service` for the environment in [tool.dockyard] (or name the service `app`)",
)
def service_defined(ctx: CheckContext) -> Iterator[Hit]:
    """The service tasks run in (``exec``, ``test.run``, ``ci.test``) is in the stack."""
    from dockyard.domain.checks.registry import SkipCheck

    stack = ctx.stack()
    if not stack.readable():
        raise SkipCheck("no readable compose file (see CO005)")
    if stack.app is None:
        known = ", ".join(sorted(stack.services)) or "none"
        yield Hit(
            f"service {ctx.env.service!r} is not in environment {ctx.env.name!r} "
            f"(services: {known})",
            stack.readable()[0].path,
        )


def _template_for(path: Path) -> Path | None:
    for candidate in (
        path.with_name(path.name + ".example"),
        path.with_name(path.name + ".sample"),
        path.with_name(path.name + ".template"),
        path.parent / ".env.example",
    ):
        if candidate.is_file():
            return candidate
    return None


def _ignored(ctx: CheckContext, paths: list[Path]) -> set[Path]:
    from dockyard.adapters import git

    inside = [p for p in paths if ctx.settings.root in p.parents]
    if not inside or not ctx.is_git_repository():
        return set()
    rels = [p.relative_to(ctx.settings.root) for p in inside]
    found = git.ignored(ctx.runner, ctx.settings.root, rels, ctx.environ)
    return {ctx.settings.root / p for p in found}


@CHECKS.check(
    "CO007",
    "Every variable the compose files require has a value",
    Level.ERROR,
    hint="set the variable in the env file compose reads (or the environment); see the "
    "env file's template",
)
def required_variables_set(ctx: CheckContext) -> Iterator[Hit]:
    """``${VAR:?message}`` and ``${VAR?message}`` resolve: compose refuses the stack
    otherwise."""
    stack = ctx.stack()
    if stack.refused and "required variable" in stack.refused:
        files = stack.readable()
        shown = ", ".join(str(ctx.rel(p)) for p in ctx.env.env_files)
        yield Hit(
            f"compose refuses environment {ctx.env.name!r}: {stack.refused} "
            f"(env files read: {shown})",
            files[0].path if files else None,
        )
