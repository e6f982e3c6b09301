"""The Dockerfile model: instructions, continuations, stages and the target's user."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.dockerfile import (
    effective_user,
    is_root_user,
    parse_dockerfile,
    stage_chain,
    substitute,
)

P = Path("Dockerfile")


def test_continuations_comments_and_line_numbers() -> None:
    df = parse_dockerfile(
        "FROM python:3.13 AS base\n"
        "RUN apt-get update \\\n"
        "    # a comment inside the continuation\n"
        "\n"
        "    && true\n"
        "COPY --chown=app:app --link . /app\n",
        P,
    )
    (stage,) = df.stages
    run, copy = stage.instructions
    assert (run.keyword, run.line) == ("RUN", 2)
    assert "&& true" in run.args and "comment" not in run.args
    assert copy.flags == {"chown": "app:app", "link": ""}
    assert copy.args == ". /app" and copy.line == 6


def test_escape_directive_backtick() -> None:
    df = parse_dockerfile("# escape=`\nFROM img\nRUN echo a `\n  b\nUSER app\n", P)
    assert [i.keyword for i in df.stages[0].instructions] == ["RUN", "USER"]
    assert df.stages[0].instructions[1].line == 5


def test_stages_global_args_and_chain() -> None:
    df = parse_dockerfile(
        "ARG BASE=python:3.13\nFROM ${BASE} AS base\nUSER app\nFROM base AS dev\n"
        "FROM python:3.13 AS other\nFROM dev AS final\n",
        P,
    )
    assert df.global_defaults() == {"BASE": "python:3.13"}
    assert [s.name for s in stage_chain(df, "final")] == ["final", "dev", "base"]
    assert [s.name for s in stage_chain(df)] == ["final", "dev", "base"]
    assert df.stage("missing") is None


def test_user_inherited_through_from_chain_is_not_root() -> None:
    # trivy DS-0002 flags `final` (no USER in it); its parent sets one
    df = parse_dockerfile(
        "FROM python:3.13 AS builder\nRUN pip wheel -w /w .\n"
        "FROM python:3.13 AS base\nRUN useradd app\nUSER app\n"
        "FROM base AS final\nCOPY --from=builder /w /w\n",
        P,
    )
    user = effective_user(df)
    assert user is not None
    assert (user.name, user.line, user.is_root) == ("app", 5, False)


def test_root_builder_stage_does_not_count() -> None:
    # hadolint DL3002 looks at every stage; only the target's chain matters here
    df = parse_dockerfile("FROM python AS builder\nUSER root\nFROM python AS final\nUSER app\n", P)
    user = effective_user(df)
    assert user is not None and not user.is_root
    builder = effective_user(df, "builder")
    assert builder is not None and builder.is_root and builder.line == 2


def test_no_user_anywhere_is_root_of_base_image() -> None:
    df = parse_dockerfile("FROM python:3.13-slim AS a\nFROM a AS b\n", P)
    user = effective_user(df, "b")
    assert user is not None and user.is_root and user.name is None
    assert user.base_image == "python:3.13-slim"


def test_user_from_variables_and_build_args() -> None:
    df = parse_dockerfile("FROM img\nARG RUN_AS=0\nUSER ${RUN_AS}\n", P)
    root = effective_user(df)
    assert root is not None and root.is_root
    user = effective_user(df, build_args={"RUN_AS": "4242"})
    assert user is not None and user.resolved == "4242" and not user.is_root
    unknown = parse_dockerfile("FROM img\nARG WHO\nUSER $WHO\n", P)
    info = effective_user(unknown)
    assert info is not None and info.resolved is None and not info.is_root


@pytest.mark.parametrize(
    ("user", "root"),
    [
        ("root", True),
        ("0", True),
        ("0:0", True),
        ("root:app", True),
        ("app", False),
        ("1000:1000", False),
        ("rooty", False),
    ],
)
def test_is_root_user(user: str, root: bool) -> None:
    assert is_root_user(user) is root


def test_substitute_defaults() -> None:
    assert substitute("${A:-x}-$B", {"A": None, "B": "b"}) == "x-b"
    assert substitute("${A:+set}", {"A": "1"}) == "set"
    assert substitute("$MISSING", {}) is None


def test_seed_dockerfile_targets() -> None:
    df = parse_dockerfile(SEED, P)
    for target in ("development", "production", "callback"):
        info = effective_user(df, target)
        assert info is not None and not info.is_root, target
    builder = effective_user(df, "builder")
    assert builder is not None and builder.name == "appuser"  # inherited from base


SEED = """\
FROM ghcr.io/astral-sh/uv:0.8.22-python3.13-trixie-slim AS base
RUN groupadd -r appuser -g 1000 && \\
    useradd -r -u 1000 -g appuser -m -s /bin/bash appuser
WORKDIR /app
USER appuser
FROM base AS development
COPY --chown=appuser:appuser . .
FROM base AS builder
RUN uv sync --frozen --no-dev
FROM python:3.13-slim AS production
RUN groupadd -r appuser -g 1000
COPY --from=builder --chown=appuser:appuser /app/.venv /app/.venv
USER appuser
HEALTHCHECK --interval=30s CMD curl -f https://localhost:8000/health || exit 1
FROM python:3.13-slim AS callback
USER appuser
"""
