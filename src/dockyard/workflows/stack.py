"""The dev/test/ci workflows: what the seed's Makefile did, done right.

Each operation is a plan first (the exact compose commands, build args, env file and
variables) and an action second, so ``--dry-run`` shows precisely what would run.
Mutating operations hold a per-environment lock under ``.dockyard/``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dockyard.adapters.compose import Compose, ComposeProject, detect_compose
from dockyard.adapters.runner import Completed, Runner
from dockyard.domain.config import Environment, Settings
from dockyard.domain.envfiles import Resolved
from dockyard.domain.identity import HostIds, host_ids
from dockyard.domain.images import Expected, Staleness, lock_hash, staleness
from dockyard.domain.secrets import mask
from dockyard.errors import CommandError, DockyardError, PlanError
from dockyard.workflows.envs import code_defaults, resolved_env

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = [
    "BuildError",
    "Plan",
    "Stack",
    "Step",
    "open_stack",
]

Output = Callable[[str], None]
_EXITED = re.compile(r"Exited \((-?\d+)\)")
_LOCK_WAIT = 600.0


class BuildError(DockyardError):
    """An image build failed; the message names the failing step."""

    def __init__(self, service: str, step: str, detail: str) -> None:
        super().__init__(f"build of service {service!r} failed at {step}: {detail}")
        self.step = step


@dataclass(frozen=True)
class Step:
    """One command of a plan and why it runs."""

    argv: tuple[str, ...]
    why: str


@dataclass
class Plan:
    """What an operation will do: commands, build args and the variables they see."""

    operation: str
    environment: str
    env_file: Path
    steps: list[Step] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    variables: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan as text, secrets masked."""
        out = [f"plan: {self.operation} ({self.environment}), env file {self.env_file}"]
        out += [f"  note: {note}" for note in self.notes]
        if self.build_args:
            args = " ".join(f"{k}={v}" for k, v in self.build_args.items())
            out.append(f"  build args: {args}")
        for i, step in enumerate(self.steps, 1):
            import shlex

            out.append(f"  {i}. {shlex.join(step.argv)}")
            out.append(f"     ({step.why})")
        if self.variables:
            out.append("  variables:")
            width = max(len(k) for k, _, _ in self.variables)
            out += [f"    {k.ljust(width)}  {v}  [{o}]" for k, v, o in self.variables]
        return out


