"""Elasticsearch scroll paging against CVR's system-to-system service.

``POST {base}/cvr-permanent/{index}/_search?scroll=5m`` with a query body opens a scroll;
``POST {base}/_search/scroll`` with ``{"scroll": "5m", "scroll_id": ...}`` returns the next
page; an empty page ends it; ``DELETE {base}/_search/scroll`` frees the context. Pages are
yielded one at a time, so memory holds one page whatever the result size.

An expired scroll context (HTTP 404 ``search_context_missing_exception``, e.g. after the
machine slept) raises :class:`ScrollExpired`; the plugin fails the run and the previous data
stays (the next run starts over: a scroll cannot be resumed).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from workbench.core.plugins.api import PluginError


class ScrollExpired(PluginError):
    """The server no longer knows the scroll id."""


@dataclass
class Page:
    hits: list[dict[str, Any]]
    total: int | None


def _total(hits: Mapping[str, Any]) -> int | None:
    total = hits.get("total")
    if isinstance(total, Mapping):  # ES 7: {"value": n, "relation": "eq"}
        total = total.get("value")
    try:
        return int(total) if total is not None else None
    except (TypeError, ValueError):
        return None


def _error(response: requests.Response, what: str) -> PluginError:
    text = response.text[:2000] if response.text else ""
    if response.status_code == 404 and "search_context_missing_exception" in text:
        return ScrollExpired(
            "CVR: scroll-konteksten er udløbet (search_context_missing_exception); "
            "kørslen er stoppet, tidligere data er bevaret"
        )
    if response.status_code in (401, 403):
        return PluginError(
            f"CVR: adgang nægtet (HTTP {response.status_code}) ved {what}; "
            "tjek [plugins.cvr] username/password"
        )
    reason = ""
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(err, Mapping):
            reason = str(err.get("type") or err.get("reason") or "")
        elif err:
            reason = str(err)
    except ValueError:
        pass
    return PluginError(
        f"CVR: HTTP {response.status_code} ved {what}" + (f" ({reason})" if reason else "")
    )


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise PluginError(f"CVR: svaret på {what} er ikke JSON") from exc
    if not isinstance(body, dict):
        raise PluginError(f"CVR: uventet svar på {what}")
    return body


def scroll_pages(
    session: requests.Session,
    base_url: str,
    index: str,
    query: Mapping[str, Any],
    *,
    size: int = 1000,
    scroll: str = "5m",
    auth: tuple[str, str] | None = None,
) -> Iterator[Page]:
    """Yield the pages of one scroll over ``cvr-permanent/{index}`` until it is exhausted.

    The scroll context is cleared (best effort) when the generator ends or is closed early.
    """
    base = base_url.rstrip("/")
    body = {"query": query, "size": size}
    response = session.post(
        f"{base}/cvr-permanent/{index}/_search",
        params={"scroll": scroll},
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        auth=auth,
    )
    what = f"søgning i {index}"
    if response.status_code != 200:
        raise _error(response, what)
    page = _json(response, what)
    scroll_id = page.get("_scroll_id")
    try:
        while True:
            hits = page.get("hits") or {}
            if not isinstance(hits, Mapping):
                raise PluginError(f"CVR: uventet svar på {what} (hits)")
            docs = hits.get("hits") or []
            if not docs:
                return
            yield Page(hits=list(docs), total=_total(hits))
            if not scroll_id:
                return  # no scroll context: a plain search returns one page
            response = session.post(
                f"{base}/_search/scroll",
                data=json.dumps({"scroll": scroll, "scroll_id": scroll_id}),
                headers={"Content-Type": "application/json"},
                auth=auth,
            )
            if response.status_code != 200:
                raise _error(response, f"scroll i {index}")
            page = _json(response, f"scroll i {index}")
            scroll_id = page.get("_scroll_id") or scroll_id
    finally:
        if scroll_id:
            clear_scroll(session, base, scroll_id, auth=auth)


def clear_scroll(
    session: requests.Session, base_url: str, scroll_id: str, *, auth: tuple[str, str] | None
) -> None:
    """Free the server's scroll context; failures are ignored (it expires on its own)."""
    with contextlib.suppress(requests.RequestException):
        session.delete(
            f"{base_url.rstrip('/')}/_search/scroll",
            data=json.dumps({"scroll_id": [scroll_id]}),
            headers={"Content-Type": "application/json"},
            auth=auth,
        )
