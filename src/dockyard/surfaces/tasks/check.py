"""``check``: run dockyard's checks and report them as text, JSON, JUnit, SARIF or GitHub.

A root-level task: ``invoke check`` / ``dockyard check``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

__all__ = ["check"]

_HELP = {
    "env": "environment name: dev, test, ci, ... (default: DOCKYARD_ENV, else 'dev')",
    "live": "also run the live checks against the environment's running service",
    "only": "comma-separated check ids, aliases or prefixes (DF*) to run",
    "skip": "comma-separated check ids, aliases or prefixes to leave out",
    "fail-on": "lowest finding level that makes the exit code 1: error, warning, note",
    "format": "text, json, junit, sarif or github",
    "output": "write the report to this file instead of stdout (never over a source or "
    "git-tracked file without --force)",
    "force": "let --output replace a source or git-tracked file (backed up first as <name>.bak)",
    "pre-commit": "also run `pre-commit run --all-files` (hooks may rewrite files)",
}


@task(help=_HELP, iterable=["only", "skip"])
@guarded
def check(  # noqa: PLR0917 - Invoke maps each parameter to a flag
    c: Context,
    env: str | None = None,
    live: bool = False,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    fail_on: str = "error",
    format: str = "text",
    output: str = "",
    pre_commit: bool = False,
    force: bool = False,
) -> None:
    """Check the repository (Dockerfile, compose, env files, lock, pre-commit; --live: container).

    Exit 0 clean, 1 findings at or above --fail-on, 2 a check could not run. Changes
    nothing, except: --output writes the report file; --format github appends a table
    to $GITHUB_STEP_SUMMARY; --live creates and removes one probe file in the bind
    mount; --pre-commit runs the hooks, which may fix files. Never prints env values.
    """
    from dockyard.surfaces.reports import FORMATS, render
    from dockyard.workflows.verify import parse_fail_on, run_checks, split_ids

    if format not in FORMATS:
        from dockyard.errors import UsageError

        raise UsageError(
            f"--format must be one of {', '.join(FORMATS)}, got {format!r}", argument="--format"
        )
    level = parse_fail_on(fail_on)
    from dockyard.surfaces.runtime import runtime_for, settings_for

    settings = settings_for(c)
    environment = settings.environment(env)
    runtime = runtime_for(c)
    report = run_checks(
        settings,
        environment,
        runtime.environ,
        runtime.runner,
        only=split_ids(only),
        skip=split_ids(skip),
        live=live,
        run_pre_commit=pre_commit,
        fail_on=level,
    )
    terminal = not output and format == "text" and sys.stdout.isatty()
    width = os.get_terminal_size().columns if terminal else 100
    text = render(report, format, terminal=terminal, width=width)
    if output:
        from dockyard.surfaces.reports.output import write_report

        target = Path(output)
        if not target.is_absolute():
            target = runtime.cwd / target
        backup = write_report(
            target,
            text,
            shown=output,
            root=settings.root,
            force=force,
            runner=runtime.runner,
            environ=runtime.environ,
        )
        if backup is not None:
            echo(f"backed up {output} as {settings.relative(backup)}")
        echo(f"wrote {output}")
    else:
        sys.stdout.write(text)
    summary_file = runtime.environ.get("GITHUB_STEP_SUMMARY")
    if format == "github" and summary_file:
        from dockyard.surfaces.reports.github import step_summary
        from dockyard.surfaces.reports.output import append_summary

        append_summary(summary_file, step_summary(report))
    if report.exit_code == 2:  # the answer is unknown: say why, on one line of stderr
        errors = [r for r in report.results if r.status.value == "error"]
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise Exit(f"dockyard: error: {first.check.id} could not run: {first.reason}{more}", code=2)
    if report.exit_code:
        raise Exit(code=report.exit_code)
