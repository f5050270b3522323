"""The start-up bench measures the project as installed: its modules byte-compiled
(issue #17; a checkout run with PYTHONDONTWRITEBYTECODE=1 compiled them at every start)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import workbench
from workbench.bench import startup


def test_compile_bytecode_writes_the_cached_modules(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    sources = [package / "__init__.py", package / "sub" / "mod.py"]
    for source in sources:
        source.write_text("VALUE = 1\n", encoding="utf-8")

    startup.compile_bytecode([package])

    for source in sources:
        assert Path(importlib.util.cache_from_source(str(source))).is_file(), source


def test_the_project_folders_are_the_installed_packages() -> None:
    folders = startup.project_folders()
    assert Path(workbench.__file__).parent in folders
    assert {f.name for f in folders} >= {"layers", "plugins"}  # setup.py maps them in
