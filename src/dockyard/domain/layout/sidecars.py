"""The files beside the Dockerfile: the ignore file BuildKit reads, the Dockerfile itself.

BuildKit reads ``<Dockerfile>.dockerignore`` beside the Dockerfile in preference to the
context's ``.dockerignore``. Writing ``docker/Dockerfile.dockerignore`` therefore
replaces the project's own rules for every build of ``docker/Dockerfile``: the file
dockyard writes starts with the project's rules and adds dockyard's after them.

The Dockerfile changes only on request (``--dockerfile``), and only one that a
service builds: no Dockerfile is written that nothing builds.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.plan import unified_diff

__all__ = [
    "built_dockerfiles",
    "dockerfile_diff",
    "merge_ignore_rules",
    "plan_dockerfile",
    "plan_ignore_file",
]

_IGNORE = "docker/Dockerfile.dockerignore"


def merge_ignore_rules(project: str, ours: str) -> str:
    """The project's ignore rules, then dockyard's rules the project lacks.

    Order matters in ignore files (a later ``!rule`` re-includes), so the project's
    rules come first, unchanged.

    >>> print(merge_ignore_rules("certs/\\n*.pem\\n", "# ours\\n.git/\\n*.pem\\n"), end="")
    certs/
    *.pem
    <BLANKLINE>
    # added by dockyard layout.migrate
    .git/
    """
    present = {line.strip() for line in project.splitlines() if line.strip()}
    added = [
        line
        for line in ours.splitlines()
        if line.strip() and not line.startswith("#") and line.strip() not in present
    ]
    if not added:
        return project
    head = project.rstrip("\n") + "\n\n" if project.strip() else ""
    return head + "# added by dockyard layout.migrate\n" + "\n".join(added) + "\n"


def plan_ignore_file(builder: PlanBuilder) -> None:
    """Write ``docker/Dockerfile.dockerignore``: the project's rules plus dockyard's."""
    from dockyard.domain.templates import dockerignore_template

    if not builder.exists("docker/Dockerfile") or builder.exists(_IGNORE):
        return
    project = builder.read(".dockerignore")
    if project is None:
        builder.write(_IGNORE, dockerignore_template())
        builder.notes.append(
            f"{_IGNORE}: dockyard's rules (BuildKit reads it for docker/Dockerfile)"
        )
        return
    builder.write(_IGNORE, merge_ignore_rules(project, dockerignore_template()))
    builder.notes.append(
        f"{_IGNORE}: the rules of .dockerignore, then dockyard's "
        "(BuildKit reads this file instead of .dockerignore for docker/Dockerfile)"
    )


def _proposal(builder: PlanBuilder, rel: str, current: str) -> tuple[str, list[str]]:
    from dockyard.domain.layout.dockerfile_transform import transform_dockerfile

    stages = built_dockerfiles(builder).get(rel) or [None]
    done = transform_dockerfile(current, built_stages=stages, name=rel)
    return done.text, done.left


def _compose_files(builder: PlanBuilder) -> list[str]:
    return [
        rel
        for rel in builder.planned_files()
        if rel.startswith("compose/") and rel.endswith((".yml", ".yaml", ".yml.example"))
    ]


def built_dockerfiles(builder: PlanBuilder) -> dict[str, list[str | None]]:
    """Root-relative Dockerfile -> the stages compose builds from it (None: the last)."""
    from dockyard.domain.layout.compose import load_compose

    built: dict[str, list[str | None]] = {}
    for rel in _compose_files(builder):
        text = builder.read(rel)
        if text is None:
            continue
        folder = posixpath.dirname(rel)
        for service in (load_compose(text, rel).get("services") or {}).values():
            build = service.get("build") if isinstance(service, dict) else None
            if isinstance(build, str):
                build = {"context": build}
            if not isinstance(build, dict) or "dockerfile_inline" in build:
                continue
            context = str(build.get("context", "."))
            if context.startswith(("/", "$", "~")) or "://" in context:
                continue
            path = posixpath.normpath(
                posixpath.join(folder, context, str(build.get("dockerfile", "Dockerfile")))
            )
            stages = built.setdefault(path, [])
            if build.get("target") not in stages:
                stages.append(build.get("target"))
    return built


def plan_dockerfile(builder: PlanBuilder, *, apply: bool) -> tuple[str, ...]:
    """With ``apply``, make the stages compose builds UID-aware; else say how.

    Every Dockerfile a compose service builds is considered; no Dockerfile is written
    that nothing builds. Returns the compose config fields that change on purpose (the
    host id build args).
    """
    changed = False
    for rel in sorted(built_dockerfiles(builder)):
        current = builder.read(rel)
        if current is None:
            continue
        proposal, left = _proposal(builder, rel, current)
        if apply:
            builder.left.extend(left)
        if proposal == current:
            continue
        if not apply:
            builder.left.append(
                f"{rel}: not changed; review the UID-aware version with "
                "`dockyard layout.migrate --dry-run --dockerfile`, apply it with --dockerfile"
            )
            continue
        builder.edit(rel, proposal)
        builder.notes.append(
            f"{rel}: the stages compose builds create their user from HOST_UID/HOST_GID "
            "and run as it; every other instruction kept"
        )
        changed = True
    if not changed:
        return ()
    _host_id_args(builder)
    return ("build.args.HOST_UID", "build.args.HOST_GID")


def _host_id_args(builder: PlanBuilder) -> None:
    """Compose files building the Dockerfile pass it the host ids."""
    from dockyard.domain.layout.compose import add_host_id_args

    for rel in _compose_files(builder):
        text = builder.read(rel)
        if text is None:
            continue
        new, added = add_host_id_args(text, rel)
        if added:
            builder.edit(rel, new)
            builder.notes.extend(added)


def dockerfile_diff(builder: PlanBuilder, candidates: Sequence[str]) -> str | None:
    """The diff from the repository's Dockerfile to its UID-aware form, if any."""
    for candidate in candidates:
        current = builder.read(candidate)
        if current is not None:
            proposal, _ = _proposal(builder, "docker/Dockerfile", current)
            return unified_diff("docker/Dockerfile", current, proposal) or None
    return None
