"""Plan steps: JSON round trip, rendering with secrets masked."""

from __future__ import annotations

from dockyard.domain.layout.plan import (
    Edit,
    Mkdir,
    Move,
    Plan,
    Step,
    Write,
    step_from_json,
    step_to_json,
    unified_diff,
)


def test_steps_round_trip_through_json() -> None:
    steps: list[Step] = [
        Mkdir("env"),
        Move(".env.dev", "env/.env.dev", "ab" * 32),
        Write("env/README.md", "# x\n", 0o600),
        Edit(".gitignore", "env/\n", "# env/\n"),
    ]
    assert [step_from_json(step_to_json(s)) for s in steps] == steps


def test_touched_lists_each_path_once_in_order() -> None:
    plan = Plan(
        "migrate",
        (Mkdir("env"), Move(".env", "env/.env.dev", "0"), Edit("env/.env.dev", "a", "b")),
    )
    assert plan.touched() == ["env", ".env", "env/.env.dev"]


def test_render_shows_every_kind_and_masks_env_secrets() -> None:
    plan = Plan(
        "migrate",
        (
            Mkdir("env"),
            Move(".env.dev", "env/.env.dev", "0"),
            Write("env/.env.ci", "API_TOKEN=tok-123\nDEBUG=1\n", 0o644),
            Edit("env/.env.dev", "A=1\n", "A=1\nDB_PASSWORD=hunter2\n"),
            Edit("compose/x.yml", "a: 1\n", "SECRET_KEY: abc\n"),
        ),
    )
    text = "\n".join(plan.render())
    assert "mkdir env/" in text
    assert "move  .env.dev -> env/.env.dev" in text
    assert "new   env/.env.ci (mode 0644)" in text
    assert "+ DEBUG=1" in text
    assert "+DB_PASSWORD=********" in text
    assert "tok-123" not in text
    assert "hunter2" not in text
    assert "abc" not in text


def test_unified_diff_names_both_sides() -> None:
    diff = unified_diff("Makefile", "a\n", "b\n")
    assert diff.splitlines()[:2] == ["--- a/Makefile", "+++ b/Makefile"]
