"""``env.*`` tasks: select, show, check, create and explain env files.

Values of secret-looking keys are masked everywhere; env.check never prints values.
Task bodies import the layers below lazily: listing tasks must stay as fast as Invoke.
"""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from dockyard.surfaces.cli import echo, fail_on_findings, guarded, print_findings

__all__ = ["check", "collection", "explain", "init", "show"]

_ENV_HELP = "environment name: dev, test, ci, ... (default: DOCKYARD_ENV, else 'dev')"


@task(help={"env": _ENV_HELP})
@guarded
def show(c: Context, env: str | None = None) -> None:
    """Show an environment's variables, their values and where each comes from.

    Order: process environment > env file > dockyard defaults (HOST_UID/HOST_GID).
    Values of secret-looking keys are masked. Changes nothing.
    """
    from dockyard.domain.secrets import mask
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows import envs

    settings = settings_for(c)
    environment = settings.environment(env)
    runtime = runtime_for(c)
    resolved = envs.resolved_env(settings, environment, runtime.environ)
    echo(f"# {settings.relative(environment.env_file)} (environment {environment.name})")
    rows = [(key, mask(key, item.value), item.origin) for key, item in resolved.items()]
    key_width = max((len(row[0]) for row in rows), default=0)
    value_width = max((len(row[1]) for row in rows), default=0)
    for key, value, origin in rows:
        echo(f"{key.ljust(key_width)}  {value.ljust(value_width)}  [{origin}]")
    from dockyard.domain.selected import loaded_env_files

    own = environment.env_file.resolve()
    for path in loaded_env_files(environment.compose_files, environment.variables):
        if path != own:
            state = "" if path.is_file() else " (missing)"
            echo(f"# services also load {settings.relative(path)}{state}: their containers get it")


@task(help={"env": _ENV_HELP})
@guarded
def check(c: Context, env: str | None = None) -> None:
    """Check env files: keys against the example, syntax, git status, modes, secrets.

    Exits 1 when there are findings. Changes nothing; never prints a value.
    """
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows import envs

    settings = settings_for(c)
    environment = settings.environment(env)
    runtime = runtime_for(c)
    findings = envs.check_env(settings, environment, runtime.environ, runtime.runner)
    fail_on_findings(print_findings(findings))
    echo(f"{settings.relative(environment.env_file)}: ok")


@task(help={"env": _ENV_HELP})
@guarded
def init(c: Context, env: str | None = None) -> None:
    """Create the environment's env file (env/.env.<env>) from its template, mode 0600.

    The template is the file's own (.env.test.example), else env/.env.example.
    Never overwrites: an existing file is left exactly as it is.
    """
    from dockyard.surfaces.runtime import settings_for
    from dockyard.workflows import envs

    settings = settings_for(c)
    environment = settings.environment(env)
    result = envs.init_env(settings, environment)
    if result.created:
        template = environment.env_example or settings.env_example
        echo(
            f"created {result.path} from {settings.relative(template)} "
            f"({result.keys} keys, mode 0600)"
        )
    else:
        echo(f"{result.path} exists: left unchanged")


@task(positional=["var"], help={"var": "variable name", "env": _ENV_HELP})
@guarded
def explain(c: Context, var: str, env: str | None = None) -> None:
    """Explain where VAR's value comes from and which other sources it shadows.

    Changes nothing; secret values are masked.
    """
    from dockyard.domain.secrets import mask
    from dockyard.surfaces.runtime import runtime_for, settings_for
    from dockyard.workflows import envs

    settings = settings_for(c)
    environment = settings.environment(env)
    runtime = runtime_for(c)
    info = envs.explain_var(settings, environment, runtime.environ, var)
    if info.resolved is None:
        echo(
            f"{var} is not set by the process environment, "
            f"{settings.relative(environment.env_file)} or dockyard's defaults"
        )
    else:
        item = info.resolved
        echo(f"{var}={mask(var, item.value)}", f"  from: {item.origin} ({item.source})")
        for layer in item.shadowed:
            echo(f"  shadows: {layer.origin} ({layer.source}) = {mask(var, layer.value)}")
    example = settings.relative(environment.env_example or settings.env_example)
    if info.in_example:
        echo(f"  documented in {example}:{info.example_line}")
    else:
        echo(f"  not documented in {example}")


def collection() -> Collection:
    """The ``env`` collection."""
    return Collection("env", show, check, init, explain)
