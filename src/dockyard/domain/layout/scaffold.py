"""``layout.init``: the plan that writes the standard layout into a repository.

Files that are missing are created; files with the same content are left alone; files
that differ are conflicts, shown as diffs and changed only with ``force`` (the journal
keeps a backup). ``.gitignore`` and ``pyproject.toml`` are edited in place.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.gitignore import fix_gitignore
from dockyard.domain.layout.plan import Plan
from dockyard.domain.layout.pyproject import fold_requirements, parse_requirements, project_name
from dockyard.errors import PlanError

__all__ = [
    "ENVIRONMENTS",
    "detect_package_manager",
    "fold_requirement_files",
    "plan_init",
    "repo_project_name",
    "scaffold_files",
    "template",
]

ENVIRONMENTS = ("dev", "test", "ci")
PackageManagerName = Literal["uv", "poetry", "pip"]


def template(name: str, project: str = "app") -> str:
    """A layout template from the package data, with the project name filled in."""
    text = resources.files("dockyard.templates.layout").joinpath(name).read_text("utf-8")
    return text.replace("@@PROJECT@@", project).replace("@@MODULE@@", project.replace("-", "_"))


def detect_package_manager(builder: PlanBuilder) -> PackageManagerName:
    """uv with uv.lock or [tool.uv], Poetry with poetry.lock or [tool.poetry], else pip.

    The same rule as the configuration's: a project without a lock (requirements
    files, a bare pyproject.toml) builds with pip, so its image builds as it is.
    """
    if builder.exists("uv.lock"):
        return "uv"
    if builder.exists("poetry.lock"):
        return "poetry"
    text = builder.read("pyproject.toml")
    if text is not None:
        try:
            tools = tomllib.loads(text).get("tool", {})
        except tomllib.TOMLDecodeError:
            return "pip"
        if "poetry" in tools:
            return "poetry"
        if "uv" in tools:
            return "uv"
    return "pip"


def repo_project_name(builder: PlanBuilder) -> str:
    """[project].name of the pyproject, else a name made from the folder's."""
    text = builder.read("pyproject.toml")
    if text is not None:
        try:
            name = tomllib.loads(text).get("project", {}).get("name")
        except tomllib.TOMLDecodeError:
            name = None
        if isinstance(name, str) and name:
            return project_name(name)
    return project_name(builder.root.resolve().name)


def fold_requirement_files(builder: PlanBuilder, name: str) -> None:
    """Plan the pyproject.toml that holds requirements.txt and requirements-dev.txt."""
    runtime_text = builder.read("requirements.txt")
    dev_text = builder.read("requirements-dev.txt")
    existing = builder.read("pyproject.toml")
    if runtime_text is None and dev_text is None:
        if existing is None:
            text, notes = fold_requirements(None, name=name, runtime=[], dev=[])
            builder.write("pyproject.toml", text)
            builder.notes.extend(notes)
        return
    runtime = parse_requirements(runtime_text or "", "requirements.txt")
    dev = parse_requirements(dev_text or "", "requirements-dev.txt")
    text, notes = fold_requirements(existing, name=name, runtime=runtime.items, dev=dev.items)
    if existing is None:
        builder.write("pyproject.toml", text)
    else:
        builder.edit("pyproject.toml", text)
    builder.notes.extend(notes)
    builder.left.extend(runtime.skipped + dev.skipped)
    builder.left.append(
        "requirements*.txt are kept for reference; pyproject.toml is now the source of "
        "dependencies: lock it (`uv lock` or `poetry lock`) and delete them when ready"
    )


