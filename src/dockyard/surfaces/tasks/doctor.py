"""``dockyard doctor``: the engine, the identity and strategy chosen, and the pitfalls.

A root-level task: ``invoke doctor`` / ``dockyard doctor [--format text|json]``.
Exit 0 usable, 1 findings, 2 no engine.
"""

from __future__ import annotations

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

__all__ = ["doctor"]


@task(
    help={
        "format": "text or json",
        "no-probe": "decide from the engine's answers alone (no throwaway container)",
    }
)
@guarded
def doctor(c: Context, format: str = "text", no_probe: bool = False) -> None:
    """Name the engine and what dockyard does about file ownership on it, and why.

    Prints the engine's kind and versions, compose and BuildKit, the host identity and
    the rule that chose it, the strategy, the ownership probe's result (a throwaway
    container, no network, writes one file into a temporary folder; cached per
    engine), DOCKER_HOST and the docker context, and the pitfalls found. Exit 0
    usable, 1 findings, 2 no engine. Changes nothing but the probe cache.
    """
    import json

    from dockyard.errors import DockyardError, UsageError
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows.doctor import diagnose

    if format not in ("text", "json"):
        raise UsageError(f"--format must be text or json, got {format!r}", argument="--format")
    runtime = runtime_for(c)
    try:
        settings = settings_for(c)
        root = settings.root
    except DockyardError:
        settings, root = None, runtime.cwd  # outside a repository: the engine alone
    found = diagnose(settings, root, runtime.runner, runtime.environ, probe=not no_probe)
    if format == "json":
        echo(json.dumps(found.as_dict(), indent=2, sort_keys=True))
    else:
        echo(*found.lines())
    if found.exit_code:
        raise Exit(code=found.exit_code)
