"""``workbench screenshot``: a non-blank PNG of the requested size, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from workbench.core import cache as wb_cache
from workbench.core.config import load_settings


def _distinct_colours(image: QImage, step: int = 17) -> int:
    seen = set()
    for x in range(0, image.width(), step):
        for y in range(0, image.height(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


def test_render_screenshot_in_process(qapp, small_demo_cache, tmp_path):
    from workbench.qt.screenshot import render_screenshot

    out = tmp_path / "shot.png"
    render_screenshot(
        out, small_demo_cache, width=1200, height=800, settings=load_settings(), lang="da"
    )
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert _distinct_colours(image) > 20


@pytest.mark.slow
def test_screenshot_command(small_demo_cache, tmp_path):
    out = tmp_path / "cli.png"
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the command sets offscreen itself
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "screenshot",
            str(out),
            "--cache",
            str(small_demo_cache),
            "--width",
            "900",
            "--height",
            "600",
            "--lang",
            "en",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    assert _distinct_colours(image) > 20


def test_screenshot_with_a_job_order_open(qapp, small_demo_cache, tmp_path):
    """``--job-order FILE.json``: the window shows the order's match (the dock's list, the
    map's score colours); a reference that names no order is one line, no PNG."""
    import json

    from workbench.core.errors import WorkbenchError
    from workbench.qt.screenshot import render_screenshot

    con = wb_cache.connect(small_demo_cache, read_only=True)
    code, cvr = con.execute(
        "SELECT occupation_code, cvr FROM job_postings WHERE x IS NOT NULL ORDER BY posting_id"
    ).fetchone()
    con.close()
    order = tmp_path / "order.json"
    order.write_text(
        json.dumps({"title": "Test", "occupation_codes": [code], "workplace": {"cvr": cvr}}),
        encoding="utf-8",
    )
    out = tmp_path / "order.png"
    render_screenshot(
        out,
        small_demo_cache,
        width=1200,
        height=800,
        settings=load_settings(),
        lang="da",
        job_order=str(order),
    )
    assert not QImage(str(out)).isNull()
    missing = tmp_path / "missing.png"
    with pytest.raises(WorkbenchError, match=r"^--job-order: id: no job order 'JO-nope'"):
        render_screenshot(
            missing,
            small_demo_cache,
            width=1200,
            height=800,
            settings=load_settings(),
            lang="da",
            job_order="JO-nope",
        )
    assert not missing.exists()
