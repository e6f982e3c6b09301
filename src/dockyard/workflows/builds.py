"""Build failures: the failing step named from BuildKit's (or the legacy builder's) output.

The step is found from the failing vertex's ``#N ERROR`` line and its header, or, when
the header has scrolled out of the output's tail (a step that printed a lot), from the
summary BuildKit prints after the failure (`` > [stage n/m] CMD:``).
"""

from __future__ import annotations

import re

from dockyard.errors import CommandError, DockyardError

__all__ = ["BuildError", "build_error", "build_failed"]


class BuildError(DockyardError):
    """An image build failed (exit 1); the message names the failing step."""

    exit_code = 1

    def __init__(self, service: str, step: str, detail: str) -> None:
        super().__init__(f"build of service {service!r} failed at {step}: {detail}")
        self.step = step


_STEP_HEADER = re.compile(r"^#(?P<n>\d+) \[(?P<where>[^\]]+)\] (?P<cmd>.+)$")
_STEP_ERROR = re.compile(r"^#(?P<n>\d+) ERROR")
# BuildKit's summary of the failed step (its last log lines follow): ` > [where] CMD:`
_STEP_SUMMARY = re.compile(r"^> \[(?P<where>[^\]]+)\] (?P<cmd>.+):$")
_EXIT_CODE = re.compile(r"exit code: (?P<code>\d+)|returned a non-zero code: (?P<legacy>\d+)")


def build_error(service: str, exc: CommandError) -> BuildError:
    """Name the failing build step from BuildKit's plain progress (or the legacy builder)."""
    headers: dict[str, str] = {}
    step, detail = "an unknown step", f"exit status {exc.returncode}"
    for raw in exc.stderr_tail.splitlines():
        line = raw.strip()
        if header := _STEP_HEADER.match(line):
            headers[header["n"]] = _step_name(header["where"], header["cmd"])
        elif (error := _STEP_ERROR.match(line)) and error["n"] in headers:
            step = headers[error["n"]]
        elif (summary := _STEP_SUMMARY.match(line)) and step == "an unknown step":
            step = _step_name(summary["where"], summary["cmd"])
        elif line.startswith("Step ") and "/" in line.split(":", 1)[0]:  # legacy builder
            step = line[:120]
        if code := _EXIT_CODE.search(line):
            detail = f"exit code {code['code'] or code['legacy']}"
        if "failed to solve" in line and step == "an unknown step":
            detail = line.split("failed to solve: ", 1)[-1][:200]
    return BuildError(service, step, detail)


# What a failed build prints in the output of `compose up --build`, where the containers'
# own lines all start with their name (`app-1  | `): BuildKit's `#N ERROR`, its (or
# bake's) "failed to solve", the legacy builder's non-zero code.
_BUILD_FAILED = re.compile(
    r"^(?:#\d+ ERROR\b|(?:ERROR: )?(?:target \S+: )?failed to solve\b"
    r"|The command .* returned a non-zero code: \d+)"
)


def build_failed(output: str) -> bool:
    """Did the build part of ``compose up --build`` fail (rather than a container)?

    >>> build_failed("#12 ERROR: process did not complete successfully: exit code: 1")
    True
    >>> build_failed("app-1  | failed to solve the equation")
    False
    """
    return any(_BUILD_FAILED.match(line) for line in output.splitlines())


def _step_name(where: str, cmd: str) -> str:
    """``[stage n/m] CMD`` with the command's whitespace folded, cut at 90 characters."""
    cmd = " ".join(cmd.split())
    return f"[{where}] {cmd[:90]}{'...' if len(cmd) > 90 else ''}"
