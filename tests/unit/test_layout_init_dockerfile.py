"""layout.init writes the Dockerfile of what the project is: a package or an application."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.layout import Write, plan_init
from tests.conftest import write

APPLICATION = '[project]\nname = "shop"\nversion = "0.1.0"\ndependencies = []\n'
PACKAGE = (
    APPLICATION + '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
)


@pytest.mark.parametrize(("pyproject", "skeleton"), [(APPLICATION, False), (PACKAGE, True)])
def test_init_writes_the_dockerfile_of_a_package_or_an_application(
    tmp_path: Path, pyproject: str, skeleton: bool
) -> None:
    write(tmp_path / "pyproject.toml", pyproject)
    plan = plan_init(tmp_path)
    dockerfile = next(
        s.text for s in plan.steps if isinstance(s, Write) and s.path == "docker/Dockerfile"
    )
    assert ("AS skeleton" in dockerfile) is skeleton
