"""The session model: the Workspace and its parts (Qt-free)."""

from workbench.core.session.events import Event
from workbench.core.session.layers import ChoroplethState, LayerList, LayerState
from workbench.core.session.workspace import UserContext, Workspace

__all__ = [
    "ChoroplethState",
    "Event",
    "LayerList",
    "LayerState",
    "UserContext",
    "Workspace",
]
