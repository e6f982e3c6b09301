"""The build context's .dockerignore keeps venvs, env files and .git out of images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level

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
    beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
    return beside if beside.is_file() else context / ".dockerignore"


@CHECKS.check(
    "DI001",
    "The build's .dockerignore excludes .venv, .env* and .git",
    Level.ERROR,
    hint="add `.venv/`, `.env*` (then `!.env.example`) and `.git/` to the .dockerignore",
)
def dockerignore_excludes(ctx: CheckContext) -> Iterator[Hit]:
    """The ignore file the build really reads excludes venvs, env files and .git."""
    from docker.utils.build import PatternMatcher

    spec = ctx.build_spec()
    if not spec.dockerfile.is_file():
        raise SkipCheck(f"no Dockerfile at {ctx.rel(spec.dockerfile)}: nothing is built")
    used = effective_dockerignore(spec.dockerfile, spec.context)
    # the seed's trap: docker/.dockerignore beside the Dockerfile, never read with `context: ..`
    candidates = [ctx.settings.dockerignore, spec.dockerfile.parent / ".dockerignore"]
    configured = next((p for p in candidates if p.is_file() and p != used), used)
    if not used.is_file():
        extra = ""
        if configured.is_file() and configured != used:
            extra = (
                f" ({ctx.rel(configured)} exists but the build does not read it: "
                f"the context is {ctx.rel(spec.context)}/)"
            )
        yield Hit(
            f"no {ctx.rel(used)}: the whole context, .venv and .git included, "
            f"is sent to the engine{extra}",
            ctx.rel(used),
            hint=f"create {ctx.rel(used)} (or {ctx.rel(spec.dockerfile)}.dockerignore)",
        )
        return
    patterns = [
        line.strip()
        for line in used.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    matcher: Any = PatternMatcher(patterns)  # its stubs want PathLike; str is what it takes
    for label, sample in _MUST_EXCLUDE.items():
        if not matcher.matches(sample):
            yield Hit(f"{label} is not excluded from the build context", ctx.rel(used))
    for env_file in sorted(ctx.settings.env_dir.glob(".env*")):
        if env_file.name.endswith((".example", ".template", ".sample")):
            continue
        try:
            inside = env_file.relative_to(spec.context)
        except ValueError:
            continue
        if not matcher.matches(inside.as_posix()):
            yield Hit(f"{inside.as_posix()} is not excluded from the build context", ctx.rel(used))
