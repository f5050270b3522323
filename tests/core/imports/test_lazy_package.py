"""``workbench.core.imports`` loads its runner, reader, spec and profiles on first use
(issue #17): the window imports the package for ``rejects_store`` at start-up, and the
runner brought requests and the plugin host with it. Every exported name still resolves,
and the CPR log scrubber is installed by the package itself."""

from __future__ import annotations

import subprocess
import sys

import workbench.core.imports as imports


def test_every_exported_name_resolves_to_its_module_object():
    from workbench.core.imports import profiles, reader, runner, spec

    modules = {"profiles": profiles, "reader": reader, "runner": runner, "spec": spec}
    for name in imports.__all__:
        assert getattr(imports, name) is getattr(
            modules.get(imports._LAZY.get(name), imports.cpr), name
        )


def test_the_window_start_does_not_load_the_import_runner():
    code = (
        "import logging, sys\n"
        "import workbench.qt.app\n"
        "from workbench.core.imports import cpr\n"
        "heavy = {'requests', 'workbench.core.plugins.host', 'workbench.core.imports.runner'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "assert logging.getLogRecordFactory() is cpr._scrubbing_factory\n"
        "from workbench.core.imports import import_file\n"
        "assert 'workbench.core.imports.runner' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
