"""GitHub Actions report: workflow-command annotations and a job-summary table.

Annotations follow GitHub's escaping rules (those of ``@actions/core``): in the message
``%``, CR and LF are percent-encoded; in property values ``:`` and ``,`` are too, so a
file or key name cannot end a property early or start a new workflow command.
"""

from __future__ import annotations

from dockyard.domain.checks import Status
from dockyard.domain.findings import Level
from dockyard.surfaces.reports.common import ordered_findings, posix
from dockyard.surfaces.reports.text import summary_line
from dockyard.workflows.verify import Report

__all__ = ["escape_data", "escape_property", "render", "step_summary"]

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR, LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, **props: str | int | None) -> str:
    shown = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in props.items() if value
    )
    return f"::{kind}{' ' + shown if shown else ''}::{escape_data(message)}"


def render(report: Report) -> str:
    """One annotation per finding (most severe first), one per check that could not run."""
    lines = [
        _command("error", f"{r.check.id} could not run: {r.reason}", title=f"dockyard {r.check.id}")
        for r in report.results
        if r.status is Status.ERROR
    ]
    for result, finding in ordered_findings(report):
        message = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
        lines.append(
            _command(
                _COMMAND[finding.level],
                message,
                file=posix(finding) or None,
                line=finding.line,
                title=f"dockyard {result.check.id}: {result.check.title}",
            )
        )
    lines.append(escape_data(summary_line(report)))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def step_summary(report: Report) -> str:
    """A markdown table of every check, for ``$GITHUB_STEP_SUMMARY``."""
    icon = {"pass": "✅", "fail": "❌", "skip": "⏭️", "error": "⚠️"}
    rows = [
        f"### dockyard check — environment `{_cell(report.environment)}`",
        "",
        "| check | status | title | details |",
        "| --- | --- | --- | --- |",
    ]
    for r in report.results:
        details = r.reason or "; ".join(
            f"{f.location + ': ' if f.location else ''}{f.message}" for f in r.findings
        )
        rows.append(
            f"| {r.check.id} | {icon[r.status.value]} {r.status.value} | "
            f"{_cell(r.check.title)} | {_cell(details)} |"
        )
    rows += ["", _cell(summary_line(report)), ""]
    return "\n".join(rows)
