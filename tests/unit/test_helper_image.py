"""The throwaway container's image: the app image, else helper_image, pulled when missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from docker.errors import APIError, ImageNotFound

from dockyard.domain.config import load_settings
from dockyard.errors import EngineError
from dockyard.workflows.venvs import helper_image


@dataclass
class _Images:
    local: set[str]
    pull_fails: bool = False
    pulled: list[str] = field(default_factory=list)

    def get(self, name: str) -> object:
        if name not in self.local:
            raise ImageNotFound(name)
        return object()

    def pull(self, name: str) -> object:
        if self.pull_fails:
            raise APIError("pull access denied for debian, repository does not exist")
        self.pulled.append(name)
        self.local.add(name)
        return object()


@dataclass
class _Client:
    images: _Images


def test_local_images_are_used_without_a_pull(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    client = _Client(_Images({"app:1", settings.helper_image}))
    assert helper_image(settings, cast(Any, client), "app:1") == "app:1"
    assert helper_image(settings, cast(Any, client), None) == settings.helper_image
    assert client.images.pulled == []


def test_missing_helper_image_is_pulled_with_one_progress_line(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    client = _Client(_Images(set()))
    lines: list[str] = []
    image = helper_image(settings, cast(Any, client), "app:1", lines.append)
    assert image == settings.helper_image
    assert client.images.pulled == [settings.helper_image]
    assert lines == [f"pulling helper image {settings.helper_image}"]


def test_only_a_failed_pull_is_an_error(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    client = _Client(_Images(set(), pull_fails=True))
    with pytest.raises(EngineError, match=r"pulling helper_image debian:bookworm-slim failed"):
        helper_image(settings, cast(Any, client), None)
