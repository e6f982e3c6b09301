"""Text report: a rich table on a terminal, plain lines otherwise (pipes, files, CI logs)."""

from __future__ import annotations

import io

from dockyard.domain.checks import Status
from dockyard.surfaces.reports.common import ordered_findings
from dockyard.workflows.verify import Report

__all__ = ["render", "summary_line"]


def summary_line(report: Report) -> str:
    """``25 checks: 20 pass, 2 fail, 3 skip, 0 error; 3 findings (...)``."""
    s = report.summary()
    return (
        f"{s['checks']} checks: {s['pass']} pass, {s['fail']} fail, {s['skip']} skip, "
        f"{s['error']} error; {s['findings']} findings ({s['errors']} errors, "
        f"{s['warnings']} warnings, {s['notes']} notes); exit {report.exit_code}"
    )


def render(report: Report, *, terminal: bool = False, width: int = 100) -> str:
    """The report as text; ``terminal`` draws a rich table (rich imported lazily)."""
    if terminal:
        return _rich(report, width)
    lines: list[str] = []
    for result in report.results:
        status = result.status.value.upper() if result.status is not Status.PASS else "pass"
        extra = f" ({result.reason})" if result.reason else ""
        lines.append(f"{result.check.id:<7}{status:<6}{result.check.title}{extra}")
    lines.append("")
    for result, finding in ordered_findings(report):
        where = f"{finding.location}: " if finding.location else ""
        lines.append(f"{where}{finding.level.value}: {finding.message} [{result.check.id}]")
        if finding.hint:
            lines.append(f"    fix: {finding.hint}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


_STYLE = {"pass": "green", "fail": "red", "skip": "yellow", "error": "bold red"}


def _rich(report: Report, width: int) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=width, highlight=False)
    table = Table(title=f"dockyard check — environment {report.environment}")
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("title")
    table.add_column("details")
    for result in report.results:
        value = result.status.value
        details = result.reason or (f"{len(result.findings)} finding(s)" if result.findings else "")
        table.add_row(
            result.check.id,
            f"[{_STYLE[value]}]{value}[/]",
            escape(result.check.title),
            escape(details),
        )
    console.print(table)
    for result, finding in ordered_findings(report):
        where = f"{finding.location}: " if finding.location else ""
        console.print(
            f"{escape(where)}[{_STYLE['fail'] if finding.level.value == 'error' else 'yellow'}]"
            f"{finding.level.value}[/]: {escape(finding.message)} [dim]\\[{result.check.id}][/]"
        )
        if finding.hint:
            console.print(f"    fix: {escape(finding.hint)}")
    console.print(summary_line(report))
    return buffer.getvalue()
