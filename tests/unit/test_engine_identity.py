"""One rule of host identity, used alike by builds, live checks and ownership repair."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dockyard.domain.config import load_settings
from dockyard.domain.identity import HostIds, host_ids
from dockyard.testing import FakeRunner
from dockyard.workflows.envs import code_defaults
from dockyard.workflows.stack import open_stack
from dockyard.workflows.venvs import project_ids
from tests.conftest import write


def test_not_root_takes_the_process_ids_whatever_sudo_says(tmp_path: Path) -> None:
    ids = host_ids({"SUDO_UID": "1001", "UID": "7"}, root=tmp_path, uid=1234, gid=99)
    assert (ids.uid, ids.gid, ids.origin) == (1234, 99, "os.getuid()/os.getgid()")


def test_root_on_a_root_owned_checkout_takes_sudo_then_the_default(tmp_path: Path) -> None:
    sudo = host_ids({"SUDO_UID": "1001", "SUDO_GID": "1002"}, uid=0, gid=0)
    assert (sudo.uid, sudo.gid, sudo.origin) == (1001, 1002, "SUDO_UID/SUDO_GID")
    plain = host_ids({"SUDO_UID": "0"}, uid=0, gid=0, default_uid=2000, default_gid=2001)
    assert (plain.uid, plain.gid) == (2000, 2001)
    assert "default_uid" in plain.origin


@pytest.mark.skipif(os.geteuid() != 0, reason="a checkout of another uid needs root")
def test_root_host_with_sudo_and_a_checkout_of_another_uid(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "compose/docker-compose.dev.yml", "services: {app: {build: ..}}\n")
    write(tmp_path / "env/.env.dev", "APP_PORT=8000\n")
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.lchown(path, 4242, 4243)
    environ = {"PATH": "/bin", "SUDO_UID": "1000", "SUDO_GID": "1000"}
    settings = load_settings(tmp_path, environ=environ)
    # the build: HOST_UID/HOST_GID handed to compose and the build args
    defaults = code_defaults(settings, environ)
    assert (defaults["HOST_UID"][0], defaults["HOST_GID"][0]) == ("4242", "4243")
    stack = open_stack(settings, "dev", FakeRunner(), environ)
    assert stack.expected.build_args()["HOST_UID"] == "4242"
    assert "uid:gid 4242:4243" in stack.build_step().why
    # the repair gives files back to the same user
    assert project_ids(tmp_path, environ) == (4242, 4243)
    # and the live checks compare against the same resolved HOST_UID/HOST_GID
    assert "owner of the checkout" in defaults["HOST_UID"][1]


def test_open_stack_computes_the_host_ids_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dockyard.workflows import envs

    calls: list[Mapping[str, str]] = []

    def counted(environ: Mapping[str, str], **kwargs: Any) -> HostIds:
        calls.append(environ)
        return host_ids(environ, **kwargs)

    monkeypatch.setattr(envs, "host_ids", counted)
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "compose/docker-compose.dev.yml", "services: {app: {image: x}}\n")
    write(tmp_path / "env/.env.dev", "A=1\n")
    stack = open_stack(load_settings(tmp_path), "dev", FakeRunner(), {"PATH": "/bin"})
    assert len(calls) == 1
    assert stack.ids.origin.startswith("dockyard default (")
