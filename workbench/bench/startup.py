"""``startup_ms``: process start → first painted map, over fresh processes."""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

START_TIMEOUT_S = 120


def project_folders() -> list[Path]:
    """The folders of the project's own packages (``workbench`` and the folders setup.py
    maps into it)."""
    import workbench
    import workbench.layers
    import workbench.plugins

    return [
        Path(p) for pkg in (workbench, workbench.layers, workbench.plugins) for p in pkg.__path__
    ]


def compile_bytecode(folders: Iterable[Path] | None = None) -> None:
    """Byte-compile the project's modules, as an installed copy has them (the PyInstaller
    bundle ships them compiled). A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` never
    writes them, so every start compiled ~300 modules again: ~0.5 s CPU that no user pays
    (issue #17). Up-to-date files are left as they are."""
    for folder in folders if folders is not None else project_folders():
        compileall.compile_dir(folder, quiet=1)


def measure_startup(
    cache_path: Path, repeat: int, cpu_ms: list[float] | None = None
) -> list[float]:
    """ms from spawning ``first_paint`` to its ``painted`` line, ``repeat`` times; the CPU
    ms each process spent until then go to ``cpu_ms``."""
    compile_bytecode()
    times = []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.bench.first_paint", "--cache", str(cache_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        # a start that never paints (e.g. a dialog waiting offscreen) must fail, not hang
        killer = threading.Timer(START_TIMEOUT_S, proc.kill)
        killer.start()
        try:
            line = proc.stdout.readline()
        finally:
            killer.cancel()
        ms = (time.perf_counter() - t0) * 1e3
        _out, err = proc.communicate(timeout=120)
        word, _, cpu = line.strip().partition(" ")
        if word != "painted" or proc.returncode != 0:
            tail = (err.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            raise RuntimeError(f"start-up run failed: {tail}")
        times.append(ms)
        if cpu_ms is not None and cpu:
            cpu_ms.append(float(cpu))
    return times
