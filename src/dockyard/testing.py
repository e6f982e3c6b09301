"""Test doubles that ship with dockyard, so users' tests can use them too.

:class:`FakeEngine` stands in for :class:`dockyard.adapters.engine.DockerEngine`::

    engine = FakeEngine(images={"proj-dev-app": {"dev.dockyard.uid": "1000"}})
    engine.add_container("c1", labels={"com.docker.compose.project": "proj-dev"})
    ...code under test calls the engine...
    assert engine.calls[0][0] == "image_labels"

:class:`FakeRunner` stands in for :class:`dockyard.adapters.runner.SubprocessRunner`::

    runner = FakeRunner()
    runner.respond(["docker", "compose", "version"], stdout="Docker Compose version v2.40.3")
    ...code under test runs commands through ``runner``...
    assert runner.calls[0].argv[:2] == ("docker", "compose")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.adapters.engine import Endpoint, Exec
from dockyard.adapters.runner import DEFAULT_TIMEOUT, Completed, tail
from dockyard.errors import CommandError, CommandNotFoundError

__all__ = ["Call", "FakeEngine", "FakeRunner"]


@dataclass(frozen=True)
class Call:
    """One command a :class:`FakeRunner` was asked to run, with its options."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path | None
    timeout: float | None
    capture: bool
    stdin: str | None


@dataclass
class _Response:
    prefix: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    raises: BaseException | None = None


@dataclass
class FakeRunner:
    """Records every call and answers from scripted responses.

    A response matches when its argv is a prefix of the call's argv; the most recently
    added match wins. Unmatched calls succeed with empty output unless ``strict``.
    Programs listed in ``missing`` raise :class:`CommandNotFoundError`.
    """

    strict: bool = False
    missing: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    _responses: list[_Response] = field(default_factory=list)

    def respond(
        self,
        argv: Sequence[str],
        *,
        returncode: int = 0,
        stdout: str = "",
        stderr: str = "",
        raises: BaseException | None = None,
    ) -> None:
        """Answer calls starting with ``argv`` with this result.

        ``raises``: the call raises it instead (after handing ``stdout`` to
        ``on_output``), e.g. ``KeyboardInterrupt()`` for a Ctrl-C during a build, or
        a :class:`~dockyard.errors.CommandTimeoutError`.
        """
        self._responses.append(_Response(tuple(argv), returncode, stdout, stderr, raises))

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        check: bool = True,
        capture: bool = True,
        stdin: str | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> Completed:
        argv = tuple(argv)
        self.calls.append(Call(argv, dict(env), cwd, timeout, capture, stdin))
        if argv[0] in self.missing:
            raise CommandNotFoundError(argv[0])
        raises: BaseException | None = None
        for response in reversed(self._responses):
            if argv[: len(response.prefix)] == response.prefix:
                done = Completed(argv, response.returncode, response.stdout, response.stderr)
                raises = response.raises
                break
        else:
            if self.strict:
                raise AssertionError(f"FakeRunner: unexpected command {argv!r}")
            done = Completed(argv, 0)
        if on_output is not None:
            for line in (done.stdout + done.stderr).splitlines():
                on_output(line)
        if raises is not None:
            raise raises
        if check and not done.ok:
            raise CommandError(argv, done.returncode, tail(done.stderr))
        return done

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        """Just the argv of every call, in order."""
        return [call.argv for call in self.calls]


