"""Workplace addresses the local register lacks, looked up with Adressevælger (optional).

The client is the addresses plugin's (:class:`workbench.plugins.addresses.adressevaelger.
Adressevaelger`): one reading of the service's answers for both plugins. Here it only gets
the polite rate limit, the cancel flag and a cap on lookups per run; a failed lookup leaves
the posting to the next fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.core.plugins.api import RefreshContext
from workbench.plugins.addresses.adressevaelger import Adressevaelger, AdressevaelgerError


class _PoliteSession:
    """The host's session, waiting for the rate limit and honouring cancel before each GET."""

    def __init__(self, ctx: RefreshContext, wait: Callable[[], None]) -> None:
        self._ctx, self._wait = ctx, wait

    def get(self, url: str, **kwargs: Any) -> Any:
        self._wait()
        self._ctx.check_cancelled()
        return self._ctx.session.get(url, timeout=self._ctx.timeout, **kwargs)


def make_lookup(
    ctx: RefreshContext, url: str, token: str, limit: int, wait: Callable[[], None]
) -> Callable[[dict[str, Any]], tuple[float, float] | None]:
    """A lookup for :func:`.placement.place_rows`: at most ``limit`` searches per run."""
    client = Adressevaelger(_PoliteSession(ctx, wait), url, token)
    used = [0]

    def lookup(row: dict[str, Any]) -> tuple[float, float] | None:
        if used[0] >= limit or not row.get("_address_text"):
            return None
        used[0] += 1
        try:
            xy, _reason = client.place(row["_address_text"], row.get("_address_key"))
        except AdressevaelgerError:
            return None
        return xy

    return lookup
