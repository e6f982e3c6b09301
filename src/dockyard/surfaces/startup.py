"""Invoke imported for the ``dockyard`` program, without what a command never uses.

Importing Invoke costs about twice what it needs to: its package imports
:mod:`importlib.metadata` (email, zipfile, csv...) only to set ``invoke.__version__``,
``invoke.context`` imports :mod:`unittest.mock` (asyncio, ssl...) only for
``MockContext``, a test double, and ``invoke.util`` imports its vendored YAML library,
used only to read a ``invoke.yaml`` when there is one. :func:`lean_imports` puts
stand-ins for these in ``sys.modules`` while Invoke is imported, then takes them away:

* ``unittest.mock.Mock`` is a factory that imports the real module when a
  ``MockContext`` is first made;
* ``importlib.metadata.version(name)`` reads the version from the name of the
  distribution's ``.dist-info`` folder on ``sys.path``, and asks the real module when
  that is not one clear answer;
* any other name of these modules imports the real one and answers from it (the YAML
  library is loaded when a configuration file is read).

Afterwards ``sys.modules`` holds the real modules or none, so later imports (tests,
plugins, ``invoke.__version__`` readers) see the standard library unchanged. A module
that is already imported is never replaced::

    with lean_imports():
        from invoke.program import Program
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["STAND_INS", "dist_version", "lean_imports"]

#: The modules :func:`lean_imports` stands in for.
STAND_INS = ("importlib.metadata", "unittest.mock", "invoke.vendor.yaml")


@contextlib.contextmanager
def lean_imports() -> Iterator[None]:
    """Import inside this block with stand-ins for :data:`STAND_INS` (see the module doc)."""
    placed: dict[str, types.ModuleType] = {}
    for name in STAND_INS:
        if name not in sys.modules and _importable(name):
            placed[name] = sys.modules[name] = _stand_in(name)
    try:
        yield
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _importable(name: str) -> bool:
    """Is ``name`` there to be loaded later? (Invoke's vendored YAML may be unbundled.)"""
    if not name.startswith("invoke."):
        return True  # the standard library's
    import importlib.util

    spec = importlib.util.find_spec("invoke")  # finds the package without running it
    if spec is None or spec.origin is None:
        return False
    folder = Path(spec.origin).parent.joinpath(*name.split(".")[1:])
    return (folder / "__init__.py").is_file() or folder.with_suffix(".py").is_file()


def _stand_in(name: str) -> types.ModuleType:
    module = types.ModuleType(name, f"Stand-in for {name} while Invoke is imported.")

    def real() -> types.ModuleType:
        if sys.modules.get(name) is module:
            del sys.modules[name]
        return importlib.import_module(name)

    def attribute(key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return getattr(real(), key)

    module.__getattr__ = attribute  # type: ignore[method-assign]
    if name == "unittest.mock":

        def mock(*args: Any, **kwargs: Any) -> Any:
            return real().Mock(*args, **kwargs)

        module.Mock = mock  # type: ignore[attr-defined]
    elif name == "importlib.metadata":

        def version(distribution: str) -> str:
            found = dist_version(distribution)
            return found if found is not None else str(real().version(distribution))

        module.version = version  # type: ignore[attr-defined]
    return module


def dist_version(distribution: str) -> str | None:
    """The version in the name of ``distribution``'s ``.dist-info`` folder on ``sys.path``.

    Only an unambiguous answer counts: None when no folder, or more than one, matches.
    """
    prefix = distribution.replace("-", "_").lower() + "-"
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = [p.name for p in Path(entry or ".").iterdir()]
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and folder.lower().startswith(prefix):
                found.add(folder[len(prefix) : -len(".dist-info")])
        if found:
            break  # the first entry that has it is the one Python imports from
    return found.pop() if len(found) == 1 else None
