"""Off-GUI-thread rendering of the point layers for a view (latest wins).

The map posts a :class:`FrameRequest` (frozen snapshot: the layers' arrays, styles, the view
extent and its pixel size) whenever the view or the data change; one worker thread renders
the newest request with :func:`workbench.layers.points.render_frame` and emits the frames.
A request that was overtaken is skipped; a result for an older request is dropped. numpy
releases the GIL in the heavy parts, so pan and zoom stay fluid while it works.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from workbench.layers.points import DENSITY_CELL_PX, Extent, Frame, render_frame

log = logging.getLogger("workbench.profile")


def profiling() -> bool:
    return os.environ.get("WORKBENCH_PROFILE", "") not in ("", "0")


@dataclass(frozen=True)
class LayerJob:
    name: str
    x: np.ndarray
    y: np.ndarray
    visible: bool
    threshold: int
    density_lut: np.ndarray
    sprites: tuple[np.ndarray, ...]
    classes: np.ndarray | None  # class per point (same order as x/y) or None
    cell_px: float = DENSITY_CELL_PX  # density bin size in frame pixels


@dataclass(frozen=True)
class FrameRequest:
    generation: int
    extent: Extent
    pixels: tuple[int, int]
    layers: tuple[LayerJob, ...]
    submitted: float


def same_input(a: LayerJob, b: LayerJob) -> bool:
    """Whether ``b`` renders what ``a`` did (for the same view): the same arrays, style and
    level-of-detail settings. By identity: a filter passes the unchanged layer's arrays on
    as they were, and nothing changes them in place."""
    return (
        a.x is b.x
        and a.y is b.y
        and a.classes is b.classes
        and a.sprites is b.sprites
        and a.density_lut is b.density_lut
        and a.visible == b.visible
        and a.threshold == b.threshold
        and a.cell_px == b.cell_px
    )


# per layer: the view (extent, pixels), the job and the frame rendered for them
Previous = dict[str, tuple[Extent, tuple[int, int], LayerJob, Frame | None]]


def render_request(req: FrameRequest, previous: Previous | None = None) -> dict[str, Frame | None]:
    """The frames of ``req``. With ``previous`` (the last frame per layer, updated here), a
    layer whose input and view did not change keeps its frame: a candidates filter does not
    bin the 1M unchanged companies again (~20 ms at national scale, issue #17)."""
    out: dict[str, Frame | None] = {}
    for job in req.layers:
        last = previous.get(job.name) if previous is not None else None
        if last is not None and last[:2] == (req.extent, req.pixels) and same_input(last[2], job):
            out[job.name] = last[3]
            continue
        out[job.name] = _render_layer(req, job)
        if previous is not None:
            previous[job.name] = (req.extent, req.pixels, job, out[job.name])
    return out


def _render_layer(req: FrameRequest, job: LayerJob) -> Frame | None:
    if not job.visible or job.x.size == 0:
        return None
    return render_frame(
        job.x,
        job.y,
        req.extent,
        req.pixels,
        threshold=job.threshold,
        density_lut=job.density_lut,
        sprites=list(job.sprites),
        classes=job.classes,
        cell_px=job.cell_px,
    )


class FrameWorker(QObject):
    """``ready(generation, frames)`` arrives in the GUI thread for the newest request only."""

    ready = Signal(int, object)
    _done = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: FrameRequest | None = None
        self._latest = 0
        self._busy = False
        self._closed = False
        self.last_seconds = 0.0
        # the last frame per layer (worker thread only): unchanged layers are not re-rendered
        self._previous: Previous = {}
        self._done.connect(self._on_done)
        self._thread = threading.Thread(target=self._loop, name="map-frames", daemon=True)
        self._thread.start()

    def submit(self, req: FrameRequest) -> None:
        with self._cond:
            self._latest = req.generation
            self._pending = req
            self._cond.notify()

    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                req, self._pending = self._pending, None
                self._busy = True
            try:
                t0 = time.perf_counter()
                frames = render_request(req, self._previous)
                self.last_seconds = time.perf_counter() - t0
                if profiling():
                    log.info(
                        "render frames gen=%d: %.1f ms", req.generation, self.last_seconds * 1e3
                    )
                payload: object = frames
            except Exception as exc:  # keep the worker alive; the map keeps its old frame
                log.exception("rendering the map failed")
                payload = exc
            with self._cond:
                self._busy = False
                stale = req.generation != self._latest or self._closed
            if not stale:
                self._done.emit(req.generation, payload)

    def _on_done(self, generation: int, payload: object) -> None:
        if generation != self._latest or isinstance(payload, Exception):
            return
        self.ready.emit(generation, payload)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
        self._thread.join(timeout=5)
