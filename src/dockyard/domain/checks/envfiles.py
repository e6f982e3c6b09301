"""Env-file checks: the findings of :func:`dockyard.workflows.envs.check_env`, one check each.

``env.check`` and these checks share one implementation; each ENVxxx code of
``check_env`` is registered here as the check with the same id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, Probe, SkipCheck
from dockyard.domain.findings import Level

__all__ = ["CHECKS"]

CHECKS = CheckSet()

# id, title, level, hint, needs git
_ENV_CHECKS: tuple[tuple[str, str, Level, str, bool], ...] = (
    (
        "ENV001",
        "The env file has every key of the example",
        Level.ERROR,
        "add the missing keys (see the example env file)",
        False,
    ),
    (
        "ENV002",
        "Every key of the env file is documented in the example",
        Level.WARNING,
        "document the key in the example env file",
        False,
    ),
    (
        "ENV003",
        "Env files parse as KEY=value",
        Level.ERROR,
        "write KEY=value, one per line; quote values with spaces",
        False,
    ),
    ("ENV004", "Env files set each key once", Level.WARNING, "keep one line per key", False),
    (
        "ENV005",
        "Env files with local values are ignored by git",
        Level.ERROR,
        "git rm --cached the file and add it to .gitignore",
        True,
    ),
    (
        "ENV006",
        "Env files holding secrets are readable by their owner only",
        Level.WARNING,
        "chmod 600 the file",
        False,
    ),
    (
        "ENV007",
        "No secret-looking values in committed env files",
        Level.ERROR,
        "commit a placeholder; put the real value in an ignored env file",
        True,
    ),
    (
        "ENV008",
        "The example env file exists",
        Level.WARNING,
        "create env/.env.example: it documents every variable the project needs",
        False,
    ),
)


def _probe(code: str, needs_git: bool) -> Probe:
    def probe(ctx: CheckContext) -> Iterator[Hit]:
        findings = ctx.env_findings()
        if needs_git and not ctx.is_git_repository():
            raise SkipCheck("not a git repository (or git is not installed)")
        for finding in findings:
            if finding.check_id == code:
                yield Hit(finding.message, finding.path, finding.line, finding.level, finding.hint)

    return probe


def _register() -> None:
    for code, title, level, hint, needs_git in _ENV_CHECKS:
        decorate: Callable[[Probe], Probe] = CHECKS.check(code, title, level, hint=hint)
        decorate(_probe(code, needs_git))


_register()
