"""The core, the layer models and the plugins never import Qt (napari's rule, enforced)."""

from __future__ import annotations

import ast
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


# -- import contracts, checked on the source (#11) -------------------------------------------

ROOT = Path(workbench.__file__).resolve().parent
QT_PACKAGES = ("PySide6", "pyqtgraph", "shiboken6", "workbench.qt")


def _package_dir(package) -> Path:
    return Path(package.__path__[0]).resolve()


def _module_name(path: Path, root: Path, prefix: str) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([prefix, *parts]) if parts else prefix


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of a source file;
    relative imports resolved against ``module``."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [f"{base}.{a.name}" for a in child.names] if child.module is None else []
                found.extend((n, child.lineno, in_function) for n in names or [base])
            visit(child, nested)

    visit(tree, False)
    return found


def _sources(package, prefix: str) -> list[tuple[Path, str]]:
    root = _package_dir(package)
    return [
        (path, _module_name(path, root, prefix))
        for path in sorted(root.rglob("*.py"))
        if "tests" not in path.relative_to(root).parts
    ]


def _violations(package, prefix: str, bad) -> list[str]:
    out = []
    for path, module in _sources(package, prefix):
        for name, line, in_function in _imports(path, module):
            if bad(module, name, in_function):
                out.append(f"{module}:{line} imports {name}")
    return out


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_core_and_layer_models_import_no_qt_and_nothing_from_workbench_qt():
    def bad(_module: str, name: str, _in_function: bool) -> bool:
        return _under(name, *QT_PACKAGES)

    found = _violations(workbench.core, "workbench.core", bad)
    found += _violations(workbench.layers, "workbench.layers", bad)
    assert found == []


def test_core_does_not_import_layers_in_functions_nor_plugins_at_all():
    """Core depends on nothing above it through hidden (function-level) imports, and plugins
    depend on core, never the reverse (the host finds plugins through entry points)."""

    def bad(_module: str, name: str, in_function: bool) -> bool:
        return (in_function and _under(name, "workbench.layers")) or _under(
            name, "workbench.plugins"
        )

    assert _violations(workbench.core, "workbench.core", bad) == []


def test_plugins_import_only_the_plugin_api():
    """A bundled plugin is written like a third-party one: from the workbench it imports the
    plugin API (and code of the bundled plugins), nothing else."""

    def bad(_module: str, name: str, _in_function: bool) -> bool:
        if not _under(name, "workbench"):
            return _under(name, *QT_PACKAGES)
        return not _under(name, "workbench.core.plugins.api", "workbench.plugins")

    assert _violations(workbench.plugins, "workbench.plugins", bad) == []


def _execute_calls(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany")
            ):
                out.append(f"{path}:{node.lineno}")
    return out


def test_no_sql_in_the_qt_package():
    """The window reads and writes the cache through core functions (the Store)."""
    assert _execute_calls(ROOT / "qt") == []


def test_the_contract_checks_fail_on_a_violation(tmp_path: Path):
    """The checks above see what they look for (a check that never fires proves nothing)."""
    src = tmp_path / "mod.py"
    src.write_text(
        "from PySide6 import QtCore\n"
        "def f(con):\n"
        "    from workbench.layers import styling\n"
        "    from ..qt import app\n"
        "    con.execute('SELECT 1')\n",
        "utf-8",
    )
    found = _imports(src, "workbench.core.mod")
    assert ("PySide6", 1, False) in found
    assert ("workbench.layers", 3, True) in found
    assert ("workbench.qt", 4, True) in found
    assert _execute_calls(tmp_path) == [f"{src}:5"]


def test_the_cache_is_opened_only_through_the_store():
    """``cache.connect`` is called by the Store alone (encryption, scoping and the audit log
    hang on that choke point); no BEGIN/COMMIT by hand outside ``cache.transaction``."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("core/cache.py", "core/store/gateway.py"):
            continue
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "connect"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("cache", "cache_mod")
            ):
                found.append(f"{rel}:{node.lineno} cache.connect")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.strip().upper() in ("BEGIN TRANSACTION", "BEGIN", "COMMIT")
            ):
                found.append(f"{rel}:{node.lineno} {node.value.strip()}")
    assert found == []
