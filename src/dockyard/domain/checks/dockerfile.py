"""Dockerfile checks: the target stage's user, host-id users, healthchecks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockyard.domain.checks.compose import line_of
from dockyard.domain.checks.context import CheckContext
from dockyard.domain.checks.registry import CheckSet, Hit
from dockyard.domain.dockerfile import Instruction, effective_user, stage_chain
from dockyard.domain.findings import Level

__all__ = ["CHECKS"]

CHECKS = CheckSet()

_USER_TOOLS = re.compile(r"\b(useradd|adduser|usermod)\b")
_LITERAL_UID = re.compile(r"(?:-u|--uid)[ =]+(\d+)")


@CHECKS.check(
    "DF001",
    "Target stage does not run as root",
    Level.ERROR,
    hint="end the target stage (or a stage it is built FROM) with `USER app`",
    aliases=("hadolint:DL3002", "trivy:DS-0002", "trivy:AVD-DS-0002", "dockle:CIS-DI-0001"),
)
def target_stage_not_root(ctx: CheckContext) -> Iterator[Hit]:
    """The target stage, through its ``FROM <stage>`` chain, sets a non-root USER."""
    dockerfile = ctx.dockerfile()
    spec = ctx.build_spec()
    user = effective_user(dockerfile, spec.target, spec.args)
    if user is None:
        yield Hit(
            f"target stage {spec.target or '(last)'!r} not found (from {spec.source})",
            dockerfile.path,
            hint="fix build.target in the compose file or the stage name (FROM ... AS name)",
        )
        return
    label = user.stage.name or f"#{user.stage.index}"
    if user.name is None:
        yield Hit(
            f"stage {label!r} and the stages it is built from set no USER: "
            f"it runs as the default user of {user.base_image} (root)",
            dockerfile.path,
            user.stage.line,
        )
    elif user.is_root:
        yield Hit(f"stage {label!r} runs as root (USER {user.name})", dockerfile.path, user.line)


@CHECKS.check(
    "DF002",
    "The container user is created from the host-id build args",
    Level.ERROR,
    hint="ARG HOST_UID / ARG HOST_GID, then `useradd -u ${HOST_UID} -g ${HOST_GID} app`",
)
def user_from_host_ids(ctx: CheckContext) -> Iterator[Hit]:
    """A stage of the target's chain declares HOST_UID/HOST_GID and creates the user."""
    dockerfile = ctx.dockerfile()
    chain = stage_chain(dockerfile, ctx.build_spec().target)
    if not chain:
        return  # DF001 reports the missing target
    declared: set[str] = set(dockerfile.global_defaults())
    creates: list[Instruction] = []
    for stage in chain:
        declared.update(stage.args())
        creates.extend(i for i in stage.find("RUN") if _USER_TOOLS.search(i.args))
    missing = [name for name in ("HOST_UID", "HOST_GID") if name not in declared]
    anchor = chain[0]
    if missing:
        yield Hit(
            f"the target stage's chain declares no ARG {' / '.join(missing)}",
            dockerfile.path,
            anchor.line,
        )
    uses = [i for i in creates if "HOST_UID" in i.args]
    if not uses:
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
                "no useradd/adduser in the target stage's chain uses ${HOST_UID}",
                dockerfile.path,
                anchor.line,
            )


@CHECKS.check(
    "DF003",
    "Every service defines a healthcheck",
    Level.WARNING,
    hint="add `healthcheck:` to the service (or HEALTHCHECK to its Dockerfile stage)",
)
def healthchecks_defined(ctx: CheckContext) -> Iterator[Hit]:
    """Each compose service has a healthcheck, or its built stage has HEALTHCHECK.

    With several compose files a service counts as checked when any file gives it one
    (later files override earlier ones, as compose merges them).
    """
    verdicts: dict[str, Hit | None] = {}
    for compose, name, body in ctx.services():
        if not hasattr(body, "get"):
            continue
        check = body.get("healthcheck")
        if check is not None and hasattr(check, "get"):
            if check.get("disable") is True or _is_none_test(check.get("test")):
                verdicts[name] = Hit(
                    f"service {name!r} disables its healthcheck",
                    compose.path,
                    line_of(body, "healthcheck"),
                )
            else:
                verdicts[name] = None
            continue
        if name in verdicts:
            continue  # an override without a healthcheck keeps the earlier one
        built = name == ctx.env.service and body.get("build") is not None
        if built and _stage_has_healthcheck(ctx):
            verdicts[name] = None
            continue
        verdicts[name] = Hit(
            f"service {name!r} defines no healthcheck",
            compose.path,
            line_of(compose.data.get("services"), name),
        )
    yield from (hit for hit in verdicts.values() if hit is not None)


def _is_none_test(test: object) -> bool:
    if isinstance(test, str):
        return test.strip().upper() == "NONE"
    return isinstance(test, list) and bool(test) and str(test[0]).upper() == "NONE"


def _stage_has_healthcheck(ctx: CheckContext) -> bool:
    from dockyard.domain.checks.registry import SkipCheck

    try:
        dockerfile = ctx.dockerfile()
    except SkipCheck:
        return False
    for stage in stage_chain(dockerfile, ctx.build_spec().target):
        checks = stage.find("HEALTHCHECK")
        if checks:
            return not checks[-1].args.strip().upper().startswith("NONE")
    return False
