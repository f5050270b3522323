"""Importing pyqtgraph, and the modules after PySide6, without work the window never uses
(issue #17, third round).

pyqtgraph keeps its own mirror modules ``pyqtgraph.Qt.QtCore``, ``QtGui`` and ``QtWidgets``
and fills them at import with every attribute of PySide6's modules (``_copy_attrs``). PySide6
creates its types and their Python enums on first access, so that copy created all ~700 of
them: ~0.2 s CPU of the ~0.36 s import, on the GUI thread before the first paint, for types
the workbench never uses. Here the mirrors are given a module ``__getattr__`` (PEP 562) that
forwards to PySide6 instead: every name resolves to the same object as before, created when
first used. While pyqtgraph imports, ``dir()`` of the three PySide6 modules is empty, so the
copy has nothing to copy; both are undone right after.

PySide6 looks at every module imported after it for the text "PySide6" (its ``__feature__``
switching, PYSIDE-2029) through ``inspect.getsource``: the linecache machinery for ~500
modules before the first paint, ~80 ms CPU. :func:`quick_feature_check` reads a ``.py``
file's bytes instead: the same answer.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

MIRRORED = ("QtCore", "QtGui", "QtWidgets")


class _MirrorFinder(importlib.abc.MetaPathFinder):
    """Finds pyqtgraph's mirror modules as usual and adds the forwarding ``__getattr__``
    when they are executed (before pyqtgraph's ``Qt/__init__`` uses them)."""

    def __init__(self, sources: dict[str, ModuleType]) -> None:
        self.sources = sources

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        source = self.sources.get(name)
        if source is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec  # another layout: imported as pyqtgraph does it
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            module.__getattr__ = lambda attr: getattr(source, attr)  # type: ignore[method-assign]

        loader.exec_module = exec_module
        return spec


def import_pyqtgraph() -> ModuleType:
    """``pyqtgraph``, imported with forwarding mirrors when it is not imported yet."""
    if "pyqtgraph" in sys.modules:
        return sys.modules["pyqtgraph"]
    import PySide6.QtCore
    import PySide6.QtGui
    import PySide6.QtWidgets

    sources = {f"pyqtgraph.Qt.{name}": getattr(PySide6, name) for name in MIRRORED}
    finder = _MirrorFinder(sources)
    sys.meta_path.insert(0, finder)
    # PySide6's own __dir__ lists the names its lazy loading has not created yet
    own_dirs = {module: module.__dict__.get("__dir__") for module in sources.values()}
    for module in own_dirs:
        module.__dir__ = list  # type: ignore[method-assign]  # dir() -> []: nothing to copy
    try:
        import pyqtgraph
    finally:
        sys.meta_path.remove(finder)
        for module, own in own_dirs.items():
            if own is None:
                del module.__dir__
            else:
                module.__dir__ = own  # type: ignore[method-assign]
    return pyqtgraph


def quick_feature_check() -> None:
    """Let PySide6's check of each imported module read a ``.py`` file's bytes instead of
    its source through ``inspect`` (after PySide6 is imported; idempotent)."""
    feature = sys.modules.get("shibokensupport.feature")
    check: Callable[[ModuleType], bool] | None = getattr(feature, "_mod_uses_pyside", None)
    if check is None or getattr(check, "quick", False):
        return  # another PySide6 version: its own check stays

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return check(module)  # builtins, extensions, modules without a file

    uses_pyside.quick = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