@dataclass
class FakeEngine:
    """An :class:`~dockyard.adapters.engine.Engine` answering from scripted payloads.

    ``info``/``version`` are the engine's payloads (record real ones with
    ``docker system info --format json``); ``images`` maps image names to labels, and
    ``image_ids`` to their ids (an image without one gets an id made from its name);
    containers carry ``Labels`` and an ``inspect`` payload. ``exec_results`` answer
    :meth:`exec` in order; ``run_hook`` plays a throwaway container (it receives the
    call's arguments and returns its output, or raises). Every call is recorded in
    ``calls`` as ``(method, args)``. ``errors`` maps a method name to the
    :class:`~dockyard.errors.DockyardError` it raises.
    """

    info_payload: dict[str, Any] = field(default_factory=dict)
    version_payload: dict[str, Any] = field(default_factory=dict)
    images: dict[str, dict[str, str]] = field(default_factory=dict)
    image_ids: dict[str, str] = field(default_factory=dict)
    endpoint: Endpoint = field(
        default_factory=lambda: Endpoint("unix:///var/run/docker.sock", "default socket")
    )
    pullable: set[str] = field(default_factory=set)
    exec_results: list[Exec] = field(default_factory=list)
    run_hook: Callable[..., str] | None = None
    errors: dict[str, Exception] = field(default_factory=dict)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    logs_text: str = ""
    _containers: list[dict[str, Any]] = field(default_factory=list)

    def _call(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        if method in self.errors:
            raise self.errors[method]

    def add_container(
        self,
        container_id: str,
        *,
        labels: Mapping[str, str] | None = None,
        state: str = "running",
        inspect: Mapping[str, Any] | None = None,
    ) -> None:
        """A container the engine lists (``state``) and inspects (``inspect``)."""
        attrs = {"Id": container_id, "Name": f"/{container_id}", **dict(inspect or {})}
        self._containers.append(
            {
                "Id": container_id,
                "Names": [f"/{container_id}"],
                "Labels": dict(labels or {}),
                "State": state,
                "inspect": attrs,
            }
        )

    def info(self) -> dict[str, Any]:
        self._call("info")
        return dict(self.info_payload)

    def version(self) -> dict[str, Any]:
        self._call("version")
        return dict(self.version_payload)

    def image_labels(self, name: str) -> dict[str, str] | None:
        self._call("image_labels", name)
        labels = self.images.get(name)
        return None if labels is None else dict(labels)

    def image_id(self, name: str) -> str | None:
        """The id of local image ``name`` (see ``image_ids``), or None."""
        import hashlib

        self._call("image_id", name)
        if name in self.image_ids:
            return self.image_ids[name]
        if name in self.images:
            return "sha256:" + hashlib.sha256(name.encode()).hexdigest()
        return None

    def pull(self, name: str) -> None:
        from dockyard.errors import EngineError

        self._call("pull", name)
        if name not in self.pullable:
            raise EngineError(f"pulling {name} failed: pull access denied for {name}")
        self.images.setdefault(name, {})

    def containers(self, labels: Sequence[str], *, all: bool = False) -> list[dict[str, Any]]:
        self._call("containers", tuple(labels), all)
        wanted: dict[str, str | None] = {}
        for item in labels:
            key, sep, value = item.partition("=")
            wanted[key] = value if sep else None
        return [
            {k: v for k, v in c.items() if k != "inspect"}
            for c in self._containers
            if (all or c["State"] == "running") and _all_match(c["Labels"], wanted)
        ]

    def inspect(self, container: str) -> dict[str, Any]:
        from dockyard.errors import EngineError

        self._call("inspect", container)
        for c in self._containers:
            if c["Id"] == container:
                return dict(c["inspect"])
        raise EngineError(f"inspecting container {container} failed: no such container")

    def logs(self, container: str, *, tail: int) -> str:
        self._call("logs", container, tail)
        return self.logs_text

    def exec(self, container: str, argv: Sequence[str]) -> Exec:
        self._call("exec", container, tuple(argv))
        return self.exec_results.pop(0) if self.exec_results else Exec(0, b"", b"")

    def run(
        self,
        image: str,
        argv: Sequence[str],
        *,
        user: str,
        volumes: Mapping[str, str],
        working_dir: str | None = None,
        entrypoint: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        self._call("run", image, tuple(argv), user, dict(volumes))
        if self.run_hook is None:
            return ""
        return self.run_hook(
            image,
            argv,
            user=user,
            volumes=volumes,
            working_dir=working_dir,
            entrypoint=entrypoint,
            labels=labels,
        )

    def close(self) -> None:
        self.calls.append(("close", ()))

    def called(self, method: str) -> list[tuple[Any, ...]]:
        """The arguments of every call of ``method``."""
        return [args for name, args in self.calls if name == method]


def _all_match(labels: Mapping[str, str], wanted: Mapping[str, str | None]) -> bool:
    """Does ``labels`` carry every key=value (or key, for None) of ``wanted``?"""
    return all(k in labels if v is None else labels.get(k) == v for k, v in wanted.items())
