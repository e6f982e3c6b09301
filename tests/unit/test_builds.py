"""Build failures name the failing step, even when its header left the output's tail."""

from __future__ import annotations

from dockyard.adapters.runner import tail
from dockyard.errors import CommandError
from dockyard.workflows.builds import build_error

# A dependency step that printed its requirements, then failed (this engine's BuildKit,
# offline, no wheelhouse): its `#11 [...]` header is more than 20 lines from the end.
LONG_FAILURE = (
    "#11 [app development 2/5] RUN --mount=type=cache,target=/root/.cache,sharing=locked"
    "     --mount=type=bind,from=installer,source=/tmp/dockyard,target=/tmp/dockyard"
    "     sh /tmp/dockyard/install.sh deps dev\n"
    + "".join(f"#11 0.26{i} package{i}==1.0\n#11 0.26{i}     # via pytest\n" for i in range(9))
    + "#11 0.321 error: Failed to fetch: https://pypi.org/simple/iniconfig/\n"
    "#11 ERROR: executor failed running [/bin/sh -c sh /tmp/dockyard/install.sh deps dev]:"
    " exit code: 2\n"
    "------\n"
    " > [app development 2/5] RUN --mount=type=cache,target=/root/.cache,sharing=locked"
    "     --mount=type=bind,from=installer,source=/tmp/dockyard,target=/tmp/dockyard"
    "     sh /tmp/dockyard/install.sh deps dev:\n"
    + "".join(f"0.26{i} package{i}==1.0\n" for i in range(9))
    + "0.321 error: Failed to fetch: https://pypi.org/simple/iniconfig/\n"
    "------\n"
    "failed to solve: executor failed running [/bin/sh -c sh /tmp/dockyard/install.sh deps"
    " dev]: exit code: 2\n"
)


def test_the_summary_names_the_step_whose_header_left_the_tail() -> None:
    kept = tail(LONG_FAILURE)  # what a CommandError carries
    assert "#11 [app development 2/5]" not in kept
    error = build_error("app", CommandError(("docker",), 17, kept))
    assert str(error).startswith(
        "build of service 'app' failed at [app development 2/5] RUN --mount=type=cache,"
    )
    assert str(error).endswith("...: exit code 2")
    assert error.step.startswith("[app development 2/5]")


def test_the_header_wins_when_it_is_in_the_tail() -> None:
    error = build_error("app", CommandError(("docker",), 17, LONG_FAILURE))
    assert error.step.startswith("[app development 2/5] RUN --mount=type=cache")
    assert "exit code 2" in str(error)