def scaffold_files(
    builder: PlanBuilder,
    project: str,
    package_manager: PackageManagerName,
    *,
    force: bool,
    environments: Sequence[str] = ENVIRONMENTS,
    committed_envs: Sequence[str] = ("ci",),
) -> None:
    """Plan every file of the standard layout that is missing (conflicts when differing)."""
    from dockyard.domain.templates import dockerfile_template, dockerignore_template

    for env in environments:
        name = f"docker-compose.{env}.yml"
        builder.put(f"compose/{name}", template(name, project), force=force)
    builder.put(
        "compose/docker-compose.prod.yml.example",
        template("docker-compose.prod.yml.example", project),
        force=force,
    )
    builder.put("env/.env.example", template("env.example", project), force=force)
    builder.put("env/.env.prod.example", template("env.prod.example", project), force=force)
    builder.put("env/README.md", template("env-README.md", project), force=force)
    example = builder.read("env/.env.example") or ""
    for env in environments:
        # real env files are the user's: created when missing, never conflicts
        if not builder.exists(f"env/.env.{env}"):
            mode = 0o644 if env in committed_envs else 0o600
            builder.write(f"env/.env.{env}", example, mode)
    package = _has_build_backend(builder.read("pyproject.toml"))
    builder.put(
        "docker/Dockerfile", dockerfile_template(package_manager, package=package), force=force
    )
    builder.put("docker/Dockerfile.dockerignore", dockerignore_template(), force=force)
    builder.put("tasks.py", template("tasks.py.tmpl", project), force=force)
    builder.put("noxfile.py", template("noxfile.py.tmpl", project), force=force)
    config, compose = _devcontainer(builder, project)
    builder.put(".devcontainer/devcontainer.json", config, force=force)
    builder.put(".devcontainer/compose.yml", compose, force=force)


def _devcontainer(builder: PlanBuilder, project: str) -> tuple[str, str]:
    """The editor's view of the scaffolded dev environment (see dockyard.domain.devcontainer)."""
    import json

    from dockyard.domain.devcontainer import devcontainer_compose, devcontainer_config

    config = devcontainer_config(
        root=builder.root,
        env="dev",
        project=f"{project}-dev",
        compose_files=[Path("compose/docker-compose.dev.yml")],
        service="app",
        binds=[(str(builder.root), "/app")],
        user="app",
        has_command=False,
    )
    compose = devcontainer_compose(
        env="dev", project=f"{project}-dev", service="app", image=f"{project}-dev-app", built=True
    )
    return json.dumps(config, indent=2) + "\n", compose


def fix_gitignore_file(
    builder: PlanBuilder, committed_envs: Sequence[str] = ("ci",), kept: Sequence[str] = ()
) -> None:
    """Plan the .gitignore fix (create the file when missing); ``kept``: env files that
    stay tracked."""
    current = builder.read(".gitignore")
    fixed = fix_gitignore(current or "", committed_envs, kept)
    if current is None:
        builder.write(".gitignore", fixed.text.lstrip("\n"))
    else:
        builder.edit(".gitignore", fixed.text)
    builder.notes.extend(fixed.notes)


def next_steps(manager: PackageManagerName) -> list[str]:
    """What to run after ``layout.init``, in order."""
    lock = {"uv": "`uv lock`", "poetry": "`poetry lock`", "pip": None}[manager]
    steps = [f"next: lock the dependencies ({lock}) and commit the lock"] if lock else []
    return [
        *steps,
        "next: set BASE_IMAGE in env/.env.dev if python:3.13-slim is not your base image",
        "next (offline or air-gapped builds): `dockyard wheels` fills docker/wheels",
        "next: `dockyard dev.up`, then `dockyard dev.exec -- CMD` and `dockyard test.run`",
        "next: set your application's command: in compose/docker-compose.dev.yml",
    ]


def plan_init(root: Path, *, force: bool = False) -> Plan:
    """The plan that scaffolds the standard layout in ``root``."""
    from dockyard.domain.layout.migrate import detect_flat

    flat = detect_flat(root)
    if flat.compose:
        first = next(iter(flat.compose))
        raise PlanError(f"{first}: this repository has the flat layout; use layout.migrate")
    builder = PlanBuilder(root)
    name = repo_project_name(builder)
    manager = detect_package_manager(builder)
    fold_requirement_files(builder, name)
    scaffold_files(builder, name, manager, force=force)
    fix_gitignore_file(builder)
    builder.left.extend(next_steps(manager))
    return Plan(
        "init",
        tuple(builder.steps),
        tuple(builder.notes),
        tuple(builder.left),
        tuple(builder.conflicts),
    )


def _has_build_backend(pyproject: str | None) -> bool:
    """True when ``pyproject.toml`` names a build backend: the project is a package,
    installed into the image; else it is an application, run from its code."""
    import tomllib

    if not pyproject:
        return False
    try:
        return "build-system" in tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        return True  # unreadable here: the package Dockerfile works for both
