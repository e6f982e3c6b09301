"""JUnit XML report: one testcase per check (failure, error or skipped as fits)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dockyard.domain.checks import Status
from dockyard.workflows.verify import Report

__all__ = ["render"]


def render(report: Report) -> str:
    """The report as JUnit XML.

    A check fails when it has a finding at or above ``--fail-on``; findings below it
    go to the testcase's ``system-out``. ERROR checks are ``<error>``, SKIP ``<skipped>``.
    """
    failing = [
        r for r in report.results if any(f.level.rank >= report.fail_on.rank for f in r.findings)
    ]
    counts = {
        "tests": str(len(report.results)),
        "failures": str(len(failing)),
        "errors": str(report.count(Status.ERROR)),
        "skipped": str(report.count(Status.SKIP)),
        "time": f"{sum(r.duration for r in report.results):.3f}",
    }
    suites = ET.Element("testsuites", {"name": "dockyard", **counts})
    suite = ET.SubElement(
        suites, "testsuite", {"name": f"dockyard check ({report.environment})", **counts}
    )
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"dockyard.{result.check.kind}",
                "name": f"{result.check.id} {result.check.title}",
                "time": f"{result.duration:.3f}",
            },
        )
        details = "\n".join(
            f"{f.location + ': ' if f.location else ''}{f.level.value}: {f.message}"
            + (f"\n    fix: {f.hint}" if f.hint else "")
            for f in result.findings
        )
        if result.status is Status.ERROR:
            ET.SubElement(case, "error", {"message": result.reason, "type": "could-not-check"})
        elif result.status is Status.SKIP:
            ET.SubElement(case, "skipped", {"message": result.reason})
        elif result in failing:
            worst = result.worst()
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "message": f"{len(result.findings)} finding(s)",
                    "type": worst.value if worst else "error",
                },
            )
            failure.text = details
        elif details:
            ET.SubElement(case, "system-out").text = details
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
