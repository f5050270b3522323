"""Workspace files (``.jobkort``, JSON): what a consultant was looking at, to save, reopen
and hand to a colleague: the filter, the map view, layers and styles, the selection and the
open job order or campaign (by id).

They never hold personal data: only codes, ids, a drawn selection and a map extent. A file
that carries anything else (a hand-edited or foreign file) is refused, so a workspace file
can be mailed without a data-protection question.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench import __version__

from ..errors import WorkbenchError
from ..filters import Filter, selection_json
from .layers import LAYER_NAMES, LayerList

SUFFIX = ".jobkort"
FORMAT = "jobkort-workspace"
VERSION = 1
_KEYS = {
    "format",
    "version",
    "saved",
    "app_version",
    "filter",
    "selection",
    "layers",
    "order",
    "choropleth",
    "view",
    "job_order_id",
    "campaign",
}
_LAYER_KEYS = {"name", "visible", "opacity", "style"}
MAX_BYTES = 5_000_000  # a workspace is small; anything bigger is not one


class WorkspaceFileError(WorkbenchError):
    """A workspace file that cannot be read or holds more than a workspace may."""


@dataclass
class WorkspaceFile:
    filter: Filter = field(default_factory=Filter)
    selection: str | None = None  # canonical selection JSON
    layers: list[dict[str, Any]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    choropleth: dict[str, str] = field(default_factory=dict)
    view: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax
    job_order_id: str | None = None
    campaign: str | None = None

    # -- from and to a Workspace --------------------------------------------------------

    @classmethod
    def of(
        cls,
        workspace: Any,
        *,
        view: tuple[float, float, float, float] | None = None,
    ) -> WorkspaceFile:
        layers: LayerList = workspace.layers
        selection = workspace.selection
        return cls(
            filter=workspace.filter,
            selection=selection_json(selection) if selection is not None else None,
            layers=[
                {"name": s.name, "visible": s.visible, "opacity": s.opacity, "style": s.style}
                for s in layers
            ],
            order=layers.order,
            choropleth={
                "statistic": layers.choropleth.statistic,
                "method": layers.choropleth.method,
            },
            view=tuple(float(v) for v in view) if view else None,  # type: ignore[arg-type]
            job_order_id=_task_ids(workspace)[0],
            campaign=_task_ids(workspace)[1],
        )

    def apply(self, workspace: Any) -> None:
        """Layers first, then the selection and the filter (one query runs)."""
        layers: LayerList = workspace.layers
        for item in self.layers:
            layers.set_visible(item["name"], item["visible"])
            layers.set_opacity(item["name"], item["opacity"])
            layers.set_style(item["name"], item["style"])
        if self.order:
            layers.set_order(self.order)
        if self.choropleth:
            layers.set_choropleth(
                self.choropleth.get("statistic", "auto"), self.choropleth.get("method", "quantile")
            )
        from workbench.core.filters import parse_selection

        selection = parse_selection(self.selection) if self.selection else None
        workspace.set_selection(selection, submit=False)
        workspace.set_filter(self.filter)

    # -- the file -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "saved": datetime.now().replace(microsecond=0).isoformat(),
            "app_version": __version__,
            "filter": self.filter.to_dict(),
            "selection": json.loads(self.selection) if self.selection else None,
            "layers": self.layers,
            "order": self.order,
            "choropleth": self.choropleth,
            "view": list(self.view) if self.view else None,
            "job_order_id": self.job_order_id,
            "campaign": self.campaign,
        }

    @classmethod
    def from_json(cls, data: Any, *, name: str = "workspace file") -> WorkspaceFile:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise WorkspaceFileError(f"{name} is not a Jobkort workspace file")
        if not isinstance(data.get("version"), int) or data["version"] > VERSION:
            raise WorkspaceFileError(
                f"{name} was saved by a newer Jobkort (format {data.get('version')!r}); update"
            )
        extra = set(data) - _KEYS
        if extra:  # the file may only hold what a workspace is (never person data)
            raise WorkspaceFileError(f"{name} holds unknown fields: {', '.join(sorted(extra))}")
        try:
            flt = Filter.from_dict(data.get("filter") or {}).normalised()
        except (WorkbenchError, TypeError, ValueError) as exc:
            raise WorkspaceFileError(f"{name}: filter: {exc}") from None
        layers = []
        for item in data.get("layers") or []:
            if (
                not isinstance(item, dict)
                or set(item) - _LAYER_KEYS
                or item.get("name") not in LAYER_NAMES
            ):
                raise WorkspaceFileError(f"{name}: layers: not a layer: {str(item)[:60]}")
            layers.append(
                {
                    "name": item["name"],
                    "visible": bool(item.get("visible", True)),
                    "opacity": float(item.get("opacity", 1.0)),
                    "style": item.get("style") if isinstance(item.get("style"), str) else None,
                }
            )
        view = data.get("view")
        if view is not None:
            if not (isinstance(view, list) and len(view) == 4):
                raise WorkspaceFileError(f"{name}: view must be [xmin, ymin, xmax, ymax]")
            view = tuple(float(v) for v in view)
        selection = data.get("selection")
        try:
            selection_text = selection_json(selection) if selection else None
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceFileError(f"{name}: selection: {exc}") from None
        return cls(
            filter=flt,
            selection=selection_text,
            layers=layers,
            order=[str(n) for n in data.get("order") or []],
            choropleth={k: str(v) for k, v in (data.get("choropleth") or {}).items()},
            view=view,  # type: ignore[arg-type]
            job_order_id=_optional_str(data.get("job_order_id")),
            campaign=_optional_str(data.get("campaign")),
        )


def _task_ids(workspace: Any) -> tuple[str | None, str | None]:
    """The open job order's and campaign's ids (only ids: never their content)."""
    task_ids = getattr(workspace, "task_ids", None)
    return task_ids() if callable(task_ids) else (None, None)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def save(wfile: WorkspaceFile, path: str | Path) -> Path:
    """Write atomically (a crash never leaves half a file), user-only."""
    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    text = json.dumps(wfile.to_json(), ensure_ascii=False, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".jobkort-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path) -> WorkspaceFile:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise WorkspaceFileError(f"{path.name} is too large to be a workspace file")
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise WorkspaceFileError(f"workspace file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkspaceFileError(f"cannot read {path.name}: {exc}") from None
    return WorkspaceFile.from_json(data, name=path.name)


# -- recent files (File menu) -------------------------------------------------------------

RECENT_MAX = 8


def _recent_store() -> Path:
    from workbench.core import paths

    return paths.user_data_dir() / "recent-workspaces.json"


def recent_files() -> list[Path]:
    """Recently saved or opened workspace files that still exist, newest first."""
    try:
        names = json.loads(_recent_store().read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(n) for n in names if isinstance(n, str) and Path(n).is_file()][:RECENT_MAX]


def remember(path: str | Path) -> None:
    path = Path(path).resolve()
    names = [str(path)] + [str(p) for p in recent_files() if p.resolve() != path]
    store = _recent_store()
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(names[:RECENT_MAX], ensure_ascii=False), "utf-8")
        os.chmod(store, 0o600)
    except OSError:  # a read-only profile: the menu just has no recent files
        pass
