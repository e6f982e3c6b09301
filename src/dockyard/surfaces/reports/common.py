"""Helpers the report formats share: ordering and display of findings."""

from __future__ import annotations

from collections.abc import Iterator

from dockyard.domain.checks import CheckResult
from dockyard.domain.findings import Finding
from dockyard.workflows.verify import Report

__all__ = ["ordered_findings", "posix"]


def ordered_findings(report: Report) -> Iterator[tuple[CheckResult, Finding]]:
    """Every finding with its check, most severe first, then by file, line and id."""
    pairs = [(result, finding) for result in report.results for finding in result.findings]
    pairs.sort(key=lambda p: (-p[1].level.rank, posix(p[1]), p[1].line or 0, p[1].check_id))
    yield from pairs


def posix(finding: Finding) -> str:
    """The finding's repository-relative path with forward slashes ('' when none)."""
    return finding.path.as_posix() if finding.path is not None else ""
