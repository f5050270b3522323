"""The user behind a command: ``[user] name/jobcenter/role`` on an open Store (#15)."""

from __future__ import annotations

from typing import Any

from workbench.core.session.workspace import UserContext
from workbench.core.store import Store


def open_as_user(path: Any, settings: Any, *, read_only: bool) -> Store:
    """The cache at ``path`` read as the configured user (their jobcenter scope)."""
    store = Store.open(path, read_only=read_only, create=False)
    try:
        store.set_user(UserContext.from_settings(settings, store.con))
    except BaseException:
        store.close()
        raise
    return store
