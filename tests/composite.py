"""A small local runner of a composite action's ``run:`` steps, as GitHub runs them.

What it does like GitHub: inputs with their defaults (``${{ inputs.x }}``), each step's
``env:`` and ``if:`` (``always()``, ``success()``, ``failure()``, ``==``, ``!=``,
``&&``, ``||``, ``!``; no status function means ``success() && ...``), ``bash
--noprofile --norc -eo pipefail``, a fresh ``GITHUB_OUTPUT`` file per step read back as
``steps.<id>.outputs``, ``GITHUB_STEP_SUMMARY`` collected into the job summary, step
outcomes, and the action's ``outputs:``. ``uses:`` steps (setup-python) and steps named
in ``skip`` are not run (their outcome is ``skipped``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = ["Run", "make_user_bin", "run_composite"]

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||==|!=|!|\(|\))|'(?P<str>(?:[^']|'')*)'"
    r"|(?P<call>[A-Za-z_]\w*)\(\)|(?P<ref>[A-Za-z_][\w.-]*))"
)


@dataclass
class Run:
    """What a run of the action gave: step outcomes and outputs, the job summary."""

    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    action_outputs: dict[str, str] = field(default_factory=dict)


class _Expr:
    def __init__(self, text: str, context: Mapping[str, Any], failed: bool) -> None:
        self.tokens = [m for m in _TOKEN.finditer(text) if m.group(0).strip()]
        self.pos = 0
        self.context = context
        self.failed = failed
        self.status_called = False

    def parse(self) -> Any:
        value = self._or()
        assert self.pos == len(self.tokens), "trailing tokens"
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos].group("op") if self.pos < len(self.tokens) else None

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self.pos += 1
            right = self._and()
            value = value or right
        return value

    def _and(self) -> Any:
        value = self._cmp()
        while self._peek() == "&&":
            self.pos += 1
            right = self._cmp()
            value = value and right
        return value

    def _cmp(self) -> Any:
        left = self._unary()
        op = self._peek()
        if op in ("==", "!="):
            self.pos += 1
            right = self._unary()
            same = str(left).lower() == str(right).lower()
            return same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self.pos += 1
            return not self._unary()
        if self._peek() == "(":
            self.pos += 1
            inner = self._or()
            assert self._peek() == ")"
            self.pos += 1
            return inner
        token = self.tokens[self.pos]
        self.pos += 1
        if token.group("str") is not None:
            return token.group("str").replace("''", "'")
        if token.group("call"):
            self.status_called = True
            return {"always": True, "success": not self.failed, "failure": self.failed}[
                token.group("call")
            ]
        value: Any = self.context
        for part in token.group("ref").split("."):
            value = value.get(part, "") if isinstance(value, Mapping) else ""
        return value


def _evaluate(text: str, context: Mapping[str, Any], failed: bool) -> tuple[Any, bool]:
    expr = _Expr(text, context, failed)
    return expr.parse(), expr.status_called


def _substitute(text: str, context: Mapping[str, Any]) -> str:
    return _EXPR.sub(lambda m: str(_evaluate(m.group(1), context, False)[0]), text)


def _read_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, _, delimiter = line.partition("<<")
            body = []
            while lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            outputs[key] = "\n".join(body)
        elif "=" in line:
            key, _, value = line.partition("=")
            outputs[key] = value
    return outputs


def run_composite(
    action: Path,
    inputs: Mapping[str, str],
    *,
    workspace: Path,
    environ: Mapping[str, str],
    prefix: Sequence[str] = (),
    skip: Sequence[str] = (),
    owner: tuple[int, int] | None = None,
) -> Run:
    """Run ``action``'s composite steps in ``workspace`` with ``inputs``.

    ``prefix`` goes before ``bash`` (``setpriv ...`` to run as another user, who then
    owns the step files when ``owner`` is given).
    """
    spec = YAML(typ="safe").load(action.read_text(encoding="utf-8"))
    given = {name: str(body.get("default", "")) for name, body in spec["inputs"].items()}
    given.update(inputs)
    run = Run()
    steps: dict[str, Any] = {}
    context: dict[str, Any] = {
        "inputs": given,
        "steps": steps,
        "github": {"action_path": str(action.parent), "workspace": str(workspace)},
    }
    folder = Path(tempfile.mkdtemp(prefix="composite-"))
    folder.chmod(0o755)
    summary = folder / "summary.md"
    failed = False
    for index, step in enumerate(spec["runs"]["steps"]):
        sid = str(step.get("id") or f"__{index}")
        condition = str(step.get("if", "")).strip()
        if condition.startswith("${{"):
            condition = condition[3:].rstrip("}").strip()
        wanted, status_called = (
            _evaluate(condition, context, failed) if condition else (True, False)
        )
        if not status_called and failed:
            wanted = False
        if "uses" in step or sid in skip or not wanted:
            run.outcomes[sid] = "skipped"
            steps[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
            continue
        output = folder / f"output-{index}"
        step_summary = folder / f"summary-{index}"
        script = folder / f"step-{index}.sh"
        for path in (output, step_summary):
            path.write_text("")
        script.write_text(_substitute(step["run"], context))
        if owner is not None:
            for path in (output, step_summary, script):
                os.chown(path, *owner)
        env = dict(environ)
        env.update({k: _substitute(str(v), context) for k, v in (step.get("env") or {}).items()})
        env.update({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(step_summary)})
        done = subprocess.run(
            [*prefix, "bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        outcome = "success" if done.returncode == 0 else "failure"
        failed = failed or done.returncode != 0
        run.outcomes[sid] = outcome
        run.logs[sid] = done.stdout + done.stderr
        run.outputs[sid] = _read_outputs(output)
        steps[sid] = {"outputs": run.outputs[sid], "outcome": outcome, "conclusion": outcome}
        with summary.open("a", encoding="utf-8") as out:
            out.write(step_summary.read_text(encoding="utf-8"))
    run.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
    run.action_outputs = {
        name: _substitute(str(body["value"]), context)
        for name, body in (spec.get("outputs") or {}).items()
    }
    return run


def make_user_bin(folder: Path) -> str | None:
    """Make ``folder/bin`` with ``python`` and ``dockyard`` another uid can run.

    A venv of the system python3 that sees this interpreter's packages (whose own
    python may live where that user cannot go); ``uv`` beside them when this
    interpreter has it. Returns why it cannot be made, or None.
    """
    system = Path("/usr/bin/python3")
    if not system.exists():
        return "no /usr/bin/python3 for the unprivileged user"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(folder)], check=True)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    lib = folder / f"lib/python{version}/site-packages"
    if not lib.is_dir():
        return f"/usr/bin/python3 is not {version}, the version the tests run"
    site = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (lib / "dockyard-tests.pth").write_text(f"import site; site.addsitedir({str(site)!r})\n")
    program = folder / "bin/dockyard"
    program.write_text(
        f"#!{folder}/bin/python\nfrom dockyard.surfaces.program import main\nmain()\n"
    )
    program.chmod(0o755)
    uv = Path(sys.executable).parent / "uv"
    if uv.is_file():
        (folder / "bin/uv").symlink_to(uv.resolve())
    return None
