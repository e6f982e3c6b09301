"""Rootless Docker for real: detection, the probe's remapped owner, dev.up as container root.

Opt-in: ``DOCKYARD_TEST_ROOTLESS_USER`` names an unprivileged user with /etc/subuid and
/etc/subgid ranges; the test (run as root) starts ``dockerd-rootless.sh`` as that user
with its own data root and socket, and stops it by its process group. Where
slirp4netns cannot open /dev/net/tun, rootlesskit runs with ``--net=host`` and the
engine without a bridge (the user has no right to touch the host's interfaces, so the
host's docker0 stays as it is); builds then need ``network: none``.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.stackutil import dockyard, make_project

pytestmark = pytest.mark.engine
CONTRIB = "/usr/share/docker.io/contrib"


@pytest.fixture(scope="module")
def rootless_engine(base_image: str) -> Iterator[str]:
    user = os.environ.get("DOCKYARD_TEST_ROOTLESS_USER", "")
    missing = ""
    if not user:
        missing = "set DOCKYARD_TEST_ROOTLESS_USER to a user with subordinate ids"
    elif os.geteuid() != 0 or not shutil.which("rootlesskit"):
        missing = "starting a rootless engine for another user needs root and rootlesskit"
    if missing:
        if os.environ.get("DOCKYARD_REQUIRE_ENGINE") == "1":  # .ci/run provisions it
            pytest.fail(f"DOCKYARD_REQUIRE_ENGINE=1 but {missing}", pytrace=False)
        pytest.skip(missing)
    account = pwd.getpwnam(user)
    state = Path(tempfile.mkdtemp(prefix="dockyard-rootless-"))  # the user must reach it
    state.chmod(0o755)
    run = state / "run"
    run.mkdir(mode=0o700)
    os.chown(state, account.pw_uid, account.pw_gid)
    os.chown(run, account.pw_uid, account.pw_gid)
    sock = state / "docker.sock"
    try:  # slirp4netns opens /dev/net/tun as the user: root-only here
        tun = bool(Path("/dev/net/tun").stat().st_mode & 0o006)
    except OSError:
        tun = False
    net = "" if tun else "DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host "
    net += "" if tun else "DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none "
    script = (
        f"cd && export XDG_RUNTIME_DIR={run} PATH={CONTRIB}:/usr/sbin:/usr/bin:/sbin:/bin && "
        f"{net}exec dockerd-rootless.sh --data-root {state}/data --exec-root {state}/exec "
        f"--pidfile {state}/dockerd.pid --host unix://{sock} --iptables=false --bridge=none"
    )
    with (state / "log").open("wb") as log:
        process = subprocess.Popen(
            ["su", user, "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    environ = {**os.environ, "DOCKER_HOST": f"unix://{sock}"}
    try:
        for _ in range(120):
            ready = subprocess.run(
                ["docker", "version"], env=environ, capture_output=True, check=False
            )
            if ready.returncode == 0:
                break
            time.sleep(0.25)
        else:
            pytest.fail(f"the rootless engine did not start: {(state / 'log').read_text()[-800:]}")
        saved = subprocess.Popen(["docker", "save", base_image], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "load"], stdin=saved.stdout, env=environ, check=True, capture_output=True
        )
        saved.wait(timeout=60)
        if saved.stdout is not None:
            saved.stdout.close()
        yield f"unix://{sock}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        shutil.rmtree(state, ignore_errors=True)


def test_doctor_tells_rootless_and_the_probe_sees_subordinate_ids(
    rootless_engine: str, base_image: str, tmp_path: Path
) -> None:
    env = {
        "DOCKER_HOST": rootless_engine,
        "DOCKYARD_PROBE_IMAGE": base_image,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    data = json.loads(dockyard(tmp_path, "doctor", "--format", "json", env=env).stdout)
    assert data["engine"]["kind"] == "docker-rootless"
    assert data["strategy"]["name"] == "container-root"
    assert data["probe"].startswith("remapped: a file written as")
    assert any("must not ship" in f for f in data["findings"])


def test_dev_up_runs_as_container_root_which_writes_as_the_checkout_owner(
    rootless_engine: str, base_image: str, tmp_path: Path
) -> None:
    user = pwd.getpwnam(os.environ["DOCKYARD_TEST_ROOTLESS_USER"])
    folder = Path(tempfile.mkdtemp(prefix="dockyard-rootless-proj-"))  # the engine must reach it
    folder.chmod(0o755)
    root = make_project(folder / "engine-rootless", base_image=base_image)
    compose = root / "compose/docker-compose.dev.yml"
    compose.write_text(
        compose.read_text().replace(
            "target: development", "target: development\n      network: none"
        )
    )
    for path in [root, *root.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
    env = {"DOCKER_HOST": rootless_engine, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        up = dockyard(root, "dev.up", env=env)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr
        assert "must not ship" in up.stdout
        assert 'user: "0:0"' in (root / ".dockyard/dev.engine.yml").read_text()
        name = next(
            line.split()[0]
            for line in subprocess.run(
                ["docker", "ps", "--format", "{{.Names}}"],
                env={**os.environ, "DOCKER_HOST": rootless_engine},
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
            if line.startswith("engine-rootless")
        )
        subprocess.run(
            ["docker", "exec", name, "touch", "/app/written-in-container"],
            env={**os.environ, "DOCKER_HOST": rootless_engine},
            check=True,
        )
        st = (root / "written-in-container").stat()
        assert (st.st_uid, st.st_gid) == (user.pw_uid, user.pw_gid)
        check = dockyard(root, "check", "--live", "--only", "LV001", "--format", "json", env=env)
        (result,) = json.loads(check.stdout)["checks"]
        assert result["status"] == "skip" and "unprivileged host user" in result["reason"]
    finally:
        dockyard(root, "dev.down", env=env)
        shutil.rmtree(folder, ignore_errors=True)
