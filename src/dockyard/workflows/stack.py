"""The dev/test/ci workflows: what the seed's Makefile did, done right.

Each operation is a plan first (the exact compose commands, build args, env file and
variables) and an action second, so ``--dry-run`` shows precisely what would run.
Mutating operations hold a per-environment lock under ``.dockyard/``; ``up`` waits
until the services it started are healthy or settled (:mod:`dockyard.workflows.health`),
and on a stack that nothing changed since, has nothing to run
(:mod:`dockyard.workflows.upstate`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dockyard.adapters.compose import Compose, ComposeProject, detect_compose
from dockyard.adapters.runner import Completed, Runner
from dockyard.domain.config import Environment, Settings
from dockyard.domain.envfiles import Resolved
from dockyard.domain.identity import HostIds
from dockyard.domain.images import (
    Expected,
    lock_hash,
    write_inputs,
)
from dockyard.domain.secrets import mask
from dockyard.errors import CommandError, PlanError
from dockyard.workflows.builds import BuildError, build_error
from dockyard.workflows.citest import CiTest
from dockyard.workflows.envs import resolved_env
from dockyard.workflows.freshness import ImageFreshness
from dockyard.workflows.health import ServiceError, Waiting, secret_values, wait_for_services
from dockyard.workflows.plans import Plan, Step, env_lock, state_file
from dockyard.workflows.target import EngineTargeting
from dockyard.workflows.upstate import UpToDate

if TYPE_CHECKING:
    from dockyard.adapters.engine import Engine
    from dockyard.domain.target import Target

__all__ = [
    "BuildError",
    "Plan",
    "ServiceError",
    "Stack",
    "Step",
    "open_stack",
]

Output = Callable[[str], None]
_LOCK_WAIT = 600.0
_ALL_PROFILES = ("--profile", "*")


@dataclass
class Stack(ImageFreshness, EngineTargeting, UpToDate, CiTest):
    """One environment of one repository, ready to plan and run compose operations."""

    settings: Settings
    env: Environment
    runner: Runner
    compose: Compose
    ids: HostIds
    expected: Expected
    variables: Mapping[str, Resolved]
    connect: Callable[[], Engine]
    profiles: tuple[str, ...] = ()
    _targets: list[Target] = field(default_factory=list, repr=False)
    _overrides: tuple[str, ...] = ()

    # ---------------------------------------------------------------- planning
    def plan(self, operation: str, steps: Sequence[Step], *, build: bool = False) -> Plan:
        """A :class:`Plan` for ``operation`` made of ``steps``."""
        plan = Plan(operation, self.env.name, self.settings.relative(self.env.env_file))
        plan.steps = list(steps)
        if build:
            plan.build_args = self.expected.build_args()
        plan.variables = [
            (key, mask(key, item.value), item.origin) for key, item in self.variables.items()
        ]
        if self.profiles:
            plan.notes.append(f"profiles: {', '.join(self.profiles)}")
        return plan

    def argv(self, *args: str, all_profiles: bool = False) -> tuple[str, ...]:
        """``compose [--profile P ...] <args>`` for this environment."""
        return self.compose.argv(*self._overrides, *self.profile_flags(all_profiles), *args)

    def profile_flags(self, all_profiles: bool = False) -> tuple[str, ...]:
        """``--profile P`` for each chosen profile (``--profile '*'``: every profile)."""
        if all_profiles:
            return _ALL_PROFILES
        return tuple(item for name in self.profiles for item in ("--profile", name))

    def step(self, *args: str, why: str) -> Step:
        """A step running ``compose <args>`` for this environment."""
        return Step(self.argv(*args), why)

    def build_step(self, *, no_cache: bool = False, extra: Sequence[str] = ()) -> Step:
        """``compose build`` with the host ids and lock hash as build args."""
        args = ["build", *Compose.build_args(self.expected.build_args())]
        if no_cache:
            args.append("--no-cache")
        why = f"build for uid:gid {self.ids.uid}:{self.ids.gid}" + (
            ", without cache" if no_cache else ""
        )
        return Step(self.argv(*args, *extra), why)

    def up_step(self, extra: Sequence[str] = ()) -> Step:
        """``compose up -d``; then :meth:`wait_healthy` waits for the services."""
        return Step(self.argv("up", "-d", *extra), "start (then wait until healthy or settled)")

    def waiting(self, timeout: float | None = None, settle: float | None = None) -> Waiting:
        """How ``up`` waits: options beat the ``up_timeout``/``settle_seconds`` keys."""
        return Waiting(
            self.env.project_name,
            self.env.service,
            timeout=float(self.settings.up_timeout if timeout is None else timeout),
            settle=float(self.settings.settle_seconds if settle is None else settle),
        )

    def wait_healthy(self, waiting: Waiting | None = None) -> list[str]:
        """Wait until every started service is healthy or settled; raise if one is not."""
        secrets = secret_values({k: v.value for k, v in self.variables.items()})
        return wait_for_services(self.connect(), waiting or self.waiting(), secrets=secrets)

    # ---------------------------------------------------------------- operations
    def up_plan(
        self,
        *,
        build: bool = False,
        no_cache: bool = False,
        extra: Sequence[str] = (),
        waiting: Waiting | None = None,
    ) -> Plan:
        """Plan ``up``: build first when forced, or when the image is missing or stale."""
        engine_notes = self.engine_notes()
        state = self.image_state()
        reasons = list(state.reasons)
        changed, inputs = self.changed_inputs()
        if "no image built yet" not in reasons:
            reasons += changed
        if build or no_cache:
            reasons.insert(0, "build requested" + (" without cache" if no_cache else ""))
        steps = [self.build_step(no_cache=no_cache)] if reasons else []
        plan = self.plan("up", [*steps, self.up_step(extra)], build=bool(reasons))
        plan.notes += [*engine_notes, *(f"rebuild: {reason}" for reason in reasons)]
        plan.inputs = inputs if inputs is not None or not reasons else self.build_inputs()
        if not reasons:
            plan.notes.append(
                f"image is current for uid:gid {self.ids.uid}:{self.ids.gid}, the lock, "
                "the Dockerfile and the compose build section"
            )
        plan.wait = waiting or self.waiting()
        return plan

    def build_plan(
        self, operation: str = "build", *, no_cache: bool = False, extra: Sequence[str] = ()
    ) -> Plan:
        """Plan ``build`` (and record its inputs once it succeeds)."""
        notes = self.engine_notes()
        plan = self.plan(operation, [self.build_step(no_cache=no_cache, extra=extra)], build=True)
        plan.inputs = self.build_inputs()
        plan.notes += notes
        return plan

    def run_plan(self, plan: Plan, *, output: Output | None = None) -> list[str]:
        """Carry out ``plan``'s steps in order under the environment's lock.

        The inputs of a successful build are recorded; a plan that starts services
        waits until they are healthy or settled, and returns their states.
        """
        with self.lock():
            starts = any(self._is_up_step(step) for step in plan.steps)
            if starts:
                self.forget_up()  # a failed or interrupted up leaves no record behind
            for step in plan.steps:
                self._run_step(step, output)
                if plan.inputs is not None and self._is_build(step):
                    self._record(plan.inputs)
            if plan.inputs is not None and not any(self._is_build(s) for s in plan.steps):
                self._record(plan.inputs)  # unchanged, with a fresh quick key
            if plan.wait is not None:
                ready = self.wait_healthy(plan.wait)
                if starts:
                    self.record_up(plan)
                return ready
        return []

    def _record(self, inputs: Mapping[str, str]) -> None:
        write_inputs(state_file(self.settings, self.inputs_path.name), inputs)

    def _is_build(self, step: Step) -> bool:
        return "build" in step.argv[len(self.compose.argv()) :]

    def _run_step(self, step: Step, output: Output | None) -> Completed:
        try:
            return self.runner.run(
                step.argv,
                env=self.compose.env,
                cwd=self.settings.root,
                timeout=3600.0,
                on_output=output if output is not None else _discard,
            )
        except CommandError as exc:
            if self._is_build(step):
                raise build_error(self.env.service, exc) from None
            raise

    def interactive(self, *args: str, all_profiles: bool = False) -> int:
        """Run ``compose <args>`` attached to this terminal; return its exit code."""
        flags = self.profile_flags(all_profiles)
        done = self.compose.run(*flags, *args, timeout=None, check=False, capture=False)
        return done.returncode

    def exec_args(
        self, command: Sequence[str], *, tty: bool, service: str | None = None
    ) -> tuple[str, ...]:
        """``exec [-T] SERVICE CMD...``: a TTY only when there is one."""
        return ("exec", *(() if tty else ("-T",)), service or self.env.service, *command)

    def shell_args(self, *, tty: bool, service: str | None = None) -> tuple[str, ...]:
        """An interactive shell in the service: bash where it exists, else sh."""
        script = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
        return self.exec_args(["sh", "-c", script], tty=tty, service=service)

    def test_args(self, extra: Sequence[str], *, tty: bool) -> tuple[str, ...]:
        """``run --rm [-T] SERVICE TEST_COMMAND EXTRA...``: tests inside the container."""
        return (
            "run",
            "--rm",
            *(() if tty else ("-T",)),
            self.env.service,
            *self.env.test_command,
            *extra,
        )

    def running(self) -> bool:
        """Does any container of this environment exist (running or not)?"""
        label = f"com.docker.compose.project={self.env.project_name}"
        return bool(self.connect().containers([label], all=True))

    def run_tests(self, extra: Sequence[str], *, tty: bool, output: Output | None = None) -> int:
        """Build when stale, run the tests in a one-off container, tidy up after.

        The network compose makes for the one-off container goes away again when
        nothing else of the environment was running.
        """
        plan = self.up_plan()
        builds = [step for step in plan.steps if self._is_build(step)]
        if builds:
            plan.steps, plan.wait = builds, None
            self.run_plan(plan, output=output)
        was_up = self.running()
        try:
            return self.interactive(*self.test_args(extra, tty=tty))
        finally:
            if not was_up:
                self._run_unchecked(self.down_step(volumes=False), 300.0, None)

    def _run_unchecked(self, step: Step, timeout: float | None, output: Output | None) -> int:
        done = self.runner.run(
            step.argv,
            env=self.compose.env,
            cwd=self.settings.root,
            timeout=timeout,
            check=False,
            on_output=output if output is not None else _discard,
        )
        return done.returncode

    def down_step(self, *, volumes: bool, images: bool = False, extra: Sequence[str] = ()) -> Step:
        """``compose --profile '*' down --remove-orphans``: every profile's services too."""
        args = ["down", "--remove-orphans"]
        if volumes:
            args.append("--volumes")
        if images:
            args += ["--rmi", "local"]
        return Step(
            self.argv(*args, *extra, all_profiles=True),
            "stop and remove containers (every profile) and networks"
            + (", volumes" if volumes else "")
            + (", local images" if images else ""),
        )

    # ---------------------------------------------------------------- locking
    def lock(self, wait: float = _LOCK_WAIT) -> contextlib.AbstractContextManager[None]:
        """Hold ``.dockyard/<env>.lock``: concurrent runs on one environment take turns."""
        return env_lock(self.settings, self.env.name, wait)


