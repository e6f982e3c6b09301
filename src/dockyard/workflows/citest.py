"""``ci.test``: build, run until the app service exits, its exit code, always clean up.

:class:`CiTest` is the part of :class:`dockyard.workflows.stack.Stack` that does it.
The first run builds apart (``build --build-arg ...``) and records the build's inputs;
while that record says the compose files pass dockyard's build args themselves and
nothing they were made from changed, the next runs build within ``up --build``: one
compose process fewer, the same image.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from dockyard.adapters.runner import Completed, Runner, tail
from dockyard.errors import CommandError
from dockyard.workflows.builds import build_error, build_failed
from dockyard.workflows.plans import Plan, Step

if TYPE_CHECKING:
    from dockyard.adapters.compose import Compose
    from dockyard.domain.config import Environment, Settings

__all__ = ["CiTest"]

Output = Callable[[str], None]


class CiTest:
    """``ci.test`` of one environment (mixed into ``Stack``)."""

    settings: Settings
    env: Environment
    runner: Runner
    compose: Compose

    if TYPE_CHECKING:  # given by ``Stack``, which mixes this in

        def argv(self, *args: str, all_profiles: bool = False) -> tuple[str, ...]:
            """``compose <args>`` for this environment."""
            ...

        def plan(self, operation: str, steps: Sequence[Step], *, build: bool = False) -> Plan:
            """A plan of ``steps``."""
            ...

        def build_step(self, *, no_cache: bool = False, extra: Sequence[str] = ()) -> Step:
            """``compose build`` with dockyard's build args."""
            ...

        def down_step(
            self, *, volumes: bool, images: bool = False, extra: Sequence[str] = ()
        ) -> Step:
            """``compose down`` of every profile."""
            ...

        def engine_notes(self) -> list[str]:
            """What the engine means for this plan."""
            ...

        def lock(self, wait: float = ...) -> contextlib.AbstractContextManager[None]:
            """The environment's lock."""
            ...

        def args_in_compose(self) -> bool:
            """Do the compose files pass dockyard's build args themselves?"""
            ...

        def record_is_current(self) -> bool:
            """Does the record of the last build still hold?"""
            ...

        def build_inputs(self) -> dict[str, str]:
            """What decides the images now."""
            ...

        def _record(self, inputs: Mapping[str, str]) -> None: ...

        def _is_build(self, step: Step) -> bool: ...

        def _run_step(self, step: Step, output: Output | None) -> Completed: ...

        def _run_unchecked(
            self, step: Step, timeout: float | None, output: Output | None
        ) -> int: ...

    def ci_up_step(self, *, build: bool = False) -> Step:
        """``up [--build] --abort-on-container-exit --exit-code-from SERVICE``."""
        flags = ("--build",) if build else ()
        return Step(
            self.argv(
                "up", *flags, "--abort-on-container-exit", "--exit-code-from", self.env.service
            ),
            ("build, then " if build else "")
            + f"run until a container exits; exit code of {self.env.service}",
        )

    def ci_test(self, *, output: Output | None = None) -> int:
        """Build, run until the app service exits, return its exit code; always clean up.

        The inputs of the build are recorded (``.dockyard/<env>.build.json``), so that
        the next run knows whether the compose files pass dockyard's build args by
        themselves: then it builds within ``up --build``, one compose process fewer.
        """
        *steps, down = self.ci_test_plan().steps
        with self.lock():
            try:
                code = 0
                for step in steps:
                    if self._is_build(step):
                        self._run_step(step, output)
                        if not self.record_is_current():
                            self._record(self.build_inputs())
                    else:
                        code = self._run_ci_up(step, output)
                return code
            finally:  # Ctrl-C included: the containers, network and volumes go away
                self._run_unchecked(down, 300.0, output)

    def _run_ci_up(self, step: Step, output: Output | None) -> int:
        """Run ``up``; a build it ran that failed is a :class:`BuildError`, named."""
        done = self.runner.run(
            step.argv,
            env=self.compose.env,
            cwd=self.settings.root,
            timeout=None,
            check=False,
            on_output=output if output is not None else _discard,
        )
        text = done.stdout + done.stderr
        if done.returncode != 0 and "--build" in step.argv and build_failed(text):
            failed = CommandError(step.argv, done.returncode, tail(text))
            raise build_error(self.env.service, failed)
        return done.returncode

    def ci_test_plan(self) -> Plan:
        """The plan of :meth:`ci_test`: ``build`` then ``up``, or ``up --build`` when the
        compose files pass dockyard's build args themselves (see :meth:`args_in_compose`)."""
        notes = self.engine_notes()
        down = self.down_step(volumes=True)
        if self.args_in_compose():
            steps = [self.ci_up_step(build=True), down]
            notes.append(
                "build args: the compose files pass them to every build "
                "(recorded from compose config): built within up"
            )
        else:
            steps = [self.build_step(), self.ci_up_step(), down]
        plan = self.plan("ci.test", steps, build=True)
        plan.notes += notes
        return plan


def _discard(_: str) -> None:
    return None
