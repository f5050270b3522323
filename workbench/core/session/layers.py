"""The map's layer list as data: visibility, opacity, order, point styles, choropleth.

The map canvas draws it; the Workspace keeps it, so a reload of the data (or of the
window) shows the same layers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from workbench.core.session.events import Event

# Top first, as drawn; the basemap is always at the bottom, the selection always on top.
LAYER_ORDER = ("companies", "postings", "candidates", "regions", "municipalities")
LAYER_NAMES = (*LAYER_ORDER, "basemap")


@dataclass(frozen=True)
class LayerState:
    name: str
    visible: bool = True
    opacity: float = 1.0
    style: str | None = None  # a key of layers.styling.STYLES[name]; None: one colour


@dataclass(frozen=True)
class ChoroplethState:
    statistic: str = "auto"  # "none" turns it off
    method: str = "quantile"


class LayerList:
    """Ordered layer states; ``changed`` fires with the name of the layer that changed
    (``"order"`` for a reordering, ``"choropleth"`` for the municipalities' colouring)."""

    def __init__(self) -> None:
        self.changed = Event("layers.changed")
        self._layers: dict[str, LayerState] = {n: LayerState(n) for n in LAYER_NAMES}
        self._layers["postings"] = LayerState("postings", visible=False)  # on demand
        self._layers["municipalities"] = LayerState("municipalities", opacity=0.8)
        self._order: list[str] = list(LAYER_ORDER)
        self.choropleth = ChoroplethState()

    def __getitem__(self, name: str) -> LayerState:
        return self._layers[name]

    def __iter__(self):
        return iter(self._layers[n] for n in (*self._order, "basemap"))

    @property
    def order(self) -> list[str]:
        return list(self._order)

    def _update(self, name: str, **changes: object) -> None:
        old = self._layers[name]
        new = replace(old, **changes)  # type: ignore[arg-type]
        if new != old:
            self._layers[name] = new
            self.changed.emit(name)

    def set_visible(self, name: str, visible: bool) -> None:
        self._update(name, visible=bool(visible))

    def set_opacity(self, name: str, opacity: float) -> None:
        self._update(name, opacity=max(0.0, min(1.0, float(opacity))))

    def set_style(self, name: str, style: str | None) -> None:
        self._update(name, style=style)

    def set_order(self, order: list[str]) -> None:
        """Top first; names not given keep their relative order below the given ones."""
        rest = [n for n in self._order if n not in order]
        new = [n for n in order if n in LAYER_ORDER] + rest
        if new != self._order:
            self._order = new
            self.changed.emit("order")

    def set_choropleth(self, statistic: str, method: str = "quantile") -> None:
        new = ChoroplethState(statistic, method)
        if new != self.choropleth:
            self.choropleth = new
            self.changed.emit("choropleth")
