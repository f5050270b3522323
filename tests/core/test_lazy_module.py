"""``core.lazy``: pyarrow is imported when a ranking first uses it, not when the window
imports the matching engine and campaign ranking with its docks (issue #17)."""

from __future__ import annotations

import subprocess
import sys

from workbench.core.lazy import lazy_module


def test_a_lazy_module_imports_on_first_use():
    json_module = lazy_module("json")
    assert json_module.dumps([1]) == "[1]"
    assert json_module.loads is sys.modules["json"].loads


def test_the_window_imports_no_pyarrow_until_a_ranking_uses_it():
    code = (
        "import sys\n"
        "import workbench.qt.main_window\n"
        "assert 'pyarrow' not in sys.modules\n"
        "from workbench.core.matching import engine, snapshot\n"
        "from workbench.core.campaigns import ranking\n"
        "import pyarrow as pa, pyarrow.compute as pc\n"
        "for module in (engine, snapshot, ranking):\n"
        "    assert module.pa.Table is pa.Table and module.pc.sum is pc.sum\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
