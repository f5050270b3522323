"""The core, the layer models and the plugins never import Qt (napari's rule, enforced)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import workbench
import workbench.core
import workbench.layers
import workbench.plugins

QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6")


def _modules(package) -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + ".")
        if ".tests" not in m.name
    )


def test_core_layers_and_plugins_import_without_qt():
    names = _modules(workbench.core) + _modules(workbench.layers) + _modules(workbench.plugins)
    assert "workbench.core.filters" in names and "workbench.core.demo" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"leaked = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(','.join(sorted(leaked)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Qt imported by the Qt-free packages: {out.stdout}"


def test_no_top_level_layers_or_plugins_module_is_installed():
    code = "import importlib.util as u; print(u.find_spec('layers'), u.find_spec('plugins'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path("/")
    )
    assert out.stdout.strip() == "None None"
    assert Path(workbench.layers.__file__).parent.name == "layers"
