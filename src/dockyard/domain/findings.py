"""A finding: one thing a check found, with where it is and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = ["Finding", "Level"]


class Level(StrEnum):
    """How serious a finding is, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


@dataclass(frozen=True)
class Finding:
    """What a check found. ``path`` is relative to the repository root."""

    check_id: str
    level: Level
    message: str
    path: Path | None = None
    line: int | None = None
    hint: str = ""

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)
