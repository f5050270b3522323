"""Run the peers (QGIS, geopandas) on the suite's points and filters, each in a subprocess.

QGIS is driven by the system Python (Debian's ``python3-qgis``); geopandas + matplotlib by
the first Python that has both (this one, else the system one). A peer that is missing is
reported as skipped with the reason, never faked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = os.environ.get("WORKBENCH_BENCH_SYSTEM_PYTHON", "/usr/bin/python3")
PEER_TIMEOUT_S = 1800


def _probe(python: str, code: str) -> str | None:
    """None when ``python`` runs ``code``; else the one-line reason it does not."""
    if not Path(python).exists():
        return f"{python} not found"
    try:
        done = subprocess.run(
            [python, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{python}: {exc}"
    if done.returncode == 0:
        return None
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
    return f"{python}: {lines[-1] if lines else f'exit {done.returncode}'}"


def _run_script(python: str, script: str, job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [python, str(HERE / script)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT_S,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise RuntimeError(f"{script} failed: {tail}")
    result = json.loads(lines[-1])
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def run_qgis(layers: dict[str, Path], expressions: dict[str, list[str]]) -> dict[str, Any]:
    """``{"status": "measured", "ms": {entity: [...]}, ...}`` or skipped with a reason."""
    reason = _probe(SYSTEM_PYTHON, "import qgis.core")
    if reason:
        return {"status": "skipped", "reason": f"QGIS (python3-qgis) not available: {reason}"}
    job = {
        "layers": {k: str(v) for k, v in layers.items()},
        "expressions": expressions,
        "width": 1600,
        "height": 1000,
        "job": "parallel",
    }
    try:
        out = _run_script(SYSTEM_PYTHON, "peer_qgis.py", job)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"status": "failed", "reason": str(exc)}
    return {"status": "measured", "python": SYSTEM_PYTHON, **out}


def geopandas_python() -> tuple[str | None, str]:
    """The first Python with geopandas and matplotlib, or None and why."""
    reasons = []
    for python in dict.fromkeys([sys.executable, SYSTEM_PYTHON]):
        reason = _probe(python, "import geopandas, matplotlib")
        if reason is None:
            return python, ""
        reasons.append(reason)
    return None, "; ".join(reasons)


def run_geopandas(path: Path, specs: list[dict[str, Any]], png: Path) -> dict[str, Any]:
    python, reason = geopandas_python()
    if python is None:
        return {"status": "skipped", "reason": f"geopandas + matplotlib not available: {reason}"}
    job = {"path": str(path), "layer": "companies", "filters": specs, "png": str(png)}
    try:
        out = _run_script(python, "peer_geopandas.py", job)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"status": "failed", "reason": str(exc)}
    return {"status": "measured", "python": python, **out}
