"""Git queries through the runner: which files are tracked, which are ignored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from dockyard.adapters.runner import Runner
from dockyard.errors import CommandError, ConfigError

__all__ = ["ignore_rules", "ignored", "is_repository", "tracked"]

_TIMEOUT = 30.0


def is_repository(runner: Runner, root: Path, env: Mapping[str, str]) -> bool:
    """True when ``root`` lies inside a git work tree (and git is installed)."""
    try:
        done = runner.run(
            ["git", "rev-parse", "--is-inside-work-tree"],
            env=env,
            cwd=root,
            timeout=_TIMEOUT,
            check=False,
        )
    except CommandError:
        return False
    return done.ok and done.stdout.strip() == "true"


def tracked(runner: Runner, root: Path, paths: Iterable[Path], env: Mapping[str, str]) -> set[Path]:
    """The subset of ``paths`` (relative to ``root``) that git tracks."""
    rels = [str(p) for p in paths]
    if not rels:
        return set()
    done = runner.run(["git", "ls-files", "-z", "--", *rels], env=env, cwd=root, timeout=_TIMEOUT)
    return {Path(p) for p in done.stdout.split("\0") if p}


def _guard_ignore_files(root: Path, rels: Iterable[str]) -> None:
    """Refuse a ``.gitignore`` on the way to ``rels`` that is not a regular file: git would
    block on a FIFO, or read a device for ever."""
    folders = {root}
    for rel in rels:
        folders.update(root / parent for parent in Path(rel).parents)
    for folder in folders:
        path = folder / ".gitignore"
        if (path.exists() or path.is_symlink()) and not path.is_file():
            shown = path.relative_to(root) if root in path.parents else path
            raise ConfigError("not a regular file: git cannot read it", source=str(shown))


def ignored(runner: Runner, root: Path, paths: Iterable[Path], env: Mapping[str, str]) -> set[Path]:
    """The subset of ``paths`` (relative to ``root``) that .gitignore rules hide."""
    fields = _check_ignore(runner, root, paths, env, [])
    return {Path(p) for p in fields if p}


def ignore_rules(
    runner: Runner,
    root: Path,
    paths: Iterable[Path],
    env: Mapping[str, str],
    *,
    ignorecase: bool,
) -> dict[Path, tuple[str, int, str]]:
    """For each of ``paths`` that git ignores, the rule: ``(file, line, pattern)``.

    ``ignorecase`` sets ``core.ignorecase`` for the query, as a checkout on macOS or
    Windows has it, so a rule such as ``ENV/`` is seen to hide ``env/`` there.
    """
    config = ["-c", f"core.ignorecase={'true' if ignorecase else 'false'}"]
    fields = _check_ignore(runner, root, paths, env, config, verbose=True)
    rules: dict[Path, tuple[str, int, str]] = {}
    for index in range(0, len(fields) - 3, 4):
        source, line, pattern, path = fields[index : index + 4]
        if source and not pattern.startswith("!"):
            rules[Path(path)] = (source, int(line or 0), pattern)
    return rules


def _check_ignore(
    runner: Runner,
    root: Path,
    paths: Iterable[Path],
    env: Mapping[str, str],
    config: list[str],
    *,
    verbose: bool = False,
) -> list[str]:
    """``git check-ignore`` over ``paths``: its NUL-separated output fields."""
    rels = [str(p) for p in paths]
    if not rels:
        return []
    _guard_ignore_files(root, rels)
    # paths go in on stdin, NUL-separated (-z needs --stdin); exit 1 means "none ignored"
    argv = ["git", *config, "check-ignore", "--no-index", *(["--verbose"] if verbose else [])]
    done = runner.run(
        [*argv, "--stdin", "-z"],
        env=env,
        cwd=root,
        timeout=_TIMEOUT,
        check=False,
        stdin="\0".join(rels) + "\0",
    )
    if done.returncode not in (0, 1):
        raise CommandError(done.argv, done.returncode, done.stderr)
    return done.stdout.split("\0")
