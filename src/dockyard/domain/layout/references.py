"""References follow the files: Makefiles, CI workflows, ``.devcontainer.json``, the rest.

Every command keeps doing what it did, with new paths:

* a moved file's name is rewritten wherever a Makefile (every target, ``%`` pattern
  targets and variables included), a CI workflow or ``.devcontainer.json`` names it
  (``-f docker-compose.dev.yml``, ``--env-file .env.dev``, ``cp .env.example .env``);
* a bare ``docker compose ...`` (compose's implicit root file) gets the explicit
  ``-f`` of the file that moved, and a command on a moved compose file gets
  ``--env-file env/.env.<env>`` (the file compose read at the root before) when that
  env file exists and the command names none;
* scripts and docs are not rewritten: each line naming a moved file is listed.

Targets are not replaced by dockyard calls (a dockyard task runs under its own
project name); the note names the dockyard task that does the same job when one
exists.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping
from pathlib import Path

from dockyard.domain.layout.builder import PlanBuilder
from dockyard.domain.layout.makefile import task_for_target

__all__ = ["plan_references", "rewrite_commands"]

_COMPOSE = re.compile(r"(?<![\w./-])docker[ -]compose(?![\w.-])")
_HAS_FILE = re.compile(r"(^|\s)(-f|--file)(\s|=)")
_TARGET = re.compile(r"^(?P<names>[^\s:=#][^:=#]*?)\s*:(?![=:])")
_SCANNED = (".sh", ".bash", ".md", ".rst", ".txt", ".py", ".toml", ".cfg", ".ini", ".json")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".dockyard", "compose", "env", "docker"}
_MAX_LISTED = 30


_ENV_PATTERN = re.compile(r"(?<![\w./$(){}-])(\./)?(\.env\.[^\s:;|&]*?[%$][^\s:;|&]*)")


def _repath(line: str, moves: Mapping[str, str], depth: int = 0) -> str:
    """``line`` with each moved root path replaced, as seen from ``depth`` folders down.

    An env file name made of a pattern or a variable (``.env.%``, ``.env.$(APP_ENV)``)
    follows the env files when every one of them moved to ``env/`` under its own name.
    """
    up = "../" * depth
    for old, new in sorted(moves.items(), key=lambda item: -len(item[0])):
        pattern = rf"(?<![\w./-])(\./)?{re.escape(up + old)}(?![\w.-])"
        line = re.sub(pattern, (up + new).replace("\\", "\\\\"), line)
    env_moves = [(o, n) for o, n in moves.items() if o.startswith(".env.") and "/" not in o]
    if env_moves and all(n == f"env/{o}" for o, n in env_moves) and not depth:
        line = _ENV_PATTERN.sub(lambda m: "env/" + m[2], line)
    return line


Stack = tuple[tuple[str, ...], tuple[str, ...]]  # compose files, env files


def rewrite_commands(
    text: str,
    moves: Mapping[str, str],
    stacks: Mapping[str, Stack],
    existing_env_files: Collection[str],
    depth: int = 0,
    *,
    bare: str | None = None,
    dotenv: str | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    """``text`` (a Makefile, a workflow) with moved paths and explicit compose files.

    ``stacks``: environment -> its compose files and env files after the move; ``bare``:
    the environment a bare ``docker compose`` ran, which gets its ``-f`` files.
    ``dotenv``: where the ``.env`` compose read beside the files went; a compose call
    on moved files that passed no ``--env-file`` read it, and now names it (when it is
    among ``existing_env_files``), so the command runs as it did; so does the env file
    the migration moved an environment's literal values to (``values``: env -> file),
    for a call on that environment's files. ``depth``: how many
    folders below the root the commands run (a Makefile in ``deploy/`` names the root's
    files ``../...``); a bare ``docker compose`` there does not mean the root's file and
    is left alone.
    """
    if depth:
        return "".join(_repath(line, moves, depth) for line in text.splitlines(keepends=True))
    base = list(stacks[bare][0]) if bare is not None and bare in stacks else []
    out = []
    for line in text.splitlines(keepends=True):
        new = _repath(line, moves)
        found = _COMPOSE.search(new)
        if found and base and not _HAS_FILE.search(new) and "COMPOSE_FILE" not in new:
            files = "".join(f" -f {path}" for path in base)
            new = new[: found.end()] + files + new[found.end() :]
        if found and "--env-file" not in new:
            new = _with_env_files(new, stacks, existing_env_files, dotenv, values or {})
        out.append(new)
    return "".join(out)


def _with_env_files(
    line: str,
    stacks: Mapping[str, Stack],
    existing: Collection[str],
    dotenv: str | None,
    values: Mapping[str, str],
) -> str:
    """``line`` with the env files its compose call reads now, after the files it names:
    the moved ``.env``, then the env file holding the literals moved out of them."""
    named = {f for files, _ in stacks.values() for f in files if f in line}
    if not named:
        return line
    whole = [(len(files), env) for env, (files, _) in stacks.items() if set(files) <= named]
    wanted = [dotenv, values.get(max(whole)[1]) if whole else None]
    usable = [f for f in dict.fromkeys(wanted) if f is not None and f in existing]
    if not usable:
        return line
    last = max(line.rfind(path) + len(path) for path in named)
    return line[:last] + "".join(f" --env-file {f}" for f in usable) + line[last:]


def _targets(text: str) -> list[str]:
    names: list[str] = []
    for line in text.splitlines():
        found = _TARGET.match(line)
        if found and not line.startswith("\t"):
            names.extend(n for n in found["names"].split() if not n.startswith("."))
    return names


def plan_references(
    builder: PlanBuilder,
    makefile: str | None,
    moves: Mapping[str, str],
    compose_env: Mapping[str, str],
    *,
    known_tasks: Collection[str] = (),
    committed_envs: Collection[str] = ("ci",),
    stacks: Mapping[str, Stack] | None = None,
    bare: str | None = None,
    dotenv: str | None = None,
    values: Mapping[str, str] | None = None,
) -> None:
    """Rewrite Makefiles, CI workflows and ``.devcontainer.json``; list the rest.

    A CI job starts from a fresh clone: its commands get ``--env-file`` only for env
    files that are committed; for the others the job has to create them first (said).
    """
    existing = [p for p in builder.planned_files() if p.startswith("env/")]
    committed = [f"env/.env.{env}" for env in committed_envs]
    if stacks is None:
        stacks = {env: ((path,), (f"env/.env.{env}",)) for path, env in compose_env.items()}
    rewritten: list[str] = []
    for rel in _command_files(builder.root, makefile):
        text = builder.read(rel)
        if text is None:
            continue
        depth = rel.count("/") if rel.endswith(("akefile", ".mk", ".json")) else 0
        ci = rel.startswith(".github/") or rel == ".gitlab-ci.yml"
        usable = [p for p in existing if p in committed] if ci else existing
        new = rewrite_commands(
            text, moves, stacks, usable, depth, bare=bare, dotenv=dotenv, values=values
        )
        if ci:
            _ci_env_files(builder, rel, new, compose_env, usable)
        if new != text:
            builder.edit(rel, new)
            rewritten.append(rel)
            builder.notes.append(f"{rel}: paths of moved files and explicit compose files")
        if rel.endswith("devcontainer.json"):
            _devcontainer_companions(builder, rel, text, new, moves)
        if rel.rsplit("/", 1)[-1] in ("Makefile", "makefile", "GNUmakefile") or rel.endswith(".mk"):
            _task_notes(builder, rel, text, known_tasks)
    _list_mentions(builder, moves, set(rewritten))


_COMPOSE_FILES = re.compile(r'"dockerComposeFile"\s*:\s*(\[[^\]]*\]|"[^"]*")')


def devcontainer_compose_files(rel: str, text: str) -> list[str]:
    """The root-relative files a devcontainer.json's ``dockerComposeFile`` names."""
    found = _COMPOSE_FILES.search(text)
    if found is None:
        return []
    folder = posixpath.dirname(rel)
    names = re.findall(r'"([^"]+)"', found[1])
    return [posixpath.normpath(posixpath.join(folder, n)) for n in names]


