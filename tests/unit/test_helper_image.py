"""The throwaway container's image: the app image, else helper_image, pulled when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.config import load_settings
from dockyard.errors import EngineError
from dockyard.testing import FakeEngine
from dockyard.workflows.venvs import helper_image


def test_local_images_are_used_without_a_pull(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    engine = FakeEngine(images={"app:1": {}, settings.helper_image: {}})
    assert helper_image(settings, engine, "app:1") == "app:1"
    assert helper_image(settings, engine, None) == settings.helper_image
    assert engine.called("pull") == []


def test_missing_helper_image_is_pulled_with_one_progress_line(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    engine = FakeEngine(pullable={settings.helper_image})
    lines: list[str] = []
    image = helper_image(settings, engine, "app:1", lines.append)
    assert image == settings.helper_image
    assert engine.called("pull") == [(settings.helper_image,)]
    assert lines == [f"pulling helper image {settings.helper_image}"]


def test_only_a_failed_pull_is_an_error(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    engine = FakeEngine()
    with pytest.raises(EngineError, match=r"pulling helper_image debian:bookworm-slim failed"):
        helper_image(settings, engine, None)
