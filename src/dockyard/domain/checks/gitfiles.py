"""What git hides: a `.gitignore` rule that swallows the env folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.findings import Level

__all__ = ["CHECKS"]

CHECKS = CheckSet()


@CHECKS.check(
    "GI001",
    "No .gitignore rule hides the env folder's templates",
    Level.ERROR,
    hint="anchor the rule to the root and to the case it means (`/ENV/`, `/.venv/`), or "
    "add `!/env/` and `!/env/.env.example` after it",
)
def env_folder_visible(ctx: CheckContext) -> Iterator[Hit]:
    """The env folder's committed files (the example, ``.env.ci``) are not ignored, on a
    case-sensitive checkout nor on a case-insensitive one (``core.ignorecase``, the
    default on macOS and Windows, where the common ``ENV/`` rule hides ``env/``)."""
    from dockyard.adapters import git

    folder = ctx.settings.env_dir
    if not folder.is_dir():
        raise SkipCheck(f"no {ctx.rel(folder)}/ folder")
    if not ctx.is_git_repository():
        raise SkipCheck("not a git repository (or git is not installed)")
    root = ctx.settings.root
    committed = (f".env.{name}" for name in ctx.settings.committed_envs)
    names = {".env.example", *(n for n in committed if (folder / n).is_file())}
    names.update(p.name for p in folder.glob(".env*.example"))
    probes = sorted((folder / name).relative_to(root) for name in names)
    strict = git.ignore_rules(ctx.runner, root, probes, ctx.environ, ignorecase=False)
    folded = git.ignore_rules(ctx.runner, root, probes, ctx.environ, ignorecase=True)
    reported: set[tuple[str, int]] = set()
    for probe in probes:
        rule = strict.get(probe) or folded.get(probe)
        if rule is None or (rule[0], rule[1]) in reported:
            continue
        reported.add((rule[0], rule[1]))
        source, line, pattern = rule
        where = "" if probe in strict else " on case-insensitive checkouts (macOS, Windows)"
        yield Hit(
            f"`{pattern}` hides {probe}{where}: the template is never committed",
            Path(source),
            line or None,
        )