def _devcontainer_companions(
    builder: PlanBuilder, rel: str, old: str, new: str, moves: Mapping[str, str]
) -> None:
    """The editor's own compose files listed after a moved first file: compose resolves
    their relative paths from the first file's folder, which moved, so they follow it
    (``.:/workspace`` becomes ``..:/workspace`` when the first file went to compose/)."""
    from dockyard.domain.layout.compose import rewrite_compose

    before, after = devcontainer_compose_files(rel, old), devcontainer_compose_files(rel, new)
    if not before or len(before) != len(after):
        return
    old_dir, new_dir = posixpath.dirname(before[0]), posixpath.dirname(after[0])
    if old_dir == new_dir:
        return
    dotenv = posixpath.join(old_dir, ".env")
    if (builder.root / dotenv).is_file():
        builder.left.append(
            f"{rel}: the editor's stack read {dotenv} to interpolate its compose files; "
            f"compose reads {posixpath.join(new_dir, '.env')} now (it cannot be told "
            f"another): give the editor those values (`cp {moves.get(dotenv, dotenv)} "
            f"{posixpath.join(new_dir, '.env')}`, kept out of git) or its containers lack them"
        )
    for path in after[1:]:
        text = builder.read(path) if path not in moves.values() else None
        if text is None:
            continue
        rewrite = rewrite_compose(
            text, name=path, new_dir=new_dir, moves=moves, env_file=None, old_dir=old_dir
        )
        if rewrite.text != text:
            builder.edit(path, rewrite.text)
            builder.notes.append(
                f"{path}: relative paths follow {after[0]}, the first file {rel} lists "
                "(compose resolves them from its folder)"
            )


