"""The build context's .dockerignore keeps venvs, env files and .git out of images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit
from dockyard.domain.findings import Level
from dockyard.domain.services import BuildInfo, ignore_file_for

__all__ = ["CHECKS", "effective_dockerignore"]

CHECKS = CheckSet()

_MUST_EXCLUDE = {
    ".venv": ".venv/pyvenv.cfg",
    ".env*": ".env",
    ".env.local": ".env.local",
    ".git": ".git/HEAD",
}


def effective_dockerignore(dockerfile: Path, context: Path) -> Path:
    """The ignore file a build reads: ``<Dockerfile>.dockerignore``, else the context's."""
    return ignore_file_for(dockerfile, context)


@CHECKS.check(
    "DI001",
    "The build's .dockerignore excludes .venv, .env* and .git",
    Level.ERROR,
    hint="add `.venv/`, `.env*` (then `!.env.example`) and `.git/` to the .dockerignore",
)
def dockerignore_excludes(ctx: CheckContext) -> Iterator[Hit]:
    """For every build, the ignore file BuildKit reads (``<Dockerfile>.dockerignore``
    beside the Dockerfile, else ``<context>/.dockerignore``) excludes venvs, env files
    and .git."""
    seen: set[Path] = set()
    for _, build in ctx.built():
        if build.ignore_file in seen:
            continue
        seen.add(build.ignore_file)
        yield from _judge(ctx, build)


def _judge(ctx: CheckContext, build: BuildInfo) -> Iterator[Hit]:
    from docker.utils.build import PatternMatcher

    used = build.ignore_file
    if not used.is_file():
        unread = [
            p
            for p in (ctx.settings.dockerignore, _beside(build))
            if p is not None and p.is_file() and p != used
        ]
        extra = ""
        if unread:
            extra = (
                f" ({ctx.rel(unread[0])} exists but the build does not read it: "
                f"the context is {ctx.rel(build.context)}/)"
            )
        beside = ctx.rel(build.dockerfile) if build.dockerfile is not None else None
        yield Hit(
            f"no {ctx.rel(used)}: the whole context of {ctx.rel(build.context)}/, .venv and "
            f".git included, is sent to the engine{extra}",
            ctx.rel(used),
            hint=f"create {ctx.rel(used)}" + (f" (or {beside}.dockerignore)" if beside else ""),
        )
        return
    patterns = [
        line.strip()
        for line in _read(used).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    matcher: Any = PatternMatcher(patterns)  # its stubs want PathLike; str is what it takes
    for label, sample in _MUST_EXCLUDE.items():
        if not matcher.matches(sample):
            yield Hit(f"{label} is not excluded from the build context", ctx.rel(used))
    loaded = {ref.path for s in ctx.stack().services.values() for ref in s.env_files}
    # a committed env file of shared defaults may ship; a developer's own may not
    env_files = {p for p in loaded if p.is_file()} - ctx.tracked(sorted(loaded))
    env_files.update(ctx.settings.env_dir.glob(".env*"))
    for env_file in sorted(env_files):
        if env_file.name.endswith((".example", ".template", ".sample")):
            continue
        try:
            inside = env_file.relative_to(build.context)
        except ValueError:
            continue
        if not matcher.matches(inside.as_posix()):
            yield Hit(f"{inside.as_posix()} is not excluded from the build context", ctx.rel(used))


def _beside(build: BuildInfo) -> Path | None:
    return build.dockerfile.parent / ".dockerignore" if build.dockerfile is not None else None


def _read(path: Path) -> str:
    from dockyard.adapters.files import read_text

    return read_text(path, what="ignore")
