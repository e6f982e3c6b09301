"""Which environment each root compose file serves, decided from names, then content.

* ``docker-compose.<env>.yml`` serves ``<env>``;
* the base file (``docker-compose.yml``, ``compose.yaml``, ...) is merged with its
  override (``docker-compose.override.yml``, ``compose.override.yaml``) as compose
  merges them, and serves

  - ``dev`` when it is the only stack, or when it looks like a dev stack (bind-mounted
    source, a reloading server) and no dev file exists;
  - ``prod`` (it becomes the prod example) when other files already cover dev and it
    is unused (no Makefile or CI command names it, no bare ``docker compose``) or
    looks production-like;
  - otherwise the case is ambiguous: :class:`~dockyard.errors.PlanError` (exit 2)
    names ``--base-env`` that settles it.

Seam: the file names come from the planner's own discovery of the root; the
repository model's environments replace it when they land.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dockyard.errors import PlanError

__all__ = ["BaseDecision", "classify_base", "looks_like_dev", "project_name_from_folder"]

_DEV_HINTS = re.compile(
    r"--reload\b|runserver|\bnodemon\b|watchfiles|flask run|--debug\b|"
    r"^\s*-\s*['\"]?\.{1,2}(/[\w./-]*)?:/",
    re.MULTILINE,
)
_BARE_COMPOSE = re.compile(r"(?<![\w./-])docker[ -]compose(?![\w.-])(?![^\n]*\s(-f|--file)\b)")


@dataclass(frozen=True)
class BaseDecision:
    """The environment of the base file and the reason, said in the plan's notes."""

    env: str
    reason: str


def looks_like_dev(text: str) -> bool:
    """True for a stack that bind-mounts the source or runs a reloading server.

    >>> looks_like_dev("services:\\n  app:\\n    volumes:\\n      - ./src:/app/src\\n")
    True
    >>> looks_like_dev("services:\\n  app:\\n    image: shop:1.2\\n")
    False
    """
    return bool(_DEV_HINTS.search(text))


def _used(name: str, commands: Iterable[str]) -> bool:
    """True when a Makefile or CI text names the file or runs a bare compose."""
    return any(name in text or _BARE_COMPOSE.search(text) for text in commands)


def classify_base(
    name: str,
    text: str,
    named_envs: Iterable[str],
    *,
    commands: Mapping[str, str],
    chosen: str | None = None,
) -> BaseDecision:
    """The environment the base compose file ``name`` (content ``text``) serves.

    ``named_envs``: environments other files already cover; ``commands``: the texts of
    the Makefile and CI workflows (file -> text); ``chosen``: ``--base-env``.
    """
    envs = set(named_envs)
    if chosen is not None:
        return BaseDecision(chosen, f"{name}: serves {chosen} (--base-env)")
    if not envs:
        return BaseDecision("dev", f"{name}: the only stack, so it serves dev")
    dev_like = looks_like_dev(text)
    if "dev" not in envs:
        if dev_like:
            return BaseDecision("dev", f"{name}: bind-mounts the source or reloads: dev")
        return BaseDecision("prod", f"{name}: no source mount, no reload: production-like")
    used = [f for f, t in commands.items() if _used(name, [t])]
    if not dev_like:
        return BaseDecision("prod", f"{name}: production-like beside a dev file: prod example")
    if not used:
        return BaseDecision("prod", f"{name}: no command uses it beside a dev file: prod example")
    raise PlanError(
        f"{name}: looks like a dev stack, {', '.join(used)} uses it, and "
        "docker-compose.dev.yml exists too: say which environment it serves with "
        "--base-env NAME (nothing changed)"
    )


def project_name_from_folder(folder: str) -> str:
    """The project name compose derives from a folder name.

    >>> project_name_from_folder("My Shop.v2")
    'myshopv2'
    """
    name = re.sub(r"[^a-z0-9_-]", "", folder.lower())
    return name.lstrip("_-") or "default"
