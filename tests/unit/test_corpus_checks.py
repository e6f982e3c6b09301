"""The repository model and the static checks against the corpus of real-world layouts.

Each fixture says what a user runs (environments, compose files, main service, project
name, Python project) and which defects its `defects` variant plants. Here the model is
built from the files alone (no compose binary: the fallback a machine without compose
gets); `tests/engine/test_corpus_model.py` repeats it with compose's own configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.checks import Status, default_registry
from dockyard.domain.config import Settings, load_settings
from dockyard.domain.repository import Repository
from dockyard.workflows.venvs import primary_project
from dockyard.workflows.verify import run_checks
from tests.corpus_support import FIXTURES, Fixture, load, materialize

#: What the model does not do yet, per fixture: why, and the planted defects it misses
#: for that reason (kept honest: a gap that closes fails the test).
KNOWN_GAPS: dict[str, tuple[str, frozenset[tuple[str, str]]]] = {}
#: Checks that need a tool run (`uv lock --check`) or an opt-in; covered elsewhere.
NOT_HERE = ("LK002", "PC002")
STATIC = [c for c in default_registry() if c.kind == "static"]


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DOCKYARD_", "COMPOSE_"))}


def _settings(repo: Path) -> Settings:
    return load_settings(repo, environ=_environ())


def _findings(
    fixture: Fixture, repo: Path, *, use_compose: bool
) -> tuple[set[tuple[str, str]], dict[str, set[str]]]:
    """``{(check id, file)}`` over every expected environment, and the skips of each."""
    settings = _settings(repo)
    model = Repository(settings, SubprocessRunner(), _environ(), use_compose=use_compose)
    found: set[tuple[str, str]] = set()
    skips: dict[str, set[str]] = {}
    for name in fixture.environments:
        if name not in settings.environments:
            continue
        report = run_checks(
            settings,
            settings.environment(name),
            _environ(),
            SubprocessRunner(),
            skip=NOT_HERE,
            repository=model,
        )
        for result in report.results:
            assert result.status is not Status.ERROR, (name, result.check.id, result.reason)
            if result.status is Status.SKIP and result.check.kind == "static":
                skips.setdefault(name, set()).add(result.check.id)
            found.update((f.check_id, str(f.path)) for f in result.findings)
    return found, skips


def check_corpus(tmp_path: Path, name: str, *, use_compose: bool) -> None:
    """The model sees what the fixture says; the checks find exactly what it plants."""
    fixture = load(name)
    clean = materialize(name, tmp_path / "clean")
    settings = _settings(clean)
    discovered = {
        env: tuple(str(settings.relative(p)) for p in e.compose_files)
        for env, e in settings.environments.items()
    }
    expected = {env: tuple(files) for env, files in fixture.environments.items()}
    if name in KNOWN_GAPS:
        assert discovered != expected, f"{name} is no longer a gap: remove it from KNOWN_GAPS"
        expected = {env: files for env, files in expected.items() if env in discovered}
    assert discovered == expected
    for env in expected:
        environment = settings.environment(env)
        assert environment.service == fixture.app_service
        if environment.origin != "standard":  # the standard layout names its projects
            assert environment.project_name == fixture.project_names[env]
        variables = dict(environment.variables)
        for key, value in fixture.variables.get(env, {}).items():
            assert variables.get(key) == value, (env, key, environment.variables)
    model = Repository(settings, SubprocessRunner(), _environ(), use_compose=use_compose)
    project = primary_project(model, list(expected))
    assert project == (clean / fixture.python_project).resolve()
    assert {p.package_manager for p in model.projects()} >= {fixture.package_manager}
    for env in expected:
        assert set(model.stack(env).services) == set(fixture.services[env]), env

    found, skips = _findings(fixture, clean, use_compose=use_compose)
    assert found == {(f.id, f.file) for f in fixture.clean_findings}
    for env, skipped in skips.items():
        assert len(skipped) <= len(STATIC) // 3, (env, sorted(skipped))

    defects = materialize(name, tmp_path / "defects", variant="defects")
    found, _ = _findings(fixture, defects, use_compose=use_compose)
    planted = {(f.id, f.file) for f in fixture.defect_findings}
    gaps = KNOWN_GAPS[name][1] if name in KNOWN_GAPS else frozenset()
    assert not gaps & found, f"{name}: a known gap is found now: update KNOWN_GAPS"
    missed = planted - gaps - found
    assert not missed, f"planted defects not found: {sorted(missed)}"
    extra = {(i, f) for i, f in found if i not in {p[0] for p in planted}}
    assert not extra, f"findings nothing planted: {sorted(extra)}"


@pytest.mark.parametrize("name", FIXTURES)
def test_corpus_without_compose(tmp_path: Path, name: str) -> None:
    check_corpus(tmp_path, name, use_compose=False)


def test_corpus_covers_every_new_check() -> None:
    planted = {f.id for name in FIXTURES for f in load(name).defect_findings}
    assert {"DF001", "DF004", "DI001", "CO003", "CO004", "GI001", "LK001", "VE003"} <= planted


TABLE_BEGIN = (
    "<!-- corpus:begin (generated from tests/corpus by tests/unit/test_corpus_checks.py) -->"
)
TABLE_END = "<!-- corpus:end -->"
DOC = Path(__file__).resolve().parents[2] / "docs/checks.md"


def corpus_table() -> str:
    """What each corpus repository makes of dockyard: the table in docs/checks.md."""
    rows = [
        "| fixture | environments (compose files) | clean variant | defects variant: found |",
        "| --- | --- | --- | --- |",
    ]
    for name in FIXTURES:
        fixture = load(name)
        envs = "<br>".join(
            f"`{env}`: {' + '.join(f'`{f}`' for f in files)}"
            for env, files in fixture.environments.items()
        )
        clean = ", ".join(f"{f.id}" for f in fixture.clean_findings) or "no finding"
        gaps = KNOWN_GAPS[name][1] if name in KNOWN_GAPS else frozenset()
        found = ", ".join(
            f"{f.id} (`{f.file}`)" for f in fixture.defect_findings if (f.id, f.file) not in gaps
        )
        if gaps:
            found += "; not found: " + ", ".join(f"{i} (`{f}`)" for i, f in sorted(gaps))
            found += f" ({KNOWN_GAPS[name][0]})"
        rows.append(f"| `{name}` | {envs} | {clean} | {found} |")
    return "\n".join(rows)


def test_docs_corpus_table_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(TABLE_BEGIN) + len(TABLE_BEGIN), text.index(TABLE_END)
    assert text[start:end].strip() == corpus_table(), (
        "docs/checks.md's corpus table is stale: paste tests.unit.test_corpus_checks.corpus_table()"
    )
