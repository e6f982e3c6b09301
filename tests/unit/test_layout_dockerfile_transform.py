"""The --dockerfile transform: only the stages compose builds change, line by line."""

from __future__ import annotations

import pytest

from dockyard.domain.layout.dockerfile_transform import stages, transform_dockerfile
from dockyard.errors import PlanError

MULTI = """\
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE} AS base
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM base AS dev
COPY requirements.txt .
RUN uv pip install --system -r requirements.txt
COPY . .
EXPOSE 8000
HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1
ENTRYPOINT ["python", "-m"]
CMD ["app", "--reload"]

FROM base AS worker
COPY . .
CMD ["python", "-m", "worker"]
"""


def _stage_text(text: str, name: str) -> str:
    found = {s.name: s for s in stages(text)}
    stage = found[name]
    lines = text.splitlines()
    end = max(c.end_line for c in stage.commands)
    return "\n".join(lines[stage.start : end])


def test_only_the_built_stage_changes_and_keeps_every_instruction() -> None:
    done = transform_dockerfile(MULTI, built_stages=["dev"])
    assert done.changed == ["stage dev"]
    new = done.text
    # other stages, byte for byte
    assert _stage_text(new, "base") == _stage_text(MULTI, "base")
    assert _stage_text(new, "worker") == _stage_text(MULTI, "worker")
    dev = _stage_text(new, "dev")
    for kept in (
        "EXPOSE 8000",
        "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1",
        'ENTRYPOINT ["python", "-m"]',
        'CMD ["app", "--reload"]',
        "RUN uv pip install --system -r requirements.txt",
    ):
        assert kept in dev
    assert "COPY --chown=${HOST_UID}:${HOST_GID} requirements.txt ." in dev
    assert "COPY --chown=${HOST_UID}:${HOST_GID} . ." in dev
    assert "ARG HOST_UID=1000" in dev
    assert "useradd --uid" in dev  # the template's collision handling
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in dev  # the venv out of the bind mount
    assert new.rstrip().endswith('CMD ["python", "-m", "worker"]')
    assert dev.rstrip().endswith("USER ${HOST_UID}:${HOST_GID}")
    assert new.startswith("ARG BASE_IMAGE=python:3.12-slim\nFROM ${BASE_IMAGE} AS base\n")


def test_the_last_stage_is_built_without_a_target_and_its_user_is_replaced() -> None:
    text = 'FROM python:3.12-slim\nUSER nobody\nCOPY --chown=1:1 a b\nCMD ["x"]\n'
    new = transform_dockerfile(text, built_stages=[None]).text
    assert "USER nobody" not in new
    assert "USER ${HOST_UID}:${HOST_GID}" in new
    assert "COPY --chown=1:1 a b" in new  # an explicit owner is kept


def test_a_stage_that_creates_its_own_user_is_left_alone() -> None:
    text = "FROM debian:12\nRUN useradd -u 1000 app\nUSER app\n"
    done = transform_dockerfile(text, built_stages=[None])
    assert done.text == text
    assert "creates its own user" in done.left[0]


def test_a_missing_target_is_reported_not_fatal() -> None:
    done = transform_dockerfile("FROM debian:12\n", built_stages=["development"])
    assert done.text == "FROM debian:12\n"
    assert "'development'" in done.left[0]


def test_unparsable_dockerfile_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="BuildKit cannot parse it"):
        transform_dockerfile("# nothing\n", built_stages=[None])
