"""What decides an image: build inputs recorded after a build and compared before up."""

from __future__ import annotations

from pathlib import Path

from dockyard.domain.images import build_inputs, changed_inputs, read_inputs, write_inputs
from tests.conftest import write


def _config(root: Path, **build: str) -> dict[str, object]:
    section = {"context": str(root), "dockerfile": "docker/Dockerfile", **build}
    return {"services": {"app": {"build": section}, "db": {"image": "postgres"}}}


def test_each_input_that_decides_the_image_is_named_when_it_changes(tmp_path: Path) -> None:
    write(tmp_path / "docker/Dockerfile", "FROM x\n")
    write(tmp_path / "docker/Dockerfile.dockerignore", ".git\n")
    args = {"HOST_UID": "1000"}
    first = build_inputs(_config(tmp_path, target="development"), args)
    assert set(first) == {
        "_files",
        "_build args in compose",
        "dockyard build args",
        "app: compose build section (context, args, target)",
        "app: docker/Dockerfile",
        "app: docker/Dockerfile.dockerignore",
    }
    assert changed_inputs(first, first) == []
    write(tmp_path / "docker/Dockerfile", "FROM x\nRUN true\n")
    assert changed_inputs(first, build_inputs(_config(tmp_path, target="development"), args)) == [
        "app: docker/Dockerfile changed since the last build"
    ]
    write(tmp_path / "docker/Dockerfile", "FROM x\n")
    assert changed_inputs(first, build_inputs(_config(tmp_path, target="production"), args)) == [
        "app: compose build section (context, args, target) changed since the last build"
    ]
    assert changed_inputs(
        first, build_inputs(_config(tmp_path, target="development"), {"HOST_UID": "2"})
    ) == ["dockyard build args changed since the last build"]
    assert changed_inputs(None, first) == ["no record of the inputs the image was built from"]
    assert first["_build args in compose"] == "no"  # the build section passes no args
    passed = build_inputs(_config(tmp_path, target="development", args=args), args)  # type: ignore[arg-type]
    assert passed["_build args in compose"] == "yes"


def test_record_round_trip(tmp_path: Path) -> None:
    path = tmp_path / ".dockyard/dev.build.json"
    assert read_inputs(path) is None
    path.parent.mkdir()
    write_inputs(path, {"a": "1"})
    assert read_inputs(path) == {"a": "1"}
    path.write_text("not json")
    assert read_inputs(path) is None


def test_quick_key_follows_files_and_the_variables_they_mention(tmp_path: Path) -> None:
    from dockyard.domain.images import quick_key

    compose = write(tmp_path / "c.yml", "build:\n  args:\n    BASE_IMAGE: ${BASE_IMAGE:-x}\n")
    key = quick_key([compose], {"BASE_IMAGE": "a", "PWD": "/one"})
    assert quick_key([compose], {"BASE_IMAGE": "a", "PWD": "/two"}) == key  # not mentioned
    assert quick_key([compose], {"BASE_IMAGE": "b"}) != key
    assert quick_key([compose], {"BASE_IMAGE": "a"}, ["--profile=x"]) != key
    write(compose, compose.read_text() + "# edited\n")
    assert quick_key([compose], {"BASE_IMAGE": "a"}) != key


def test_lock_hash_reads_the_locks_of_projects_below_the_root(tmp_path: Path) -> None:
    from dockyard.domain.images import lock_hash

    assert lock_hash(tmp_path) == "none"
    write(tmp_path / "backend/poetry.lock", "one\n")
    write(tmp_path / "frontend/node_modules/uv.lock", "not a project's\n")
    write(tmp_path / ".venv/lib/uv.lock", "not a project's\n")
    write(tmp_path / "docs/requirements.txt", "sphinx\n")  # the docs', not an image's
    single = lock_hash(tmp_path)
    assert single.startswith("backend/poetry.lock:")
    write(tmp_path / "services/worker/uv.lock", "two\n")
    both = lock_hash(tmp_path)
    assert both.startswith("locks:")
    write(tmp_path / "services/worker/uv.lock", "two, one more package\n")
    assert lock_hash(tmp_path) not in (both, single)  # any lock's change is seen
    write(tmp_path / "uv.lock", "root\n")
    assert lock_hash(tmp_path).startswith("uv.lock:")  # the root's own lock wins
