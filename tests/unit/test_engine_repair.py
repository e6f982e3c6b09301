"""venv.fix-ownership follows the engine's strategy (the engine fake plays the containers)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dockyard.adapters.engine import Endpoint
from dockyard.domain.config import load_settings
from dockyard.testing import FakeEngine
from dockyard.workflows.venvs import fix_ownership
from tests.conftest import write

PAYLOADS = Path(__file__).parent / "engine_payloads"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="files of another uid need root")


def _engine(name: str, scripts: list[str], host: str = "unix:///var/run/docker.sock") -> FakeEngine:
    def load(kind: str) -> Any:
        return json.loads((PAYLOADS / f"{name}.{kind}.json").read_text(encoding="utf-8"))

    shift = 100000 if "rootless" in name else 0  # a rootless engine lands on subordinate ids

    def run(image: str, argv: list[str], *, volumes: dict[str, str], user: str, **_: Any) -> str:
        script = argv[-1]
        if script.startswith("echo probe > "):  # the ownership probe: a file appears here
            made = Path(next(iter(volumes))) / script.rsplit("/", 1)[-1]
            made.write_text("probe\n")
            uid, gid = (int(i) for i in user.split(":"))
            os.chown(made, uid + shift, gid + shift)
        else:
            scripts.append(script)
        return ""

    return FakeEngine(
        info_payload=load("info"),
        version_payload=load("version"),
        endpoint=Endpoint(host, "DOCKER_HOST"),
        images={"helper:1": {}},
        run_hook=run,
    )


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    write(root / "pyproject.toml", "")
    for path in [root, *root.rglob("*")]:
        os.lchown(path, 4242, 4242)
    write(root / "made-in-a-container.txt", "x")  # owned by root: foreign to 4242
    return root


def _fix(tmp_path: Path, engine: FakeEngine) -> Any:
    root = _project(tmp_path)
    environ = {"PATH": "/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    settings = load_settings(root, environ=environ)
    return fix_ownership(settings, lambda: engine, app_image="helper:1", environ=environ)


def test_rootful_engine_gives_files_to_the_host_ids(tmp_path: Path) -> None:
    scripts: list[str] = []
    result = _fix(tmp_path, _engine("docker-rootful-20.10", scripts))
    assert result.applied and (result.uid, result.gid) == (4242, 4242)
    assert scripts == ["find /project -xdev ! -uid 4242 -exec chown -h 4242:4242 {} +"]


def test_rootless_engine_gives_files_to_container_root_which_is_the_host_user(
    tmp_path: Path,
) -> None:
    scripts: list[str] = []
    _fix(tmp_path, _engine("docker-rootless-20.10", scripts, "unix:///run/user/4242/docker.sock"))
    assert scripts == ["find /project -xdev ! -uid 0 -exec chown -h 0:0 {} +"]


def test_remote_engine_skips_with_the_reason(tmp_path: Path) -> None:
    scripts: list[str] = []
    result = _fix(tmp_path, _engine("docker-rootful-20.10", scripts, "tcp://10.0.0.5:2376"))
    assert scripts == [] and not result.applied
    assert result.skipped.startswith("remote engine (tcp://10.0.0.5:2376)")
    assert [e.path for e in result.before] == [Path("made-in-a-container.txt")]
