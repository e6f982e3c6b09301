"""``dockyard devcontainer``: ``.devcontainer/devcontainer.json`` for an environment."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from invoke.context import Context
from invoke.tasks import task

from dockyard.surfaces.cli import echo, guarded

if TYPE_CHECKING:
    from dockyard.domain.repository import Repository
    from dockyard.domain.services import Service

__all__ = ["devcontainer", "render"]


def _user(repo: Repository, service: Service) -> str | None:
    """The user the service runs as: compose's ``user:``, else the Dockerfile's USER."""
    from dockyard.domain.dockerfile import effective_user, is_root_user
    from dockyard.errors import DockyardError

    name: str | None = service.user
    if name is None and service.build is not None and service.build.dockerfile is not None:
        try:
            dockerfile = repo.dockerfile(service.build.dockerfile)
        except DockyardError:
            return None
        info = effective_user(dockerfile, service.build.target, service.build.args)
        name = info.resolved if info is not None else None
        if info is not None and name is not None and name.split(":")[0].isdigit():
            # USER ${HOST_UID}:${HOST_GID}: the name is the one the image gave that uid
            name = service.build.args.get("APP_USER") or info.stage.args().get("APP_USER")
    if name is None or is_root_user(name) or name.split(":")[0].isdigit():
        return None  # root, or a bare uid: the editor's default user is as good
    return name.split(":")[0]


def render(repo: Repository, env: str | None) -> tuple[dict[str, Any], str]:
    """devcontainer.json (as a mapping) and its compose file, for ``env`` of ``repo``."""
    from dockyard.domain.devcontainer import devcontainer_compose, devcontainer_config
    from dockyard.errors import ConfigError

    stack = repo.stack(env)
    app = stack.app
    if app is None:
        raise ConfigError(
            f"environment {stack.env.name!r} has no service {stack.env.service!r} "
            "for the editor to open",
            source=str(repo.rel(stack.env.compose_files[0])) if stack.env.compose_files else "",
            key="service",
        )
    binds = [(v.source or "", v.target) for v in app.volumes if v.kind == "bind"]
    config = devcontainer_config(
        root=repo.root,
        env=stack.env.name,
        project=stack.project_name,
        compose_files=stack.env.compose_files,
        service=app.name,
        binds=binds,
        user=_user(repo, app),
        has_command=app.command is not None,
    )
    compose = devcontainer_compose(
        env=stack.env.name,
        project=stack.project_name,
        service=app.name,
        image=app.image or f"{stack.project_name}-{app.name}",
        built=app.build is not None,
    )
    return config, compose


@task(
    help={
        "env": "the environment the editor opens (default: dev)",
        "dry_run": "print the file; write nothing",
        "force": "replace a devcontainer.json that differs",
    }
)
@guarded
def devcontainer(
    c: Context, env: str | None = None, dry_run: bool = False, force: bool = False
) -> None:
    """Write .devcontainer/: devcontainer.json and compose.yml for the environment.

    The editor opens the container dockyard builds: the workspace where the bind mount
    puts the repository, the image's app user, no uid update of its own (the image is
    built for this host's ids), `dockyard ENV.build` first so a stale image is rebuilt,
    and the stack stopped when the editor closes. compose.yml keeps dockyard's project
    name and puts the image dockyard built in place of a build of the editor's own.
    Changes: .devcontainer/devcontainer.json, .devcontainer/compose.yml.
    """
    from dockyard.adapters.files import atomic_write
    from dockyard.domain.devcontainer import COMPOSE, FOLDER
    from dockyard.domain.repository import Repository
    from dockyard.errors import UsageError
    from dockyard.surfaces.runtime import runtime_for, settings_for

    runtime = runtime_for(c)
    settings = settings_for(c)
    repo = Repository(settings, runtime.runner, runtime.environ)
    config, compose = render(repo, env or "dev")
    folder = settings.root / FOLDER
    files = {
        folder / "devcontainer.json": json.dumps(config, indent=2) + "\n",
        folder / COMPOSE: compose,
    }
    if dry_run:
        for path, text in files.items():
            echo(f"# {settings.relative(path)}", text.rstrip())
        return
    for path, text in files.items():
        if path.exists() and path.read_text(encoding="utf-8") != text and not force:
            raise UsageError(
                f"{settings.relative(path)}: exists and differs; --force replaces it "
                "(--dry-run shows the new one)",
                argument="--force",
            )
    folder.mkdir(exist_ok=True)
    for path, text in files.items():
        atomic_write(path, text)
        echo(f"wrote {settings.relative(path)}")