def open_stack(
    settings: Settings,
    env_name: str | None,
    runner: Runner,
    environ: Mapping[str, str],
    *,
    check_files: bool = True,
    profiles: Sequence[str] | None = None,
) -> Stack:
    """Resolve an environment into a :class:`Stack`: files, variables, ids, compose."""
    env = settings.environment(env_name)
    project = ComposeProject(
        env.project_name,
        env.compose_files,
        env.env_file,
        env.extra_env_files,
        env.env_file_required,
    )
    if check_files:
        project.check_files(settings.relative)
    variables = resolved_env(settings, env, environ)
    compose_env = dict(environ)
    for key, item in variables.items():  # dockyard's own defaults: the host ids
        if item.source == "default" and item.value is not None:
            compose_env[key] = item.value  # only where neither process nor env file sets it
    compose_env.update(env.variables)  # the variables that choose the environment
    ids = _effective_ids(variables)
    expected = Expected(ids.uid, ids.gid, lock_hash(settings.root))
    if "LOCK_HASH" not in environ:  # compose files may pass it on: ${LOCK_HASH:-none}
        compose_env["LOCK_HASH"] = expected.lock_hash
    command = detect_compose(runner, compose_env)
    compose = Compose(runner, command, project, compose_env, settings.root)

    clients: list[Engine] = []

    def connect() -> Engine:
        if not clients:
            from dockyard.adapters.engine import connect as engine_connect

            clients.append(engine_connect(environ))
        return clients[0]

    chosen = tuple(env.profiles if profiles is None else profiles)
    return Stack(settings, env, runner, compose, ids, expected, variables, connect, chosen)


def _effective_ids(variables: Mapping[str, Resolved]) -> HostIds:
    """The build's ids: HOST_UID/HOST_GID as resolved with the other variables.

    The identity rule (:mod:`dockyard.domain.identity`) supplies their default once,
    in :func:`~dockyard.workflows.envs.code_defaults`; it is not computed again here.
    """
    uid, gid = variables.get("HOST_UID"), variables.get("HOST_GID")
    try:
        return HostIds(
            int((uid.value if uid else None) or ""),
            int((gid.value if gid else None) or ""),
            uid.origin if uid else "",
        )
    except ValueError:
        raise PlanError(
            f"HOST_UID/HOST_GID must be integers ({uid.origin if uid else ''})"
        ) from None


def _discard(_: str) -> None:
    return None
