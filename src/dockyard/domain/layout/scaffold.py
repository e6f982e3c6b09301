"""The pieces of the target layout: env/README.md, .gitignore, pyproject, Makefile map,
and the plan of ``layout.init`` for a repository that has none of it."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Literal

from dockyard.domain.layout.plan import Plan, Write

__all__ = [
    "env_readme",
    "fix_gitignore",
    "fold_requirements",
    "map_makefile",
    "package_manager",
    "plan_init",
]

_IGNORED = ("env/.env.dev", "env/.env.test", "env/.env.prod")
_BLOCK_START = "# env files (dockyard): real values stay local, templates and CI's are committed"


def package_manager(root: Path) -> Literal["uv", "poetry", "pip"]:
    """The package manager the lock file of ``root`` names (pip without one)."""
    if (root / "uv.lock").is_file():
        return "uv"
    if (root / "poetry.lock").is_file():
        return "poetry"
    return "pip"


def _template(name: str) -> str:
    return files("dockyard.templates").joinpath("layout", name).read_text(encoding="utf-8")


def env_readme() -> str:
    """env/README.md: what each file is, which are ignored, the precedence."""
    return _template("env-README.md")


def fix_gitignore(text: str) -> tuple[str, list[str]]:
    """Fix ``.gitignore`` for env/: the ``env/`` trap, unanchored ``.env*``, real files.

    A bare ``env/`` pattern (common for virtualenvs) would hide the new env/ folder and
    its templates: it is commented out, with the reason beside it. Root ``.env*``
    patterns are anchored so they no longer match inside env/. A block then ignores the
    real env files and keeps the templates and env/.env.ci tracked.
    """
    changes: list[str] = []
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        bare = line.strip()
        if bare in ("env/", "env", "/env/", "/env"):
            out.append(f"# {line}  (dockyard: would hide env/; the venv folder is .venv/)")
            changes.append(f"`{bare}` would hide env/: commented out")
        elif bare in (".env*", ".env.*", ".env"):
            out.append(f"/{bare}")
            changes.append(f"`{bare}` anchored to the root")
        else:
            out.append(line)
    if _BLOCK_START not in text:
        if out and out[-1].strip():
            out.append("")
        out += [
            _BLOCK_START,
            *(f"/{p}" for p in _IGNORED),
            "!/env/.env.ci",
            "!/env/.env.example",
            "!/env/.env.*.example",
        ]
        changes.append("env/.env.dev, .env.test, .env.prod ignored; templates and .env.ci kept")
    return "\n".join(out) + "\n", changes


def fold_requirements(current: str | None, requirements: dict[str, str], *, project: str) -> str:
    """pyproject.toml with the requirements files folded in (tomlkit keeps comments).

    ``requirements.txt`` feeds ``[project] dependencies``; ``requirements-dev.txt`` the
    ``dev`` dependency group. Existing entries are kept; ``-r``/``-e`` lines are skipped.
    """
    import tomlkit

    doc = tomlkit.parse(current) if current is not None else tomlkit.document()
    if "project" not in doc:
        table = tomlkit.table()
        table["name"] = re.sub(r"[^A-Za-z0-9._-]+", "-", project).strip("-") or "app"
        table["version"] = "0.1.0"
        table["requires-python"] = ">=3.11"
        doc["project"] = table
    project_table = doc["project"]
    for name, text in requirements.items():
        wanted = [
            line.split("#", 1)[0].strip()
            for line in text.splitlines()
            if line.split("#", 1)[0].strip() and not line.strip().startswith("-")
        ]
        if name == "requirements.txt":
            target = project_table.setdefault("dependencies", tomlkit.array())
        else:
            groups = doc.setdefault("dependency-groups", tomlkit.table())
            target = groups.setdefault("dev", tomlkit.array())
        have = {_name(str(item)) for item in target}
        for requirement in wanted:
            if _name(requirement) not in have:
                target.append(requirement)
                have.add(_name(requirement))
        if len(target) > 1:
            target.multiline(multiline=True)
    return tomlkit.dumps(doc)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


_TARGETS = {
    "up": "up",
    "down": "down",
    "build": "build",
    "rebuild": "rebuild",
    "logs": "logs",
    "restart": "restart",
    "status": "status",
    "ps": "status",
    "shell": "shell",
    "clean": "clean",
    "test": "test",
}


def map_makefile(text: str) -> tuple[dict[str, str], list[str]]:
    """Makefile targets that drive compose, mapped to dockyard tasks; the rest."""
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for match in re.finditer(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, flags=re.M):
        target = match.group(1)
        if target.startswith(".") or target in mapped or target in unmapped:
            continue
        env, _, verb = target.partition("-")
        if target == "test" or (env == "test" and not verb):
            mapped[target] = "dockyard test.run"
        elif env in ("dev", "test", "ci", "prod") and verb in _TARGETS:
            task = _TARGETS[verb]
            if env == "ci" and verb == "test":
                mapped[target] = "dockyard ci.test"
            elif env == "test" and verb == "test":
                mapped[target] = "dockyard test.run"
            elif verb == "clean" and env != "ci":
                mapped[target] = f"dockyard {env}.down --volumes"
            else:
                mapped[target] = f"dockyard {env}.{task}"
        else:
            unmapped.append(target)
    return mapped, unmapped


_COMPOSE_ENVS = ("dev", "test", "ci")


def plan_init(root: Path, *, force: bool = False) -> tuple[Plan, list[str]]:
    """The plan of ``layout.init``, and the files that exist and differ.

    Files that exist with the same content are skipped (idempotent). A file that
    differs is only replaced with ``force`` (the journal keeps its backup).
    """
    from dockyard.domain.templates import dockerfile_template, dockerignore_template

    manager = package_manager(root)
    wanted: list[tuple[str, str, int, str]] = []
    for env in _COMPOSE_ENVS:
        wanted.append(
            (
                f"compose/docker-compose.{env}.yml",
                _template(f"docker-compose.{env}.yml"),
                0o644,
                f"{env} environment",
            )
        )
    wanted.append(
        (
            "compose/docker-compose.prod.yml.example",
            _template("docker-compose.prod.yml"),
            0o644,
            "production template",
        )
    )
    example = _template("env.example")
    wanted += [
        ("env/.env.example", example, 0o644, "every variable, placeholder values"),
        ("env/.env.prod.example", example, 0o644, "production template"),
        ("env/README.md", env_readme(), 0o644, "what each env file is"),
        ("docker/Dockerfile", dockerfile_template(manager), 0o644, f"UID-aware ({manager})"),
        ("docker/Dockerfile.dockerignore", dockerignore_template(), 0o644, "what builds leave out"),
        ("tasks.py", _template("tasks.py.txt"), 0o644, "Invoke tasks from dockyard"),
        ("noxfile.py", _template("noxfile.py.txt"), 0o644, "nox sessions from dockyard"),
    ]
    plan = Plan()
    differing: list[str] = []
    for rel, text, mode, reason in wanted:
        why = reason
        path = root / rel
        if path.is_file():
            if path.read_text(encoding="utf-8", errors="replace") == text:
                continue
            differing.append(rel)
            if not force:
                continue
            why = f"{why}; replaces the existing file (backed up)"
        plan.steps.append(Write(rel, text.encode(), mode, why))
    gitignore = (
        (root / ".gitignore").read_text(encoding="utf-8") if (root / ".gitignore").is_file() else ""
    )
    fixed, changes = fix_gitignore(gitignore)
    if fixed != gitignore:
        plan.steps.append(Write(".gitignore", fixed.encode(), 0o644, "; ".join(changes)))
    reqs = {
        n: (root / n).read_text(encoding="utf-8")
        for n in ("requirements.txt", "requirements-dev.txt")
        if (root / n).is_file()
    }
    if not (root / "pyproject.toml").is_file():
        text = fold_requirements(None, reqs, project=root.name)
        plan.steps.append(
            Write(
                "pyproject.toml",
                text.encode(),
                0o644,
                "first-time setup: pyproject.toml"
                + (" from the requirements files" if reqs else ""),
            )
        )
    elif reqs:
        current = (root / "pyproject.toml").read_text(encoding="utf-8")
        new = fold_requirements(current, reqs, project=root.name)
        if new != current:
            plan.steps.append(
                Write(
                    "pyproject.toml", new.encode(), 0o644, "requirements folded in, comments kept"
                )
            )
    return plan, differing
