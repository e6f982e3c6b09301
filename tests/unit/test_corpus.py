"""The corpus of realistic repositories: complete descriptions, faithful materialization.

These tests keep the corpus honest: what a fixture.toml claims about its repository
(compose files, ignored and private env files, lock files, planted defects that git
can observe) is checked against the materialized repository and a fresh clone of it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_support import (
    CORPUS,
    DEFECT_IDS,
    FIXTURES,
    CorpusError,
    Fixture,
    fresh_clone,
    load,
    materialize,
    run_git,
)

VARIANTS = ("clean", "defects")
LOCK_FILES = {"uv": "uv.lock", "poetry": "poetry.lock"}


def _tracked(repo: Path) -> set[str]:
    return set(run_git(repo, "ls-files", "-z").stdout.split("\0")) - {""}


def _is_ignored(repo: Path, rel: str, *, ignorecase: bool = False) -> bool:
    args = ["-c", "core.ignorecase=true"] if ignorecase else []
    done = run_git(repo, *args, "check-ignore", "-q", "--no-index", rel, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


def test_corpus_lists_every_fixture_folder_sorted() -> None:
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert list(FIXTURES) == folders
    assert len(FIXTURES) >= 14


def test_every_defect_is_planted_at_least_twice() -> None:
    planted = Counter(finding.id for name in FIXTURES for finding in {*load(name).defect_findings})
    assert set(planted) == DEFECT_IDS
    assert {check_id: n for check_id, n in planted.items() if n < 2} == {}


def test_package_managers_vary() -> None:
    managers = Counter(load(name).package_manager for name in FIXTURES)
    assert set(managers) == {"uv", "poetry", "pip"}
    assert min(managers.values()) >= 2


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_description_matches_its_tree(name: str) -> None:
    fixture = load(name)
    repo = fixture.repo
    for env, files in fixture.environments.items():
        for compose_file in files:
            assert (repo / compose_file).is_file(), f"{env}: {compose_file} missing"
    for env, env_files in fixture.env_files.items():
        for env_file in env_files:
            assert (repo / env_file).is_file(), f"{env}: --env-file {env_file} missing"
    for rel in (*fixture.ignored, *fixture.private):
        assert (repo / rel).is_file(), f"{rel} is declared but absent"
    project = repo / fixture.python_project
    assert project.is_dir()
    lock = LOCK_FILES.get(fixture.package_manager)
    if lock is None:
        assert list(project.glob("requirements*.txt")) or list(project.glob("requirements/*.txt"))
        assert not (project / "uv.lock").exists() and not (project / "poetry.lock").exists()
    else:
        assert (project / "pyproject.toml").is_file()
        assert (project / lock).is_file()
    assert not list(repo.rglob(".gitignore")), "store .gitignore as _gitignore"
    assert not list(fixture.root.rglob("*.py")), "store Python files as <name>.py_"
    assert (repo / ".pre-commit-config.yaml").is_file()
    assert fixture.clean_findings == ()
    assert set(fixture.private) <= set(fixture.ignored), "secrets belong in ignored files"


@pytest.mark.parametrize("name", FIXTURES)
def test_defects_overlay_changes_the_tree(name: str) -> None:
    fixture = load(name)
    overlay = [p for p in fixture.overlay.rglob("*") if p.is_file()]
    assert overlay, "the defects variant must differ from the clean one"
    for path in overlay:
        rel = path.relative_to(fixture.overlay)
        original = fixture.repo / rel
        if path.name != "_delete.txt" and original.is_file():
            assert original.read_bytes() != path.read_bytes(), f"{rel} is unchanged"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", FIXTURES)
def test_materialized_repository_is_committed_and_ignores_env_files(
    name: str, variant: str, tmp_path: Path
) -> None:
    fixture = load(name)
    repo = materialize(name, tmp_path, variant=variant)  # type: ignore[arg-type]
    assert repo == tmp_path / name
    assert not list(repo.rglob("_gitignore"))
    assert not list(repo.rglob("*.py_"))
    assert run_git(repo, "status", "--porcelain", "--untracked-files=all").stdout == ""
    tracked = _tracked(repo)
    for files in fixture.environments.values():
        assert set(files) <= tracked
    for rel in fixture.private:
        assert (repo / rel).stat().st_mode & 0o777 == 0o600, rel
    if variant == "clean":
        for rel in fixture.ignored:
            assert _is_ignored(repo, rel), f"{rel} is not ignored by git"
            assert rel not in tracked
        if fixture.package_manager in LOCK_FILES:
            lock = Path(fixture.python_project, LOCK_FILES[fixture.package_manager])
            assert lock.as_posix().removeprefix("./") in tracked
    else:
        for finding in fixture.defect_findings:
            assert (repo / finding.file).exists(), f"{finding.id}: {finding.file} missing"


@pytest.mark.parametrize("name", FIXTURES)
def test_fresh_clone_lacks_the_ignored_files(name: str, tmp_path: Path) -> None:
    fixture = load(name)
    repo = materialize(name, tmp_path / "origin")
    clone = fresh_clone(repo, tmp_path / "clone" / name)
    for rel in fixture.ignored:
        assert (repo / rel).is_file()
        assert not (clone / rel).exists(), f"{rel} reached the clone"
    assert _tracked(clone) == _tracked(repo)
    for files in fixture.environments.values():
        for compose_file in files:
            assert (clone / compose_file).is_file()


def _planted(fixture: Fixture, check_id: str) -> list[str]:
    return [f.file for f in fixture.defect_findings if f.id == check_id]


@pytest.mark.parametrize("name", [n for n in FIXTURES if _planted(load(n), "LK001")])
def test_lock_file_defect_leaves_the_lock_untracked(name: str, tmp_path: Path) -> None:
    (lock,) = _planted(load(name), "LK001")
    clean = materialize(name, tmp_path / "clean")
    broken = materialize(name, tmp_path / "defects", variant="defects")
    assert lock in _tracked(clean)
    assert (broken / lock).is_file()
    assert lock not in _tracked(broken)
    assert _is_ignored(broken, lock)


@pytest.mark.parametrize("name", [n for n in FIXTURES if _planted(load(n), "GI001")])
def test_gitignore_trap_hides_env_folder_only_when_case_is_ignored(
    name: str, tmp_path: Path
) -> None:
    clean = materialize(name, tmp_path / "clean")
    broken = materialize(name, tmp_path / "defects", variant="defects")
    env_files = sorted(p.relative_to(broken).as_posix() for p in (broken / "env").iterdir())
    committed = [rel for rel in env_files if rel in _tracked(broken)]
    assert committed, "the trap needs a committed file in env/"
    for rel in committed:
        assert not _is_ignored(clean, rel, ignorecase=True)
        assert not _is_ignored(broken, rel)
        assert _is_ignored(broken, rel, ignorecase=True), rel


@pytest.mark.parametrize("name", [n for n in FIXTURES if _planted(load(n), "ENV007")])
def test_secret_env_file_defect_is_committed(name: str, tmp_path: Path) -> None:
    (env_file,) = _planted(load(name), "ENV007")
    clean = materialize(name, tmp_path / "clean")
    broken = materialize(name, tmp_path / "defects", variant="defects")
    assert env_file in _tracked(broken)
    committed_in_clean = env_file in _tracked(clean)
    same = (clean / env_file).read_bytes() == (broken / env_file).read_bytes()
    assert not (committed_in_clean and same), "the clean variant commits the same file"


@pytest.mark.parametrize("name", [n for n in FIXTURES if load(n).package_manager in LOCK_FILES])
def test_lock_files_are_in_sync_with_their_projects(name: str, tmp_path: Path) -> None:
    from dockyard.adapters.runner import SubprocessRunner

    fixture = load(name)
    # uv and poetry are dev dependencies: look beside the interpreter first
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    tool = shutil.which(fixture.package_manager, path=search)
    if tool is None:
        pytest.skip(f"{fixture.package_manager} is not installed")
    project = materialize(name, tmp_path, git=False) / fixture.python_project
    argv = (
        [tool, "lock", "--check", "--offline"]
        if fixture.package_manager == "uv"
        else [tool, "check", "--lock", "--no-interaction"]
    )
    done = SubprocessRunner().run(
        argv,
        env={
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(tmp_path),
            "UV_NO_CONFIG": "1",
        },
        cwd=project,
        timeout=120,
        check=False,
    )
    assert done.ok, done.stderr


def test_materialize_refuses_an_unknown_variant(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="variant"):
        materialize(FIXTURES[0], tmp_path, variant="broken")  # type: ignore[arg-type]


def test_load_names_fixture_and_key_on_a_bad_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.corpus_support as support

    good = (CORPUS / FIXTURES[0] / "fixture.toml").read_text(encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "fixture.toml").write_text(
        good.replace('package_manager = "', 'package_manager = "conda-'), encoding="utf-8"
    )
    monkeypatch.setattr(support, "CORPUS", tmp_path)
    with pytest.raises(CorpusError, match=r"bad/fixture\.toml: expect\.package_manager"):
        load("bad")


def test_readme_table_names_every_fixture_and_its_defects() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in readme.splitlines()
        if line.startswith("| `")
    }
    assert sorted(rows) == list(FIXTURES)
    for name in FIXTURES:
        for finding in load(name).defect_findings:
            assert f"{finding.id} (`{finding.file}`)" in rows[name], (name, finding)
