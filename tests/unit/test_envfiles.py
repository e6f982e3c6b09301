"""Env files: parsing without raising, reading with clear errors, resolution order."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.domain.envfiles import parse_env_text, read_env_file, resolve
from dockyard.errors import EnvFileError
from tests.conftest import write

P = Path("env/.env.dev")


def test_parses_keys_values_and_line_numbers() -> None:
    text = "# comment\n\nA=1\nexport B='two words'\nC=\"x # not a comment\"\nD\n"
    env = parse_env_text(text, P)
    assert [(e.key, e.value, e.line) for e in env.entries] == [
        ("A", "1", 3),
        ("B", "two words", 4),
        ("C", "x # not a comment", 5),
        ("D", None, 6),
    ]
    assert env.problems == ()


def test_malformed_lines_are_problems_with_their_line_not_exceptions() -> None:
    env = parse_env_text("A=1\nthis is not valid\nB='unterminated\nC=3\n", P)
    assert [p.line for p in env.problems if p.kind == "syntax"] == [2, 3]
    assert env.values()["A"] == "1"


def test_problems_never_carry_the_value() -> None:
    env = parse_env_text("PASSWORD=canary-s3cret\nPASSWORD=canary-s3cret2\nbroken line\n", P)
    assert "canary" not in repr(env.problems)
    assert env.problems[0].message.startswith("duplicate key PASSWORD")


def test_duplicate_keys_are_reported_and_the_last_wins() -> None:
    env = parse_env_text("A=1\nB=2\nA=3\n", P)
    assert env.values()["A"] == "3"
    assert [(p.kind, p.key, p.line) for p in env.problems] == [("duplicate", "A", 3)]
    assert env.line_of("A") == 3


def test_bom_and_crlf_are_tolerated() -> None:
    env = parse_env_text("\ufeffA=1\r\nB=2\r\n", P)
    assert env.values() == {"A": "1", "B": "2"}
    assert [e.line for e in env.entries] == [1, 2]


def test_read_missing_file_names_path_and_hint(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match=r"^env/.env.dev: not found; run env.init$"):
        read_env_file(tmp_path / "nope", display=P, hint="run env.init")


def test_read_directory_where_file_should_be(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(EnvFileError, match="is a directory"):
        read_env_file(tmp_path / "d")


def test_read_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, who reads any file: the OS error is raised where the read happens."""
    path = write(tmp_path / ".env", "A=1\n", mode=0o000)

    def refuse(path: object, flags: int, *args: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("dockyard.adapters.files.os.open", refuse)
    with pytest.raises(EnvFileError, match=r"\.env: permission denied"):
        read_env_file(path)


def test_read_rejects_undecodable_and_binary(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"A=1\nB=\xff\xfe\n")
    with pytest.raises(EnvFileError, match=r"bad:2: not valid UTF-8"):
        read_env_file(bad)
    nul = tmp_path / "nul"
    nul.write_bytes(b"A=1\x00\n")
    with pytest.raises(EnvFileError, match="NUL"):
        read_env_file(nul)


def test_resolution_order_process_then_file_then_defaults() -> None:
    env = parse_env_text("A=file\nB=file\nHOST_UID=2000\n", P)
    resolved = resolve(
        env,
        {"A": "process", "UNRELATED": "x"},
        {"HOST_UID": ("1000", "dockyard default"), "HOST_GID": ("1000", "dockyard default")},
    )
    assert resolved["A"].value == "process"
    assert resolved["A"].source == "process"
    assert [layer.origin for layer in resolved["A"].shadowed] == ["env/.env.dev:1"]
    assert resolved["B"].origin == "env/.env.dev:2"
    assert resolved["HOST_UID"].value == "2000"
    assert resolved["HOST_UID"].shadowed[0].source == "default"
    assert resolved["HOST_GID"].source == "default"
    assert "UNRELATED" not in resolved


def test_interpolation_follows_compose_process_first() -> None:
    env = parse_env_text("USER_=app\nURL=postgres://${USER_}@${HOST:-db}/x\nRAW='${USER_}'\n", P)
    resolved = resolve(env, {"HOST": "remote"})
    assert resolved["URL"].value == "postgres://app@remote/x"
    assert resolved["RAW"].value == "${USER_}"


def test_explicit_keys_are_resolved_even_when_only_the_process_sets_them() -> None:
    resolved = resolve(None, {"ONLY_HERE": "1"}, keys=["ONLY_HERE", "NOWHERE"])
    assert resolved["ONLY_HERE"].source == "process"
    assert "NOWHERE" not in resolved
