"""SARIF 2.1.0 report: one rule per check, results with repository-relative locations."""

from __future__ import annotations

import json
import re
from typing import Any

from dockyard import __version__
from dockyard.domain.checks import Status
from dockyard.surfaces.reports.common import ordered_findings, posix
from dockyard.workflows.verify import EXIT_COULD_NOT_CHECK, Report

__all__ = ["SARIF_SCHEMA", "render"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_INFO_URI = "https://github.com/dockyard-dev/dockyard/blob/main/docs/checks.md"


def _rule_name(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (``uriBaseId`` ``%SRCROOT%``: the repository)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for result in report.results:
        check = result.check
        index[check.id] = len(rules)
        rules.append(
            {
                "id": check.id,
                "name": _rule_name(check.title),
                "shortDescription": {"text": check.title},
                "help": {"text": check.hint},
                "helpUri": f"{_INFO_URI}#{check.id.lower()}",
                "defaultConfiguration": {"level": check.level.value},
                "properties": {"tags": [check.kind, *check.aliases]},
            }
        )
    results: list[dict[str, Any]] = []
    for result, finding in ordered_findings(report):
        item: dict[str, Any] = {
            "ruleId": result.check.id,
            "ruleIndex": index[result.check.id],
            "level": finding.level.value,
            "message": {
                "text": finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
            },
        }
        if finding.path is not None:
            location: dict[str, Any] = {
                "artifactLocation": {"uri": posix(finding), "uriBaseId": "%SRCROOT%"}
            }
            if finding.line:
                location["region"] = {"startLine": finding.line}
            item["locations"] = [{"physicalLocation": location}]
        results.append(item)
    notifications = [
        {
            "level": "error" if r.status is Status.ERROR else "note",
            "message": {"text": f"{r.check.id} {r.status.value}: {r.reason}"},
            "descriptor": {"id": r.check.id, "index": index[r.check.id]},
        }
        for r in report.results
        if r.status in (Status.ERROR, Status.SKIP)
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dockyard",
                        "version": __version__,
                        "informationUri": _INFO_URI,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": report.exit_code != EXIT_COULD_NOT_CHECK,
                        "exitCode": report.exit_code,
                        "toolConfigurationNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
