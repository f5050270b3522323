"""Modules imported on their first use, for module-level names such as ``pa``.

pyarrow and pyarrow.compute cost ~0.1 s CPU to import; the window imports the matching
engine and campaign ranking with its docks at start-up but uses pyarrow only when a job
order or campaign is ranked (issue #17). Modules write::

    if TYPE_CHECKING:
        import pyarrow as pa
    else:
        pa = lazy_module("pyarrow")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``, imported on the first attribute read (Python's
    import lock makes a first use from two threads safe)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:  # only for names the proxy itself lacks
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
