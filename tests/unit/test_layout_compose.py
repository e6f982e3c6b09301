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
        moves={".env.dev": "env/.env.dev", ".env": "env/.env.dev"},
        env_file="env/.env.dev",
    )
    text = result.text
    assert "# top comment" in text
    assert "# the repository" in text
    assert "build: ..  # the repository" in text or "build: .. # the repository" in text
    assert "- ../src:/app/src:rw" in text
    assert "source: ../certs" in text
    assert "- data:/data" in text
    # a bind-mounted env file follows the file; it is not turned into env_file
    assert "- ../env/.env.dev:/app/.env:ro" in text
    assert "env_file: ../env/.env.dev" in text
    # key order kept: name before services before volumes
    assert text.index("name:") < text.index("services:") < text.index("\nvolumes:")


def test_literals_move_pass_throughs_and_interpolations_stay() -> None:
    result = rewrite_compose(
        SOURCE,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={".env.dev": "env/.env.dev"},
        env_file="env/.env.dev",
    )
    assert result.moved == {"DEBUG": "true"}
    assert 'DEBUG: "${DEBUG}"' in result.text
    assert "DATABASE_URL: ${DATABASE_URL:-postgresql://u:pw@db/shop}" in result.text
    assert "MIXED: ${A}-${B}" in result.text
    assert "PASS_THROUGH:" in result.text
    assert "env_file: ../env/.env.dev\n" in result.text  # no second env_file attached


def test_literal_secrets_and_conflicting_values_stay_literal() -> None:
    text = (
        "services:\n  db:\n    image: postgres\n    environment:\n"
        "      POSTGRES_PASSWORD: postgres\n      LOG: info\n      MODE: a\n"
        "  app:\n    image: app\n    environment:\n      MODE: b\n"
    )
    result = rewrite_compose(
        text,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={},
        env_file="env/.env.dev",
        existing={"LOG": "debug"},
    )
    assert result.moved == {"MODE": "a"}
    assert "POSTGRES_PASSWORD: postgres" in result.text
    assert "LOG: info" in result.text
    assert "MODE: b" in result.text
    assert any("POSTGRES_PASSWORD" in item and "secret" in item for item in result.left)


def test_list_environment_and_string_build_with_a_moved_dockerfile() -> None:
    text = "services:\n  app:\n    build: .\n    environment:\n      - A=${A:-1}\n      - B=x\n"
    result = rewrite_compose(
        text,
        name="docker-compose.ci.yml",
        new_dir="compose",
        moves={"Dockerfile": "docker/Dockerfile"},
        env_file="env/.env.ci",
    )
    assert result.moved == {"B": "x"}
    assert "context: .." in result.text
    assert "dockerfile: docker/Dockerfile" in result.text
    assert "- A=${A:-1}" in result.text
    assert "- B=${B}" in result.text
    assert "env_file" not in result.text


def test_a_path_in_an_anchor_is_rewritten_once_for_all_aliases() -> None:
    text = (
        "x-app: &app\n  build:\n    context: .\n  volumes:\n    - ./src:/app/src\n"
        "  env_file: .env.dev\n"
        "services:\n  web:\n    <<: *app\n  worker:\n    <<: *app\n"
        "  beat:\n    volumes: &vols\n      - ./data:/data\n  flower:\n    volumes: *vols\n"
    )
    result = rewrite_compose(
        text,
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={".env.dev": "env/.env.dev"},
        env_file=None,
    )
    assert "context: ..\n" in result.text
    assert "- ../src:/app/src" in result.text
    assert "- ../data:/data" in result.text
    assert "../../" not in result.text
    assert "env_file: ../env/.env.dev" in result.text


def test_project_name_is_written_only_where_compose_derived_it() -> None:
    derived = rewrite_compose(
        "services:\n  app:\n    image: x\n",
        name="docker-compose.dev.yml",
        new_dir="compose",
        moves={},
        env_file=None,
        project="shop",
    )
    assert derived.text.startswith("name: shop\n")
    own = rewrite_compose(
        SOURCE, name="d.yml", new_dir="compose", moves={}, env_file=None, project="shop"
    )
    assert "name: shop-dev" in own.text
    assert "name: shop\n" not in own.text


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


def test_include_paths_follow_from_the_new_folder() -> None:
    text = (
        "include:\n  - deploy/db.yml\n"
        "  - path: [deploy/cache.yml, deploy/cache.override.yml]\n"
        "    env_file: .env.cache\n    project_directory: deploy\n"
        "services:\n  app:\n    image: busybox\n"
    )
    moves = {".env.cache": "env/.env.cache"}
    rewrite = rewrite_compose(
        text, name="compose/docker-compose.dev.yml", new_dir="compose", moves=moves, env_file=None
    )
    assert "  - ../deploy/db.yml\n" in rewrite.text
    assert "path: [../deploy/cache.yml, ../deploy/cache.override.yml]" in rewrite.text
    assert "env_file: ../env/.env.cache" in rewrite.text
    assert "project_directory: ../deploy" in rewrite.text
    assert not rewrite.left
