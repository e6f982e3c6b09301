"""Flat repositories modeled on public layouts: migrate keeps what compose runs.

For each repository, with the developer's ignored env files present and in a fresh
clone: layout.migrate exits 0 and says "unchanged" for every environment (it compares
`docker compose config` itself); an independent comparison agrees; `make -n` of every
Makefile target names only files that exist; rollback restores the tree byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dockyard.domain.layout.invariant import compare_configs
from tests.engine.stackutil import dockyard
from tests.flat_repo import CORPUS, FILES, manifest, write_flat_repo

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine

_PATHS = re.compile(r"(?:-f|--file|--env-file)[ =](\S+)")


def _repo(tmp_path: Path, name: str, fresh: bool) -> Path:
    files, absent = CORPUS[name]
    root = write_flat_repo(tmp_path / name, files)
    if fresh:
        for rel in absent:
            (root / rel).unlink()
    return root


def compose_config(
    root: Path, *args: str, variables: Mapping[str, str] | None = None
) -> dict[str, Any] | str:
    """``docker compose ARGS config`` in ``root`` as plain compose runs it (with
    ``variables`` set, as ``APP_ENV=test docker compose ...``): the resolved stack, or
    compose's error."""
    docker_bin = shutil.which("docker")
    assert docker_bin is not None
    done = subprocess.run(
        [docker_bin, "compose", *args, "config", "--format", "json"],
        cwd=root,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/root"),
            **(variables or {}),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _config(root: Path, *args: str) -> Any:
    found = compose_config(root, *args)
    assert not isinstance(found, str), (args, found)
    return found


def _make_targets(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9_.%-]+)\s*:(?!=)", line)
        if found and not found[1].startswith("."):
            names.append(found[1].replace("%", "web"))
    return names


_VALUED = {"-f", "--file", "-p", "--project-name", "--env-file", "--profile"}
_VALUED |= {"--project-directory", "--ansi", "--progress", "--parallel"}
_CALL = re.compile(r"docker[ -]compose\s+(?P<args>[^;&|\n]*)")


def _global_args(args: str) -> list[str] | None:
    """The options before compose's subcommand (``-f x --env-file y``), or None when the
    shell would change them (variables, substitutions)."""
    if re.search(r"[$`]", args):
        return None
    words = shlex.split(args)
    found: list[str] = []
    while words and words[0].startswith("-"):
        option = words.pop(0)
        found.append(option)
        if option in _VALUED and "=" not in option and words:
            found.append(words.pop(0))
    return found


