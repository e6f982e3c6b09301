"""Every repository of the corpus, migrated: what compose runs stays the same.

For each fixture of ``tests/corpus`` (compose files at the root, in ``docker/``, with
overrides, overlays, profiles, anchors, a template's ``compose/`` folder, ...), in a
developer's checkout and in a fresh clone:

* ``dockyard layout.migrate`` exits 0 and says "unchanged" for every environment the
  fixture declares (it compares ``docker compose config`` itself);
* independently: ``docker compose config`` run the way the fixture says a user runs each
  environment before, and run with the exact argv ``dockyard ENV.up --dry-run`` plans
  after, agree (paths aside), and that argv carries the stack's own project name;
* ``make -n`` of every Makefile target names only files and tasks that exist, and each
  compose call it prints resolves as it did before (compose config of its own files and
  env files);
* ``layout.rollback`` restores the tree byte for byte.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dockyard.domain.layout.invariant import compare_configs
from tests.corpus_support import FIXTURES, Fixture, fresh_clone, load, materialize
from tests.engine.stackutil import dockyard
from tests.engine.test_layout_corpus import (
    _check_makefile,
    compare_make_configs,
    compose_config,
    journal_moves,
    make_compose_configs,
    planned_argv,
    planned_variables,
)
from tests.flat_repo import manifest

if TYPE_CHECKING:
    import docker

pytestmark = pytest.mark.engine

#: Environments the repository model does not discover yet (the corpus test of the
#: checks records the same gap): an environment chosen by a variable (``APP_ENV=test``).
KNOWN_GAPS: dict[str, set[str]] = {}
_FLAT = [name for name in FIXTURES if name != "standard"]


def _editor_stack(root: Path) -> dict[str, object] | str | None:
    """`compose config` of the files `.devcontainer/devcontainer.json` lists, or None."""
    path = root / ".devcontainer/devcontainer.json"
    if not path.is_file():
        return None
    found = re.search(r'"dockerComposeFile"\s*:\s*(\[[^\]]*\]|"[^"]*")', path.read_text())
    if found is None:
        return None
    args = []
    for name in re.findall(r'"([^"]+)"', found[1]):
        args += ["-f", str((path.parent / name).resolve())]
    return compose_config(root, *args)


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def _tree(root: Path) -> dict[str, tuple[str, int]]:
    return {
        k: v for k, v in manifest(root).items() if k.split("/", 1)[0] not in (".git", ".dockyard")
    }


def _checkout(tmp_path: Path, name: str, fresh: bool) -> Path:
    repo = materialize(name, tmp_path / "dev")
    return fresh_clone(repo, tmp_path / name) if fresh else repo


def _expected_envs(fixture: Fixture) -> set[str]:
    return set(fixture.environments) - KNOWN_GAPS.get(fixture.name, set())


@pytest.mark.parametrize("fresh", [False, True], ids=["developer", "fresh-clone"])
@pytest.mark.parametrize("name", _FLAT)
def test_every_corpus_repository_migrates_keeping_what_compose_runs(
    tmp_path: Path, docker_client: docker.DockerClient, name: str, fresh: bool
) -> None:
    fixture = load(name)
    root = _checkout(tmp_path, name, fresh)
    original = _tree(root)
    before = {
        env: compose_config(root, *fixture.compose_args(env), variables=fixture.variables.get(env))
        for env in fixture.environments
    }
    make_before = make_compose_configs(root)
    tracked = _git(root, "ls-files").splitlines()
    editor_before = _editor_stack(root)

    done = dockyard(root, "layout.migrate")
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = dict(
        re.findall(r"^(\S+): (unchanged|\d+ differences|not compared)", done.stdout, re.M)
    )
    assert set(verdicts) == _expected_envs(fixture), done.stdout
    for env, verdict in verdicts.items():
        # compose itself refuses an environment whose required secrets a fresh clone lacks
        # (dockyard compares it with the env files a developer creates from templates)
        refused = fresh and not fixture.fresh_clone[env].ok
        allowed = ("unchanged", "not compared") if refused else ("unchanged",)
        assert verdict in allowed, (env, done.stdout)
    for env in KNOWN_GAPS.get(name, set()):
        assert env not in verdicts  # the gap is known: this fails when it closes

    moves = journal_moves(root)
    # git is the judge: what it tracked before is not ignored where the migration put it
    # (a fresh clone of the migrated commit has every file the developer committed)
    for rel in tracked:
        where = moves.get(rel, rel)
        if (root / where).is_file():
            ignored = subprocess.run(
                ["git", "check-ignore", "-q", "--no-index", where], cwd=root, check=False
            )
            assert ignored.returncode == 1, f"{rel} -> {where}: ignored after the migration"
    # the independent comparison where every file the developer has is there; in a fresh
    # clone dockyard compares with the env files created from their templates (above)
    for env in [] if fresh else sorted(_expected_envs(fixture)):
        assert not isinstance(before[env], str), (env, before[env])
        argv = planned_argv(root, env)
        assert argv[:2] == ["-p", fixture.project_names[env]], (env, argv)
        chosen = planned_variables(root, env)  # what dockyard sets for compose
        assert fixture.variables.get(env, {}).items() <= chosen.items(), (env, chosen)
        after = compose_config(root, *argv[2:], variables=chosen)
        assert not isinstance(after, str), (env, argv, after)
        old = before[env]
        assert isinstance(old, dict)
        differences = compare_configs(
            old, after, root_before=str(root), root_after=str(root), moves=moves
        )
        assert differences == [], (env, argv, differences)

    _check_makefile(root)
    # the dev container's stack, as the editor runs it (where compose runs it before)
    if isinstance(editor_before, dict) and not fresh:
        editor_after = _editor_stack(root)
        assert editor_after is not None
        differences = (
            [editor_after]
            if isinstance(editor_after, str)
            else compare_configs(
                editor_before,
                editor_after,
                root_before=str(root),
                root_after=str(root),
                moves=moves,
            )
        )
        # the same stack, or the migration said why not (compose reads the first file's
        # .env, which devcontainer.json cannot name)
        said = "the editor's stack read .env to interpolate" in done.stdout
        assert differences == [] or said, differences
    compare_make_configs(make_before, make_compose_configs(root), root, moves)
    back = dockyard(root, "layout.rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert _tree(root) == original


def test_the_standard_layout_has_nothing_to_migrate(
    tmp_path: Path, docker_client: docker.DockerClient
) -> None:
    root = materialize("standard", tmp_path)
    original = _tree(root)
    done = dockyard(root, "layout.migrate")
    assert done.returncode == 0, done.stderr
    assert "nothing to do" in done.stdout + done.stderr
    assert _tree(root) == original
