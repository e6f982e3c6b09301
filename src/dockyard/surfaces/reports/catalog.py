"""The catalogue of checks as a markdown table, kept in docs/checks.md.

Regenerate the table between the markers with
``python -m dockyard.surfaces.reports.catalog docs/checks.md``; a test fails when the
file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockyard.domain.checks import Registry, default_registry

__all__ = ["BEGIN", "END", "main", "markdown_table", "update"]

BEGIN = "<!-- checks:begin (generated: python -m dockyard.surfaces.reports.catalog) -->"
END = "<!-- checks:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(registry: Registry | None = None) -> str:
    """Every check: id, kind, level, title, fix hint, aliases of other linters."""
    rows = [
        "| id | kind | level | title | fix | aliases |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for check in registry or default_registry():
        kind = check.kind + (f" (opt-in: `{check.opt_in}`)" if check.opt_in else "")
        aliases = ", ".join(f"`{a}`" for a in check.aliases) or "—"
        rows.append(
            f'| <a id="{check.id.lower()}"></a>`{check.id}` | {kind} | {check.level.value} '
            f"| {_cell(check.title)} | {_cell(check.hint)} | {aliases} |"
        )
    return "\n".join(rows) + "\n"


def update(text: str, registry: Registry | None = None) -> str:
    """``text`` with the table between :data:`BEGIN` and :data:`END` regenerated."""
    head, sep, rest = text.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError("markers not found")
    return f"{head}{BEGIN}\n{markdown_table(registry)}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table in the markdown files named on the command line."""
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        path.write_text(update(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