@dataclass
class Stack:
    """One environment of one repository, ready to plan and run compose operations."""

    settings: Settings
    env: Environment
    runner: Runner
    compose: Compose
    ids: HostIds
    expected: Expected
    variables: Mapping[str, Resolved]
    connect: Callable[[], DockerClient]

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
        return plan

    def step(self, *args: str, why: str) -> Step:
        """A step running ``compose <args>`` for this environment."""
        return Step(self.compose.argv(*args), why)

    def build_step(self, *, no_cache: bool = False) -> Step:
        """``compose build`` with the host ids and lock hash as build args."""
        args = ["build", *Compose.build_args(self.expected.build_args())]
        if no_cache:
            args.append("--no-cache")
        why = (
            "rebuild from scratch"
            if no_cache
            else f"build for uid:gid {self.ids.uid}:{self.ids.gid}"
        )
        return Step(self.compose.argv(*args), why)

    def up_step(self) -> Step:
        """``compose up -d``; :meth:`wait_healthy` then waits for the services."""
        return Step(self.compose.argv("up", "-d"), "start (then wait until running/healthy)")

    def wait_healthy(self, timeout: float = 300.0) -> None:
        """Wait until every container of the project runs and is healthy (if checked).

        Polls the engine's container list (one call per round, state and health are in
        it) rather than ``up --wait``, whose own polling adds half a second to an
        already running stack.
        """
        client = self.connect()
        label = f"com.docker.compose.project={self.env.project_name}"
        deadline = time.monotonic() + timeout
        while True:
            pending = []
            for summary in client.api.containers(all=True, filters={"label": label}):
                name = (summary.get("Names") or ["?"])[0].lstrip("/")
                state, status = summary.get("State"), str(summary.get("Status") or "")
                if state != "running":
                    exit_code = _EXITED.search(status)
                    if state == "exited" and exit_code and exit_code[1] != "0":
                        raise PlanError(
                            f"container {name} exited with status {exit_code[1]}: "
                            f"see `dockyard {self.env.name}.logs`"
                        )
                    pending.append(f"{name}: {state}")
                elif "(unhealthy)" in status:
                    raise PlanError(
                        f"container {name} is unhealthy: see `dockyard {self.env.name}.logs`"
                    )
                elif "(health: starting)" in status:
                    pending.append(f"{name}: health starting")
            if not pending:
                return
            if time.monotonic() > deadline:
                raise PlanError(f"not healthy after {timeout:g} s: {', '.join(pending)}")
            time.sleep(0.25)

    # ---------------------------------------------------------------- image state
    def image_state(self) -> Staleness:
        """Is the service's image built for this host user and this lock file?

        A running container carries its image's labels in the container list, so the
        common case (the environment is up) costs one engine call.
        """
        client = self.connect()
        from docker.errors import ImageNotFound

        running = client.api.containers(
            filters={
                "label": [
                    f"com.docker.compose.project={self.env.project_name}",
                    f"com.docker.compose.service={self.env.service}",
                ]
            }
        )
        if running:
            return staleness(running[0].get("Labels") or {}, self.expected)
        name = self.compose.image_name(self.env.service)
        try:
            image = client.images.get(name)
        except ImageNotFound:
            return staleness(None, self.expected)
        return staleness(image.labels or {}, self.expected)

    # ---------------------------------------------------------------- operations
    def up_plan(self) -> Plan:
        """Plan ``up``: build first when the image is missing or stale."""
        state = self.image_state()
        steps = [self.build_step()] if state.stale else []
        plan = self.plan("up", [*steps, self.up_step()], build=state.stale)
        plan.notes += [f"rebuild: {reason}" for reason in state.reasons]
        if not state.stale:
            plan.notes.append(
                f"image is current for uid:gid {self.ids.uid}:{self.ids.gid} and the lock"
            )
        return plan

    def ownership_note(self) -> str:
        """Why uid matching does not apply on this engine (rootless, Desktop), or ''."""
        from dockyard.adapters.engine import engine_info

        return engine_info(self.connect()).ownership_note

    def run_plan(self, plan: Plan, *, output: Output | None = None) -> None:
        """Carry out ``plan``'s steps in order under the environment's lock.

        A plan that starts services (``up``) waits until they run and are healthy.
        """
        with self.lock():
            for step in plan.steps:
                self._run_step(step, output)
            if any(step.argv[len(self.compose.argv()) :][:1] == ("up",) for step in plan.steps):
                self.wait_healthy()

    def _run_step(self, step: Step, output: Output | None) -> Completed:
        building = "build" in step.argv[len(self.compose.command) :]
        try:
            return self.runner.run(
                step.argv,
                env=self.compose.env,
                cwd=self.settings.root,
                timeout=3600.0,
                on_output=output if output is not None else _discard,
            )
        except CommandError as exc:
            if building:
                raise _build_error(self.env.service, exc) from None
            raise

    def interactive(self, *args: str) -> int:
        """Run ``compose <args>`` attached to this terminal; return its exit code."""
        done = self.compose.run(*args, timeout=None, check=False, capture=False)
        return done.returncode

    def exec_args(self, command: Sequence[str], *, tty: bool) -> tuple[str, ...]:
        """``exec [-T] SERVICE CMD...``: a TTY only when there is one."""
        return ("exec", *(() if tty else ("-T",)), self.env.service, *command)

    def shell_args(self, *, tty: bool) -> tuple[str, ...]:
        """An interactive shell in the service: bash where it exists, else sh."""
        script = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
        return self.exec_args(["sh", "-c", script], tty=tty)

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

    def ci_test(self, *, output: Output | None = None) -> int:
        """Build, run until the app service exits, return its exit code; always clean up."""
        build = self.build_step()
        up = Step(
            self.compose.argv(
                "up", "--abort-on-container-exit", "--exit-code-from", self.env.service
            ),
            f"run until a container exits; exit code of {self.env.service}",
        )
        down = self.down_step(volumes=True)
        with self.lock():
            try:
                self._run_step(build, output)
                done = self.runner.run(
                    up.argv,
                    env=self.compose.env,
                    cwd=self.settings.root,
                    timeout=None,
                    check=False,
                    on_output=output if output is not None else _discard,
                )
                return done.returncode
            finally:
                # Ctrl-C included: the containers, network and volumes go away
                self.runner.run(
                    down.argv,
                    env=self.compose.env,
                    cwd=self.settings.root,
                    timeout=300.0,
                    check=False,
                    on_output=output if output is not None else _discard,
                )

    def ci_test_plan(self) -> Plan:
        """The plan of :meth:`ci_test`."""
        return self.plan(
            "ci.test",
            [
                self.build_step(),
                Step(
                    self.compose.argv(
                        "up", "--abort-on-container-exit", "--exit-code-from", self.env.service
                    ),
                    f"run until a container exits; exit code of {self.env.service}",
                ),
                self.down_step(volumes=True),
            ],
            build=True,
        )

    def down_step(self, *, volumes: bool, images: bool = False) -> Step:
        """``compose down --remove-orphans`` (optionally ``--volumes``, ``--rmi local``)."""
        args = ["down", "--remove-orphans"]
        if volumes:
            args.append("--volumes")
        if images:
            args += ["--rmi", "local"]
        return Step(
            self.compose.argv(*args),
            "stop and remove containers and networks"
            + (", volumes" if volumes else "")
            + (", local images" if images else ""),
        )

    # ---------------------------------------------------------------- locking
    @contextlib.contextmanager
    def lock(self, wait: float = _LOCK_WAIT) -> Iterator[None]:
        """Hold ``.dockyard/<env>.lock``: concurrent runs on one environment take turns."""
        import fcntl

        folder = self.settings.root / ".dockyard"
        folder.mkdir(exist_ok=True)
        path = folder / f"{self.env.name}.lock"
        with path.open("a+") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise PlanError(
                            f"{self.settings.relative(path)}: another dockyard run on "
                            f"{self.env.name!r} held the lock for {wait:g} s"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def open_stack(
    settings: Settings,
    env_name: str | None,
    runner: Runner,
    environ: Mapping[str, str],
    *,
    check_files: bool = True,
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
    for key in code_defaults(settings, environ):
        item = variables.get(key)
        if item is not None and item.source == "default" and item.value is not None:
            compose_env[key] = item.value  # only where neither process nor env file sets it
    ids = _effective_ids(settings, environ, variables)
    expected = Expected(ids.uid, ids.gid, lock_hash(settings.root))
    command = detect_compose(runner, compose_env)
    compose = Compose(runner, command, project, compose_env, settings.root)

    clients: list[DockerClient] = []

    def connect() -> DockerClient:
        if not clients:
            from dockyard.adapters.engine import connect as engine_connect

            clients.append(engine_connect(environ))
        return clients[0]

    return Stack(settings, env, runner, compose, ids, expected, variables, connect)


def _effective_ids(
    settings: Settings, environ: Mapping[str, str], variables: Mapping[str, Resolved]
) -> HostIds:
    base = host_ids(environ, default_uid=settings.default_uid, default_gid=settings.default_gid)
    uid, gid = variables.get("HOST_UID"), variables.get("HOST_GID")
    try:
        if uid and gid and uid.source != "default":
            return HostIds(int(uid.value or ""), int(gid.value or ""), uid.origin)
    except ValueError:
        raise PlanError(
            f"HOST_UID/HOST_GID must be integers ({uid.origin if uid else ''})"
        ) from None
    return base


_STEP = re.compile(
    r"^#\d+ \[(?P<stage>[^\]]+)\] (?P<cmd>.+)$|=> ERROR \[(?P<stage2>[^\]]+)\] (?P<cmd2>.+)$"
)


_STEP_HEADER = re.compile(r"^#(?P<n>\d+) \[(?P<where>[^\]]+)\] (?P<cmd>.+)$")
_STEP_ERROR = re.compile(r"^#(?P<n>\d+) ERROR")
_EXIT_CODE = re.compile(r"exit code: (?P<code>\d+)|returned a non-zero code: (?P<legacy>\d+)")


def _build_error(service: str, exc: CommandError) -> BuildError:
    """Name the failing build step from BuildKit's plain progress (or the legacy builder)."""
    headers: dict[str, str] = {}
    step, detail = "an unknown step", f"exit status {exc.returncode}"
    for raw in exc.stderr_tail.splitlines():
        line = raw.strip()
        if header := _STEP_HEADER.match(line):
            cmd = " ".join(header["cmd"].split())
            headers[header["n"]] = f"[{header['where']}] {cmd[:90]}{'...' if len(cmd) > 90 else ''}"
        elif (error := _STEP_ERROR.match(line)) and error["n"] in headers:
            step = headers[error["n"]]
        elif line.startswith("Step ") and "/" in line.split(":", 1)[0]:  # legacy builder
            step = line[:120]
        if code := _EXIT_CODE.search(line):
            detail = f"exit code {code['code'] or code['legacy']}"
        if "failed to solve" in line and step == "an unknown step":
            detail = line.split("failed to solve: ", 1)[-1][:200]
    return BuildError(service, step, detail)


def _discard(_: str) -> None:
    return None
