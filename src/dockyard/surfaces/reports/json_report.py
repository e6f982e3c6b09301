"""JSON report, schema version 1: summary counts and per-check results.

The schema ships in the package (``report-v1.schema.json`` beside this module,
:func:`schema`) and is documented in docs/checks.md. Additive changes keep the version;
anything else bumps ``version``.
"""

from __future__ import annotations

import json
from typing import Any

from dockyard import __version__
from dockyard.workflows.verify import Report

__all__ = ["SCHEMA_VERSION", "as_dict", "render", "schema"]

SCHEMA_VERSION = 1
SCHEMA_FILE = "report-v1.schema.json"


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (what :func:`render` serialises)."""
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "dockyard", "version": __version__},
        "environment": report.environment,
        "live": report.live,
        "fail_on": report.fail_on.value,
        "exit_code": report.exit_code,
        "summary": report.summary(),
        "checks": [
            {
                "id": r.check.id,
                "title": r.check.title,
                "kind": r.check.kind,
                "level": r.check.level.value,
                "hint": r.check.hint,
                "aliases": list(r.check.aliases),
                "status": r.status.value,
                "reason": r.reason or None,
                "duration_ms": round(r.duration * 1000, 3),
                "findings": [
                    {
                        "level": f.level.value,
                        "message": f.message,
                        "path": f.path.as_posix() if f.path is not None else None,
                        "line": f.line,
                        "hint": f.hint,
                    }
                    for f in r.findings
                ],
            }
            for r in report.results
        ],
    }


def render(report: Report) -> str:
    """The report as indented JSON."""
    return json.dumps(as_dict(report), indent=2) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) the output of :func:`render` follows."""
    from importlib.resources import files

    text = files("dockyard.surfaces.reports").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    value: dict[str, Any] = json.loads(text)
    return value
