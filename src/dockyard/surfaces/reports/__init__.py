"""Check reports: text, json, junit, sarif and github, all from one :class:`Report`.

Each renderer is a pure function ``Report -> str``; the ``check`` task prints or
writes the text. Exit codes do not depend on the format (see
:mod:`dockyard.workflows.verify`)::

    text = render(report, "sarif")
"""

from __future__ import annotations

from typing import Literal

from dockyard.workflows.verify import Report

__all__ = ["FORMATS", "Format", "render"]

Format = Literal["text", "json", "junit", "sarif", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "junit", "sarif", "github")


def render(report: Report, fmt: str, *, terminal: bool = False, width: int = 100) -> str:
    """``report`` in format ``fmt``; ``terminal`` picks a rich table for text.

    Whatever the format, credential-shaped text is masked
    (:func:`~dockyard.domain.secrets.mask_text`): a finding's message may quote a file.
    """
    from dockyard.domain.secrets import mask_text

    return mask_text(_render(report, fmt, terminal=terminal, width=width))


def _render(report: Report, fmt: str, *, terminal: bool, width: int) -> str:
    from dockyard.errors import UsageError

    if fmt == "text":
        from dockyard.surfaces.reports import text

        return text.render(report, terminal=terminal, width=width)
    if fmt == "json":
        from dockyard.surfaces.reports import json_report

        return json_report.render(report)
    if fmt == "junit":
        from dockyard.surfaces.reports import junit

        return junit.render(report)
    if fmt == "sarif":
        from dockyard.surfaces.reports import sarif

        return sarif.render(report)
    if fmt == "github":
        from dockyard.surfaces.reports import github

        return github.render(report)
    raise UsageError(
        f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", argument="--format"
    )
