"""Bounded reads and safe writes (dockyard.adapters.files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.adapters.files import LIMITS, atomic_write, is_env_file, read_text
from dockyard.errors import ConfigError


def test_reads_a_regular_file_and_a_symlink_to_one(tmp_path: Path) -> None:
    path = tmp_path / "a.env"
    path.write_bytes("\ufeffA=1\n".encode())
    link = tmp_path / "link"
    link.symlink_to(path)
    assert read_text(path, what="env") == "A=1\n"
    assert read_text(link, what="env") == "A=1\n"


def test_missing_file_is_left_to_the_caller(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "nope", what="config")


@pytest.mark.parametrize(
    ("target", "kind"),
    [("/dev/zero", "character device"), ("/dev/null", "character device")],
)
def test_devices_are_refused_at_once(tmp_path: Path, target: str, kind: str) -> None:
    link = tmp_path / ".env.dev"
    link.symlink_to(target)
    with pytest.raises(ConfigError, match=rf"^shown: is a {kind}, not an env file$"):
        read_text(link, what="env", display="shown")


def test_fifo_and_directory_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="FIFO"):
        read_text(fifo, what="compose")
    with pytest.raises(ConfigError, match="a directory, not a Dockerfile"):
        read_text(tmp_path, what="dockerfile")


def test_symlink_loop_is_named(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(ConfigError, match="symlink loop"):
        read_text(loop, what="ignore")


def test_size_cap_per_kind_and_explicit_limit(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"#" * (LIMITS["env"] + 1))
    with pytest.raises(ConfigError, match=r"more than the 1\.0 MiB an env file may be"):
        read_text(path, what="env")
    assert len(read_text(path, what="compose")) == LIMITS["env"] + 1
    with pytest.raises(ConfigError, match="more than the 10 bytes"):
        read_text(path, what="text", limit=10)


def test_sparse_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse"
    with path.open("wb") as handle:
        handle.truncate(8 * 1024**3)
    with pytest.raises(ConfigError, match=r"8192\.0 MiB"):
        read_text(path, what="journal")


def test_binary_and_undecodable_name_the_line(tmp_path: Path) -> None:
    nul = tmp_path / "nul"
    nul.write_bytes(b"a\nb\n\x00")
    with pytest.raises(ConfigError, match=r"nul:3: contains NUL bytes") as info:
        read_text(nul, what="text")
    assert info.value.line == 3
    latin = tmp_path / "latin"
    latin.write_bytes(b"ok\ncaf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin:2: not valid UTF-8"):
        read_text(latin, what="text")


def test_env_files_others_could_read_are_written_owner_only(tmp_path: Path) -> None:
    env = tmp_path / ".env.dev"
    env.write_text("A=1\n")
    env.chmod(0o644)
    atomic_write(env, "A=1\nDB_PASSWORD=x\n")
    assert env.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / ".env.test"
    shared.write_text("A=1\n")
    shared.chmod(0o640)
    atomic_write(shared, "A=2\n")
    assert shared.stat().st_mode & 0o777 == 0o640  # a group-only choice is kept
    example = tmp_path / ".env.example"
    example.write_text("A=\n")
    example.chmod(0o644)
    atomic_write(example, "A=\nB=\n")
    assert example.stat().st_mode & 0o777 == 0o644
    explicit = tmp_path / ".env.ci"
    atomic_write(explicit, "A=1\n", mode=0o644)
    assert explicit.stat().st_mode & 0o777 == 0o644


def test_temp_file_lives_beside_the_target(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "report.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_is_env_file() -> None:
    assert is_env_file(Path("env/.env.dev")) and is_env_file(Path(".env"))
    assert not is_env_file(Path("env/.env.example")) and not is_env_file(Path("env.txt"))
