"""Compose rewriting: paths from compose/, environment to env_file, comments kept."""

from __future__ import annotations

import pytest

from dockyard.domain.layout.compose import relocate, rewrite_compose
from dockyard.errors import PlanError

SOURCE = """\
# top comment
name: shop-dev

services:
  app:
    build: .  # the repository
    environment:
      DATABASE_URL: ${DATABASE_URL:-postgresql://u:pw@db/shop}
      DEBUG: "true"
      MIXED: ${A}-${B}
      PASS_THROUGH:
    volumes:
      - ./src:/app/src:rw
      - .env:/app/.env:ro
      - data:/data
      - type: bind
        source: ./certs
        target: /certs
    env_file: .env.dev

volumes:
  data:
"""


def test_relocate_follows_moves_and_leaves_absolute_paths() -> None:
    assert relocate(".", "compose", {}) == ".."
    assert relocate("./src", "compose", {}) == "../src"
    assert relocate("../sibling", "compose", {}) == "../../sibling"
    assert relocate("/abs/path", "compose", {}) == "/abs/path"
    assert relocate("${HOME}/x", "compose", {}) == "${HOME}/x"
    assert relocate("Dockerfile", "compose", {"Dockerfile": "docker/Dockerfile"}) == (
        "../docker/Dockerfile"
    )


def test_paths_are_rewritten_and_comments_survive() -> None:
    result = rewrite_compose(
        SOURCE,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={".env.dev": "env/.env.dev"},
        env_file="env/.env.dev",
    )
    text = result.text
    assert "# top comment" in text
    assert "# the repository" in text
    assert "build: ..  # the repository" in text or "build: .. # the repository" in text
    assert "- ../src:/app/src:rw" in text
    assert "source: ../certs" in text
    assert "- data:/data" in text
    assert ".env:/app/.env" not in text
    assert "../env/.env.dev" in text
    # key order kept: name before services before volumes
    assert text.index("name:") < text.index("services:") < text.index("\nvolumes:")


def test_environment_moves_passthroughs_and_literals_and_leaves_the_rest() -> None:
    result = rewrite_compose(
        SOURCE,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={".env.dev": "env/.env.dev"},
        env_file="env/.env.dev",
    )
    assert result.moved == {"DATABASE_URL": "postgresql://u:pw@db/shop", "DEBUG": "true"}
    assert "MIXED: ${A}-${B}" in result.text
    assert "PASS_THROUGH" in result.text
    assert any("MIXED" in item for item in result.left)
    assert any("mounted .env" in note for note in result.notes)


def test_list_environment_and_string_build_with_a_moved_dockerfile() -> None:
    text = "services:\n  app:\n    build: .\n    environment:\n      - A=${A:-1}\n      - B=x\n"
    result = rewrite_compose(
        text,
        name="docker-compose.ci.yml",
        new_dir="compose",
        moves={"Dockerfile": "docker/Dockerfile"},
        env_file="env/.env.ci",
    )
    assert result.moved == {"A": "1", "B": "x"}
    assert "context: .." in result.text
    assert "dockerfile: docker/Dockerfile" in result.text
    assert "environment" not in result.text
    assert "- ../env/.env.ci" in result.text


def test_existing_env_file_list_is_extended_not_duplicated() -> None:
    text = (
        "services:\n  app:\n    image: x\n    env_file:\n      - .env.dev\n"
        "    environment:\n      A: b\n"
    )
    result = rewrite_compose(
        text,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={".env.dev": "env/.env.dev"},
        env_file="env/.env.dev",
    )
    assert result.text.count("../env/.env.dev") == 1


def test_invalid_yaml_is_a_plan_error_naming_file_and_line() -> None:
    with pytest.raises(PlanError) as info:
        rewrite_compose(
            "services:\n  app:\n    image: [unclosed\n",
            name="docker-compose.dev.yml",
            new_dir="compose",
            moves={},
            env_file=None,
        )
    message = str(info.value)
    assert message.startswith("docker-compose.dev.yml:")
    assert "\n" not in message


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(PlanError, match="not a compose file"):
        rewrite_compose("- a\n- b\n", name="x.yml", new_dir="compose", moves={}, env_file=None)
