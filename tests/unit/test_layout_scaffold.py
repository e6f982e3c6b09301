"""The init plan: templates filled in, package manager and project name detected."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.layout import Write, plan_init
from dockyard.domain.layout.scaffold import template


def test_templates_load_from_package_data() -> None:
    text = template("docker-compose.dev.yml", "shop")
    assert "name: shop-dev" in text
    assert "@@" not in text
    assert "../env/.env.dev" in text


def test_init_plan_writes_the_whole_layout(tmp_path: Path) -> None:
    root = tmp_path / "My Shop"
    root.mkdir()
    plan = plan_init(root)
    writes = {s.path: s for s in plan.steps if isinstance(s, Write)}
    assert "name: my-shop-dev" in writes["compose/docker-compose.dev.yml"].text
    assert writes["env/.env.dev"].mode == 0o600
    assert writes["env/.env.test"].mode == 0o600
    assert writes["env/.env.ci"].mode == 0o644
    assert "ARG HOST_UID" in writes["docker/Dockerfile"].text
    assert "from dockyard.tasks import namespace" in writes["tasks.py"].text
    assert "import dockyard" in writes["noxfile.py"].text
    assert "!/env/.env.ci" in writes[".gitignore"].text
    assert 'name = "my-shop"' in writes["pyproject.toml"].text
    assert not plan.conflicts


def test_existing_pyproject_name_and_poetry_are_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "billing"\n\n[tool.poetry]\n')
    plan = plan_init(tmp_path)
    writes = {s.path: s for s in plan.steps if isinstance(s, Write)}
    assert "name: billing-ci" in writes["compose/docker-compose.ci.yml"].text
    assert "poetry" in writes["docker/Dockerfile"].text
    assert "pyproject.toml" not in writes