def _ci_env_files(
    builder: PlanBuilder,
    rel: str,
    text: str,
    compose_env: Mapping[str, str],
    usable: Collection[str],
) -> None:
    for env in sorted({e for path, e in compose_env.items() if path in text}):
        env_file = f"env/.env.{env}"
        if env_file not in usable and builder.exists(env_file):
            builder.left.append(
                f"{rel}: runs the {env} stack from a fresh clone, where {env_file} (ignored) "
                f"is absent: create it first (`cp {env_file}.example {env_file}` or "
                f"`dockyard env.init --env {env}`)"
            )


def _task_notes(builder: PlanBuilder, rel: str, text: str, known: Collection[str]) -> None:
    for target in _targets(text):
        task = task_for_target(target)
        if task is not None and task in known:
            builder.notes.append(
                f"{rel}: target {target} keeps its command; `dockyard {task}` does the same job"
            )


def _command_files(root: Path, makefile: str | None) -> list[str]:
    found = [makefile] if makefile else []
    for path in sorted(root.glob("*/Makefile")) + sorted(root.glob("**/*.mk")):
        if path.is_file() and not set(path.relative_to(root).parts) & _SKIP_DIRS:
            found.append(path.relative_to(root).as_posix())
    workflows = root / ".github" / "workflows"
    if workflows.is_dir():
        found += [p.relative_to(root).as_posix() for p in sorted(workflows.glob("*.y*ml"))]
    for name in (
        "justfile",
        "Justfile",
        ".justfile",
        "Taskfile.yml",
        ".gitlab-ci.yml",
        ".devcontainer.json",
        ".devcontainer/devcontainer.json",
    ):
        if (root / name).is_file():
            found.append(name)
    return list(dict.fromkeys(found))


def _list_mentions(builder: PlanBuilder, moves: Mapping[str, str], done: set[str]) -> None:
    """Scripts and docs naming a moved file: listed with file and line, not rewritten."""
    root = builder.root
    listed = 0
    patterns = {
        old: re.compile(rf"(?<![\w./-]){re.escape(old)}(?![\w.-])")
        for old in moves
        if not old.startswith(("compose/", "env/"))
    }
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        # a moved compose file's own comments (`docker compose -f docker/...`) are
        # listed under its new name; its keys were rewritten already
        comments_only = rel in moves and path.suffix in (".yml", ".yaml")
        skipped = rel in done or set(path.relative_to(root).parts[:-1]) & _SKIP_DIRS
        if not comments_only and (skipped or path.suffix not in _SCANNED or rel in moves):
            continue
        if not path.is_file():
            continue
        if rel in ("tasks.py", "noxfile.py", "pyproject.toml"):
            continue
        try:
            lines = path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        shown = moves[rel] if comments_only else rel
        for number, line in enumerate(lines, 1):
            if comments_only and not line.lstrip().startswith("#"):
                continue
            for old, pattern in patterns.items():
                if pattern.search(line) and listed < _MAX_LISTED:
                    builder.left.append(
                        f"{shown}:{number}: names {old} (now {moves[old]}); not rewritten"
                    )
                    listed += 1
