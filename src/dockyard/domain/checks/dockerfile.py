"""Dockerfile checks: the target stage's user, host-id users, healthchecks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit, SkipCheck
from dockyard.domain.dockerfile import (
    Dockerfile,
    Instruction,
    Stage,
    effective_user,
    stage_chain,
)
from dockyard.domain.findings import Level
from dockyard.domain.services import BuildInfo, Service

__all__ = ["CHECKS"]

CHECKS = CheckSet()

_USER_TOOLS = re.compile(r"\b(useradd|adduser|usermod)\b")
_LITERAL_UID = re.compile(r"(?:-u|--uid)[ =]+(\d+)")


@CHECKS.check(
    "DF001",
    "Target stage does not run as root",
    Level.ERROR,
    hint="end the stage compose builds (or a stage it is built FROM) with `USER app`",
    aliases=("hadolint:DL3002", "trivy:DS-0002", "trivy:AVD-DS-0002", "dockle:CIS-DI-0001"),
)
def target_stage_not_root(ctx: CheckContext) -> Iterator[Hit]:
    """Each built service's stage (its ``target``, else the last), through its ``FROM
    <stage>`` chain, sets a non-root USER."""
    for service, build, dockerfile in _stages(ctx):
        user = effective_user(dockerfile, build.target, build.args)
        if user is None:
            continue  # DF004 reports the missing stage
        label = user.stage.name or f"#{user.stage.index}"
        where = (
            f"stage {label!r} of {ctx.rel(dockerfile.path)} (built for service {service.name!r})"
        )
        if user.name is None:
            yield Hit(
                f"{where} and the stages it is built from set no USER: "
                f"it runs as the default user of {user.base_image} (root)",
                dockerfile.path,
                user.stage.line,
            )
        elif user.is_root:
            yield Hit(f"{where} runs as root (USER {user.name})", dockerfile.path, user.line)


@CHECKS.check(
    "DF002",
    "The container user is created from the host-id build args",
    Level.ERROR,
    hint="ARG HOST_UID / ARG HOST_GID, then `useradd -u ${HOST_UID} -g ${HOST_GID} app`",
)
def user_from_host_ids(ctx: CheckContext) -> Iterator[Hit]:
    """The chain of each stage built from a Python project declares HOST_UID/HOST_GID
    and creates the user from them (a frontend image beside it is not dockyard's)."""
    seen: set[tuple[Path, str | None]] = set()
    stages = [s for s in _stages(ctx) if ctx.repo.project_for(s[1].context) is not None]
    if not stages:
        raise SkipCheck("no service builds a Python project")
    for _, build, dockerfile in stages:
        if (dockerfile.path, build.target) in seen:
            continue
        seen.add((dockerfile.path, build.target))
        chain = stage_chain(dockerfile, build.target)
        if chain:
            yield from _host_id_user(dockerfile, chain)


def _host_id_user(dockerfile: Dockerfile, chain: list[Stage]) -> Iterator[Hit]:
    declared: set[str] = set(dockerfile.global_defaults())
    creates: list[Instruction] = []
    for stage in chain:
        declared.update(stage.args())
        creates.extend(i for i in stage.find("RUN") if _USER_TOOLS.search(i.args))
    missing = [name for name in ("HOST_UID", "HOST_GID") if name not in declared]
    anchor = chain[0]
    label = anchor.name or f"#{anchor.index}"
    if missing:
        yield Hit(
            f"stage {label!r} and the stages it is built from declare no ARG {' / '.join(missing)}",
            dockerfile.path,
            anchor.line,
        )
    uses = [i for i in creates if "HOST_UID" in i.args]
    if uses:
        return
    literal = next((i for i in creates if _LITERAL_UID.search(i.args)), None)
    if literal is not None:
        uid = _LITERAL_UID.search(literal.args)
        shown = uid[1] if uid else "?"
        yield Hit(
            f"the user is created with a fixed uid {shown}, not ${{HOST_UID}}: "
            "files it writes in bind mounts belong to whoever has that uid on the host",
            dockerfile.path,
            literal.line,
        )
    else:
        yield Hit(
            f"no useradd/adduser in stage {label!r} or the stages it is built from "
            "uses ${HOST_UID}",
            dockerfile.path,
            anchor.line,
        )


def _stages(ctx: CheckContext) -> Iterator[tuple[Service, BuildInfo, Dockerfile]]:
    """Every built service whose Dockerfile exists, with the parsed Dockerfile."""
    missing = 0
    pairs = ctx.built()
    for service, build in pairs:
        dockerfile = ctx.stage_dockerfile(build)
        if dockerfile is None:
            missing += 1
            continue
        yield service, build, dockerfile
    if missing == len(pairs):
        raise SkipCheck("no Dockerfile that a service builds exists (see DF004)")


@CHECKS.check(
    "DF003",
    "Every service defines a healthcheck",
    Level.WARNING,
    hint="add `healthcheck:` to the service (or HEALTHCHECK to its Dockerfile stage)",
)
def healthchecks_defined(ctx: CheckContext) -> Iterator[Hit]:
    """Each service compose runs has a healthcheck, or its built stage has HEALTHCHECK.

    Compose's merged view decides: an override that adds a healthcheck counts, one that
    sets ``disable: true`` (or ``test: NONE``) switches it off.
    """
    stack = ctx.stack()
    if not stack.services:
        raise SkipCheck(f"environment {ctx.env.name!r} runs no service")
    for service in stack.services.values():
        check = service.healthcheck
        if check is not None:
            if check.get("disable") is True or _is_none_test(check.get("test")):
                file, line = stack.locate(service.name, "healthcheck")
                yield Hit(f"service {service.name!r} disables its healthcheck", file, line)
            continue
        if service.build is not None and _stage_has_healthcheck(ctx, service.build):
            continue
        if service.build is not None and _stage_missing(ctx, service.build):
            continue  # DF004 reports the Dockerfile or stage that is not there
        file, line = stack.locate(service.name)
        yield Hit(f"service {service.name!r} defines no healthcheck", file, line)


def _is_none_test(test: object) -> bool:
    if isinstance(test, str):
        return test.strip().upper() == "NONE"
    return isinstance(test, list) and bool(test) and str(test[0]).upper() == "NONE"


def _stage_missing(ctx: CheckContext, build: BuildInfo) -> bool:
    if build.dockerfile is None:
        return False
    dockerfile = ctx.stage_dockerfile(build)
    return dockerfile is None or dockerfile.stage(build.target) is None


def _stage_has_healthcheck(ctx: CheckContext, build: BuildInfo) -> bool:
    dockerfile = ctx.stage_dockerfile(build)
    if dockerfile is None:
        return False
    for stage in stage_chain(dockerfile, build.target):
        checks = stage.find("HEALTHCHECK")
        if checks:
            return not checks[-1].args.strip().upper().startswith("NONE")
    return False


@CHECKS.check(
    "DF004",
    "The Dockerfile and the stage each service builds exist",
    Level.ERROR,
    hint="fix `build.dockerfile`/`build.target` in the compose file, or the stage name "
    "(FROM ... AS name)",
)
def build_target_exists(ctx: CheckContext) -> Iterator[Hit]:
    """Each build's Dockerfile exists and has stages, and its ``target`` is one of them."""
    for service, build in ctx.built():
        file, line = ctx.stack().locate(service.name, "build")
        if build.dockerfile is None:
            continue  # dockerfile_inline: nothing on disk to check
        dockerfile = ctx.stage_dockerfile(build)
        if dockerfile is None:
            yield Hit(
                f"service {service.name!r} builds {ctx.rel(build.dockerfile)}, which does not "
                "exist",
                file,
                line,
            )
        elif not dockerfile.stages:
            yield Hit(
                f"{ctx.rel(build.dockerfile)} has no FROM: service {service.name!r} cannot build",
                dockerfile.path,
            )
        elif dockerfile.stage(build.target) is None:
            names = ", ".join(s.name for s in dockerfile.stages if s.name) or "none named"
            yield Hit(
                f"service {service.name!r} builds target {build.target!r}, which "
                f"{ctx.rel(build.dockerfile)} does not define (stages: {names})",
                file,
                line,
            )
