"""Start-up as the user starts the window: a fresh process opens the cache the way
``workbench gui`` does and prints ``painted <cpu ms>`` once the first query's points are on the map
and painted; ``startup.measure_startup`` times that from before the process starts.

    python -m workbench.bench.first_paint --cache PATH
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="start the window and report the first paint")
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["WORKBENCH_NO_FIRST_START"] = "1"  # a bench never asks what to load
    from workbench.core.config import load_settings
    from workbench.qt.app import ensure_app, start_gui
    from workbench.qt.screenshot import wait_until

    # as ``run_gui``: start_gui starts Qt itself, while the cache opens
    session = start_gui(args.cache, settings=load_settings(), lang="da")
    if session is None:
        return 1
    app = ensure_app()
    window = session.window
    window.resize(1600, 1000)
    try:
        if not wait_until(lambda: window.result is not None and window.map_is_current(), 120_000):
            print("the first query did not reach the map in time", file=sys.stderr)
            return 1
        window.map.viewport().repaint()
        # the CPU ms this process spent until now (all threads): the cost, apart from the load
        print(f"painted {time.process_time() * 1e3:.0f}", flush=True)
        app.processEvents()
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
