"""The registry: unique ids, selection by id/alias/prefix, results never silently pass."""

from __future__ import annotations

import pytest

from dockyard.domain.checks import (
    Check,
    CheckSet,
    Hit,
    Registry,
    SkipCheck,
    Status,
    default_registry,
)
from dockyard.domain.findings import Level
from dockyard.errors import ConfigError, UsageError


def test_every_check_has_id_title_level_hint() -> None:
    registry = default_registry()
    ids = [c.id for c in registry]
    assert len(ids) == len(set(ids)) >= 25
    for check in registry:
        assert check.title and check.hint and isinstance(check.level, Level)
        assert check.kind in ("static", "live")


def test_fresh_registry_each_time() -> None:
    assert default_registry() is not default_registry()


def test_select_only_skip_prefix_alias() -> None:
    registry = default_registry()
    assert [c.id for c in registry.select(only=["DF*"])] == ["DF001", "DF002", "DF003", "DF004"]
    assert [c.id for c in registry.select(only=["hadolint:DL3002"])] == ["DF001"]
    chosen = [c.id for c in registry.select(skip=["LV*", "ENV*"])]
    assert "LV001" not in chosen and "ENV001" not in chosen and "DF001" in chosen
    with pytest.raises(UsageError, match="unknown check 'NOPE'"):
        registry.select(only=["NOPE"])
    with pytest.raises(UsageError):
        registry.select(skip=["ZZ*"])


def test_duplicate_id_refused() -> None:
    checks = CheckSet()

    @checks.check("X001", "t", Level.NOTE, hint="h")
    def one(ctx: object) -> list[Hit]:
        return []

    with pytest.raises(ValueError, match="duplicate"):
        Registry([*checks.checks, *checks.checks])


def _check(probe: object) -> Check:
    return Check("X001", "title", Level.WARNING, "the hint", "static", probe)  # type: ignore[arg-type]


def test_statuses() -> None:
    ctx: object = None
    assert _check(lambda c: []).run(ctx).status is Status.PASS  # type: ignore[arg-type]
    fail = _check(lambda c: [Hit("bad", level=Level.ERROR)]).run(ctx)  # type: ignore[arg-type]
    assert fail.status is Status.FAIL
    assert fail.findings[0].check_id == "X001" and fail.findings[0].hint == "the hint"
    assert fail.findings[0].level is Level.ERROR

    def skip(c: object) -> list[Hit]:
        raise SkipCheck("not here")

    def error(c: object) -> list[Hit]:
        raise ConfigError("bad yaml", source="compose.yml")

    def oserror(c: object) -> list[Hit]:
        raise PermissionError(13, "Permission denied", "docker/Dockerfile")

    assert _check(skip).run(ctx).reason == "not here"  # type: ignore[arg-type]
    result = _check(error).run(ctx)  # type: ignore[arg-type]
    assert result.status is Status.ERROR and "bad yaml" in result.reason
    result = _check(oserror).run(ctx)  # type: ignore[arg-type]
    assert result.status is Status.ERROR
    assert result.reason == "docker/Dockerfile: Permission denied"
