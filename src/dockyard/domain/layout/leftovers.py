"""What a migration leaves to the user, said up front: what the checks will still report.

No lock file, no pre-commit configuration, services without a healthcheck (in the
compose files, the files they include, or the image's Dockerfile), env files chosen by
a variable that stay outside ``env/``.
"""

from __future__ import annotations

import posixpath
import re

from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.compose import load_compose

__all__ = ["leftovers"]


def leftovers(builder: PlanBuilder) -> None:
    """What the static checks will still report, said up front."""
    from dockyard.domain.images import lock_hash

    locked = any(builder.exists(n) for n in ("uv.lock", "poetry.lock"))
    if not locked and lock_hash(builder.root).split(":", 1)[0] in (
        "none",
        "requirements.txt",
        "pyproject.toml",
    ):
        builder.left.append(
            "no lock file: `uv lock` (or `poetry lock`) makes image builds repeatable"
        )
    if not builder.exists(".pre-commit-config.yaml"):
        builder.left.append(
            "no .pre-commit-config.yaml: add one (dockyard ships a hook: id dockyard-check)"
        )
    planned = sorted(
        p
        for p in builder.planned_files()
        if p.startswith("compose/") and p.endswith((".yml", ".yaml")) and not p.endswith(".example")
    )
    checked = _healthy_services(builder, planned)
    for rel in planned:
        text = builder.read(rel)
        if text is None:
            continue
        _chosen_env_files_left(builder, rel, text)
        services = load_compose(text, rel).get("services") or {}
        missing = [str(n) for n, s in services.items() if isinstance(s, dict) and n not in checked]
        if missing:
            builder.left.append(
                f"{rel}: no healthcheck for {', '.join(missing)}: add one so `up` waits for health"
            )


def _healthy_services(builder: PlanBuilder, planned: list[str]) -> set[str]:
    """Services with a healthcheck: in any of the compose files or the files they
    include, or in the Dockerfile their build uses (``HEALTHCHECK CMD ...``)."""
    healthy: set[str] = set()
    seen: set[str] = set()
    pending = list(planned)
    while pending and len(seen) < 64:
        rel = pending.pop()
        text = builder.read(rel) if rel not in seen else None
        seen.add(rel)
        if text is None:
            continue
        data = load_compose(text, rel)
        folder = posixpath.dirname(rel)
        for entry in data.get("include") or []:
            paths = entry.get("path") if isinstance(entry, dict) else entry
            for item in paths if isinstance(paths, list) else [paths]:
                pending.append(posixpath.normpath(posixpath.join(folder, str(item))))
        for name, spec in (data.get("services") or {}).items():
            if not isinstance(spec, dict):
                continue
            check = spec.get("healthcheck")
            if isinstance(check, dict) and not check.get("disable"):
                healthy.add(str(name))
            build = spec.get("build")
            if isinstance(build, (str, dict)):
                context = build if isinstance(build, str) else str(build.get("context", "."))
                dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
                where = posixpath.normpath(
                    posixpath.join(folder, context, str(dockerfile or "Dockerfile"))
                )
                found = builder.read(where) if not where.startswith("..") else None
                if found and re.search(r"(?im)^\s*HEALTHCHECK\s+(?!NONE\b)", found):
                    healthy.add(str(name))
    return healthy


def _chosen_env_files_left(builder: PlanBuilder, rel: str, text: str) -> None:
    """An env file chosen by a variable outside ``env/`` (``../envs/${STAGE}.env``) is
    read where it is, and left there: said, since dockyard's env tasks manage env/."""
    from dockyard.domain.selected import env_file_entries

    folder = posixpath.dirname(rel)
    for entry in dict.fromkeys(env_file_entries(text)):
        where = posixpath.normpath(posixpath.join(folder, entry))
        if "$" in entry and not where.startswith("env/"):
            builder.left.append(
                f"{rel}: env_file {entry} (a file per value of its variable) is read where "
                "it is and left there; `dockyard env.init`/`env.show` manage env/.env.<env>: "
                "move the files and the name together to have them managed"
            )