def make_compose_configs(root: Path) -> dict[str, list[dict[str, Any] | str]]:
    """For each Makefile target, what compose resolves for each compose call ``make -n``
    prints: the command's own files and env files, its subcommand replaced by config."""
    makefile = root / "Makefile"
    if not makefile.is_file():
        return {}
    result: dict[str, list[dict[str, Any] | str]] = {}
    for target in _make_targets(makefile.read_text()):
        shown = subprocess.run(
            ["make", "-n", target],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        calls = [_global_args(m["args"]) for m in _CALL.finditer(shown.stdout)]
        result[target] = [compose_config(root, *args) for args in calls if args is not None]
    return result


def compare_make_configs(
    before: dict[str, list[dict[str, Any] | str]],
    after: dict[str, list[dict[str, Any] | str]],
    root: Path,
    moves: dict[str, str],
) -> None:
    """Every Makefile compose call that compose accepted before resolves the same now."""
    for target, configs in before.items():
        assert len(after.get(target, [])) == len(configs), (target, after.get(target))
        for old, new in zip(configs, after[target], strict=True):
            if isinstance(old, str):
                continue  # compose refused it before the migration too
            assert not isinstance(new, str), (target, new)
            differences = compare_configs(
                old, new, root_before=str(root), root_after=str(root), moves=moves
            )
            assert differences == [], (target, differences)


def journal_moves(root: Path) -> dict[str, str]:
    """The files the migration moved (old -> new), from the journal of its run."""
    (journal,) = root.glob(".dockyard/layout/run-*/journal.json")
    steps = json.loads(journal.read_text())["steps"]
    return {s["src"]: s["dst"] for s in steps if s["op"] == "move"}


def _check_makefile(root: Path) -> None:
    makefile = root / "Makefile"
    if not makefile.is_file():
        return
    for target in _make_targets(makefile.read_text()):
        shown = subprocess.run(
            ["make", "-n", target],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert shown.returncode == 0, (target, shown.stderr)
        for path in _PATHS.findall(shown.stdout):
            if "." not in path and "/" not in path:
                continue  # `logs -f backend`: a flag, not a file
            template = root / f"{path}.example"  # an ignored env file a developer creates
            assert (root / path).is_file() or template.is_file(), (target, path, shown.stdout)
        for task in re.findall(r"\bdockyard (\S+)", shown.stdout):
            from dockyard.surfaces.tasks import build_namespace

            assert task in build_namespace().task_names, (target, task)


def planned_argv(root: Path, env: str) -> list[str]:
    """The compose arguments ``dockyard ENV.up --dry-run`` plans (``-p``, ``-f``, ...)."""
    planned = dockyard(root, f"{env}.up", "--dry-run")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    for line in planned.stdout.splitlines():
        words = shlex.split(re.sub(r"^\s*\d+\.\s+", "", line))
        if words[:2] == ["docker", "compose"] and "up" in words:
            return words[2 : words.index("up")]
    raise AssertionError(f"no compose up planned for {env}:\n{planned.stdout}")


def planned_variables(root: Path, env: str) -> dict[str, str]:
    """The variables ``dockyard ENV.up --dry-run`` says choose the environment."""
    planned = dockyard(root, f"{env}.up", "--dry-run")
    found = re.findall(r"^\s+(\w+)\s+(\S+)\s+\[chooses environment ", planned.stdout, re.M)
    return dict(found)


@pytest.mark.parametrize("fresh", [False, True], ids=["developer", "fresh-clone"])
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_migrate_keeps_what_compose_runs(
    tmp_path: Path, docker_client: docker.DockerClient, name: str, fresh: bool
) -> None:
    root = _repo(tmp_path, name, fresh)
    original = manifest(root)
    make_before = make_compose_configs(root)
    done = dockyard(root, "layout.migrate")
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = re.findall(r"^(\S+): (unchanged|\d+ differences|not compared)", done.stdout, re.M)
    assert verdicts, done.stdout
    assert all(verdict == "unchanged" for _, verdict in verdicts), done.stdout
    if fresh and CORPUS[name][1]:
        assert "absent (a fresh clone has none); compared with" in done.stdout
    _check_makefile(root)
    compare_make_configs(make_before, make_compose_configs(root), root, journal_moves(root))
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stderr
    assert manifest(root) == original


def test_an_independent_comparison_agrees_on_the_dev_stack(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = _repo(tmp_path, "committed-dotenv", fresh=False)
    before = _config(root, "-f", "docker-compose.yml")
    done = dockyard(root, "layout.migrate")
    assert done.returncode == 0, done.stderr
    text = (root / "compose/docker-compose.dev.yml").read_text()
    assert text.startswith("name: committed-dotenv\n")
    after = _config(root, "-f", "compose/docker-compose.dev.yml", "--env-file", "env/.env.dev")
    moves = {".env": "env/.env.dev", "docker-compose.yml": "compose/docker-compose.dev.yml"}
    assert (
        compare_configs(before, after, root_before=str(root), root_after=str(root), moves=moves)
        == []
    )
    makefile = (root / "Makefile").read_text()
    assert "docker compose -f compose/docker-compose.dev.yml --env-file env/.env.dev up" in (
        makefile
    )
    assert "pytest -x -q" in makefile


def test_plain_compose_on_the_moved_files_keeps_the_project_name(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = _repo(tmp_path, "override", fresh=False)
    before = _config(root)  # the implicit docker-compose.yml + override
    assert dockyard(root, "layout.migrate").returncode == 0
    argv = planned_argv(root, "dev")
    assert argv[:2] == ["-p", "override"]  # dockyard runs the stack under its own name
    assert any(arg.endswith("/compose/docker-compose.dev.override.yml") for arg in argv)
    after = _config(root, *argv[2:])  # plain compose on the moved files, no -p
    assert after["name"] == before["name"] == "override"
    assert after["volumes"]["pgdata"]["name"] == "override_pgdata"
    assert "mailhog" in after["services"]  # the override's service is still there


DATA_DEFAULT = """\
services:
  app:
    image: busybox
    environment:
      SECRET_KEY: ${SECRET_KEY}
    volumes:
      - ${DATA_DIR:-./data}:/data
"""


def test_a_migration_that_changes_what_runs_is_refused_unless_accepted(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    # a relative path in a variable's default is not rewritten (the plan says so): from
    # compose/, ./data is another folder
    root = write_flat_repo(
        tmp_path / "included",
        {
            "docker-compose.yml": (DATA_DEFAULT, 0o644),
            "data/.keep": ("", 0o644),
            ".env": ("SECRET_KEY=real-dev-secret-123\n", 0o600),
        },
    )
    original = manifest(root)
    refused = dockyard(root, "layout.migrate")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "rolled back, nothing changed" in refused.stderr
    assert "dev: 1 differences in what compose runs:" in refused.stdout
    assert "service app: volumes./data: 'bind data' → 'bind compose/data'" in refused.stdout
    assert "real-dev-secret-123" not in refused.stdout + refused.stderr
    assert manifest(root) == original
    accepted = dockyard(root, "layout.migrate", "--accept-changes")
    assert accepted.returncode == 0, accepted.stderr
    assert "dev: 1 differences" in accepted.stdout
    assert "a relative path in a variable's default is not rewritten" in accepted.stdout
    assert dockyard(root, "layout.rollback").returncode == 0
    assert manifest(root) == original


def test_dockyard_tasks_plan_the_stacks_own_project_name(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = write_flat_repo(tmp_path / "shop", FILES)  # stacks named shop-dev, shop-test, ...
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    assert dockyard(root, "layout.migrate").returncode == 0
    for env in ("dev", "test"):
        planned = dockyard(root, f"{env}.up", "--dry-run")
        assert planned.returncode == 0, planned.stderr
        assert f"docker compose -p shop-{env} -f " in planned.stdout
