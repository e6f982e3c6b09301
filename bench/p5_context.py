"""P5: build-context bytes with dockyard's .dockerignore vs none (200 MB .venv, a .git).

The context is packed exactly as the Docker SDK and the legacy builder pack it
(docker.utils.build.tar with the ignore patterns) and its size compared. Target <= 1 %.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import Result
from dockyard.domain.templates import dockerfile_template, dockerignore_template


def _repo(root: Path) -> None:
    (root / "src/app").mkdir(parents=True)
    for i in range(50):
        (root / f"src/app/mod{i}.py").write_text(f"VALUE = {i}\n" * 200)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (root / "docker").mkdir()
    (root / "docker/Dockerfile").write_text(dockerfile_template("pip"))
    site = root / ".venv/lib/python3.11/site-packages/big"
    site.mkdir(parents=True)
    for i in range(200):  # 200 x 1 MiB of incompressible bytes
        (site / f"blob{i}.bin").write_bytes(os.urandom(1 << 20))
    (root / "env").mkdir()
    (root / "env/.env.dev").write_text("SECRET_KEY=x\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "src", "pyproject.toml"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@e", "commit", "-qm", "x"],
        cwd=root,
        check=True,
    )


def _size(root: Path, patterns: list[str]) -> int:
    from docker.utils.build import tar

    # docker's stubs call the result a _Fileobj; it is a real temporary file
    handle: Any = tar(root, exclude=patterns, dockerfile=("docker/Dockerfile", None))
    try:
        return os.fstat(handle.fileno()).st_size
    finally:
        handle.close()


def run(repeat: int) -> list[Result]:
    del repeat  # a size, not a timing: one measurement is exact
    patterns = [
        line.strip()
        for line in dockerignore_template().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _repo(root)
        with_ignore = _size(root, patterns)
        without = _size(root, [])
    return [
        Result(
            "P5",
            "build context bytes, dockyard .dockerignore vs none",
            100 * with_ignore / without,
            1.0,
            unit="%",
            detail=f"{with_ignore / 1024:.0f} KiB vs {without / 1024 / 1024:.0f} MiB",
        )
    ]
