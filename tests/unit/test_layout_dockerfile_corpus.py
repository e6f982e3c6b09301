"""``layout.migrate --dockerfile`` on every Dockerfile of the corpus.

Builds cannot run offline for most corpus Dockerfiles (they install from an index), so
this compares instructions with BuildKit's own parser: in a Dockerfile the migration
changes, every stage keeps its base image, CMD, ENTRYPOINT, HEALTHCHECK and EXPOSE, a
changed stage runs as a ``USER``, and the other stages stay instruction for instruction;
a Dockerfile it leaves alone already runs as a user, or the plan says why it is left.
The engine tests build the offline-buildable ones and check the uid
(``tests/engine/test_layout_dockerfile.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.domain.layout import Edit, Move, plan_migrate
from dockyard.domain.layout.dockerfile_transform import stages
from tests.corpus_support import FIXTURES, Variant, materialize

_KEPT = ("cmd", "entrypoint", "healthcheck", "expose")


def _instructions(stage: Any, kinds: tuple[str, ...]) -> list[str]:
    return [c.original for c in stage.commands if c.cmd.lower() in kinds]


def _dockerfiles(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("Dockerfile*")
        if p.is_file() and not p.name.endswith(".dockerignore") and ".git" not in p.parts
    )


@pytest.mark.parametrize("variant", ["clean", "defects"])
def test_dockerfile_transform_keeps_every_other_instruction(
    tmp_path: Path, variant: Variant
) -> None:
    transformed = 0
    for name in (n for n in FIXTURES if n != "standard"):
        root = materialize(name, tmp_path, variant=variant, git=False)
        plan = plan_migrate(root, dockerfile=True)
        moves = {s.src: s.dst for s in plan.steps if isinstance(s, Move)}
        edits = {s.path: s.text for s in plan.steps if isinstance(s, Edit)}
        for path in _dockerfiles(root):
            old_text = (root / path).read_text()
            new_text = edits.get(moves.get(path, path))
            old = stages(old_text, path)
            if new_text is None:  # already runs as a user, or the plan says why not
                said = any(item.startswith(moves.get(path, path)) for item in plan.left)
                assert said or any(_instructions(s, ("user",)) for s in old), (name, path)
                continue
            transformed += 1
            new = stages(new_text, path)
            assert [s.name for s in new] == [s.name for s in old], (name, path)
            for before, after in zip(old, new, strict=True):
                assert after.base == before.base, (name, path, after.name)
                kept = _instructions(after, _KEPT) == _instructions(before, _KEPT)
                assert kept, (name, path, after.name)
                if [c.original for c in after.commands] != [c.original for c in before.commands]:
                    assert _instructions(after, ("user",)), (name, path, after.name)
    assert transformed >= 1, transformed
