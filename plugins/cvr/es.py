"""Elasticsearch scroll paging against CVR's system-to-system service.

``POST {base}/cvr-permanent/{index}/_search?scroll=5m`` with a query body opens a scroll;
``POST {base}/_search/scroll`` with ``{"scroll": "5m", "scroll_id": ...}`` returns the next
page; an empty page ends it; ``DELETE {base}/_search/scroll`` frees the context. Pages are
yielded one at a time, so memory holds one page whatever the result size.

An expired scroll context (HTTP 404 ``search_context_missing_exception``, e.g. after the
machine slept) raises :class:`ScrollExpired`; the plugin fails the run and the previous data
stays (the next run starts over: a scroll cannot be resumed).

Nothing may be lost silently. Only an answer with ``hits.hits == []`` ends a scroll; an answer
without ``hits`` (``{}``, ``{"error": ...}`` with HTTP 200) fails the run. The scroll request
moves the server's cursor, so the session never repeats it (a repeated request after a lost
answer would return the next page and skip one): a failed scroll request fails the run. A
scroll that does not end (more pages than ``hits.total`` allows, or the same cursor with the
same page again) fails the run too. The caller compares the documents received with the
announced totals (:attr:`Scroll.announced`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import queue
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import orjson
import requests

from workbench.core.plugins.api import PluginError

from . import documents


class ScrollExpired(PluginError):
    """The server no longer knows the scroll id."""


@dataclass
class Page:
    """One answer: its hits (undecoded ``msgspec.Raw`` values when the answer has the usual
    shape, else dicts) for the scroll's counts and checks, and its bytes, which
    ``page_mapping.map_page`` maps."""

    hits: list[Any]
    total: int | None
    at_least: bool = False  # ES 7 ``"relation": "gte"``: ``total`` is a lower bound
    raw: bytes = b""


@dataclass
class Scroll:
    """What one scroll announced (``hits.total`` of each page) and delivered."""

    received: int = 0
    lowest: int | None = None
    highest: int | None = None
    at_least: bool = False

    def note(self, page: Page) -> None:
        self.received += len(page.hits)
        if page.total is None:
            return
        self.lowest = page.total if self.lowest is None else min(self.lowest, page.total)
        self.highest = page.total if self.highest is None else max(self.highest, page.total)
        self.at_least = self.at_least or page.at_least

    @property
    def announced(self) -> tuple[int, int | None] | None:
        """``(low, high)`` documents promised (``high`` None: at least ``low``); a snapshot
        scroll announces one number, a live one may change while it runs."""
        if self.lowest is None:
            return None
        return self.lowest, None if self.at_least else self.highest


def _total(total: Any) -> tuple[int | None, bool]:
    at_least = False
    if isinstance(total, Mapping):  # ES 7: {"value": n, "relation": "eq"}
        at_least = total.get("relation") == "gte"
        total = total.get("value")
    try:
        return (int(total) if total is not None else None), at_least
    except (TypeError, ValueError):
        return None, False


def _page(body: Mapping[str, Any], what: str) -> Page:
    """The hits of one answer; an answer without them is an error, never the end."""
    hits = body.get("hits")
    if not isinstance(hits, Mapping) or not isinstance(hits.get("hits", []), list):
        err = body.get("error")
        if isinstance(err, Mapping):
            err = err.get("type") or err.get("reason")
        reason = f" (fejl: {str(err)[:200]})" if err else ""
        raise PluginError(f"CVR: svaret på {what} har ingen hits{reason}; kørslen er stoppet")
    total, at_least = _total(hits.get("total"))
    return Page(hits=list(hits.get("hits") or []), total=total, at_least=at_least)


def _fingerprint(hits: list[Any]) -> str:
    """Cheap identity of a page (its size, first and last hit): hashing whole pages would
    cost seconds on a national load."""
    text = json.dumps([len(hits), hits[0], hits[-1]], sort_keys=True, default=_plain)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, documents.Struct | msgspec.Raw):
        return documents.to_builtins(value)
    return str(value)


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


def _loads(content: bytes, what: str) -> dict[str, Any]:
    try:
        # orjson decodes a page of 1000 documents about twice as fast as json; json still
        # reads what orjson refuses (NaN, integers beyond 64 bits).
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        try:
            body = json.loads(content)
        except ValueError as exc:
            raise PluginError(f"CVR: svaret på {what} er ikke JSON") from exc
    if not isinstance(body, dict):
        raise PluginError(f"CVR: uventet svar på {what}")
    return body


READ_CHUNK = 1 << 20


def _body(response: requests.Response) -> bytes:
    """A streamed answer's body, read 1 MiB at a time.

    requests reads a body 10 KiB at a time: ~120 passes through its Python layers for a
    page of 1000 documents (real pages are 10–50 MB), each taking the GIL from the thread
    that maps the previous page. A page alone: 9.7 → 6.9 ms (issue #17).
    """
    try:
        return b"".join(response.iter_content(READ_CHUNK))
    finally:
        response.close()


def _answer(content: bytes, what: str) -> tuple[Any, Page]:
    """The scroll id and the page of one answer: its outline when it has the usual shape
    (``documents.decode_outline``), else decoded as dicts, which tells an error answer."""
    outline = documents.decode_outline(content)
    if outline is not None:
        hits = outline.hits
        total, at_least = _total(hits.total)  # type: ignore[union-attr]
        page = Page(hits=hits.hits, total=total, at_least=at_least, raw=content)  # type: ignore[union-attr]
        return outline._scroll_id, page
    body = _loads(content, what)
    page = _page(body, what)
    page.raw = content
    return body.get("_scroll_id"), page


def scroll_pages(
    session: requests.Session,
    base_url: str,
    index: str,
    query: Mapping[str, Any],
    *,
    size: int = 1000,
    scroll: str = "5m",
    auth: tuple[str, str] | None = None,
    tally: Scroll | None = None,
) -> Iterator[Page]:
    """Yield the pages of one scroll over ``cvr-permanent/{index}`` until it is exhausted.

    ``tally`` (if given) is updated with each page before it is yielded. The scroll context
    is cleared (best effort) when the generator ends or is closed early.
    """
    base = base_url.rstrip("/")
    tally = tally if tally is not None else Scroll()
    body = {"query": query, "size": size}
    response = session.post(
        f"{base}/cvr-permanent/{index}/_search",
        params={"scroll": scroll},
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        auth=auth,
        idempotent=True,  # opens a new scroll; a repeat only leaves an unused context behind
    )
    what = f"søgning i {index}"
    if response.status_code != 200:
        raise _error(response, what)
    scroll_id, page = _answer(response.content, what)
    pages = 0
    seen: set[tuple[Any, str]] = set()
    try:
        while True:
            tally.note(page)  # the last, empty page too: a first answer of 0 of 600 is short
            if not page.hits:
                return
            pages += 1
            if tally.highest is not None and not tally.at_least:
                # A scroll of ``total`` documents has ceil(total / size) pages (allow one
                # more for a count that grew while it ran): more means it does not end.
                limit = math.ceil(tally.highest / max(1, size)) + 1
                if pages > limit or tally.received > tally.highest + size:
                    raise PluginError(
                        f"CVR: scroll i {index} giver flere dokumenter end annonceret "
                        f"({tally.received} efter {pages} sider, {tally.highest} annonceret); "
                        "kørslen er stoppet"
                    )
            key = (scroll_id, _fingerprint(page.hits))
            if key in seen:  # the same cursor answered the same page again: no progress
                raise PluginError(
                    f"CVR: scroll i {index} gentager samme side (ingen fremdrift efter "
                    f"{pages} sider); kørslen er stoppet"
                )
            seen.add(key)
            yield page
            if not scroll_id:
                return  # no scroll context: a plain search returns one page
            what = f"scroll i {index}"
            # Not idempotent: the server moves the cursor on. Never repeated (see above).
            response = session.post(
                f"{base}/_search/scroll",
                data=json.dumps({"scroll": scroll, "scroll_id": scroll_id}),
                headers={"Content-Type": "application/json"},
                auth=auth,
                stream=True,  # read below in large pieces (never repeated either way)
            )
            if response.status_code != 200:
                raise _error(response, what)
            next_id, page = _answer(_body(response), what)
            scroll_id = next_id or scroll_id
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


_DONE = object()


def prefetched(pages: Iterator[Page]) -> Iterator[Page]:
    """``pages`` with the next page fetched on a thread while the caller maps this one.

    The server builds and sends page k+1 while page k is mapped, so its time no longer adds
    to ours (a page of 1000 documents takes the real service a good part of a second). Only
    one page is fetched ahead: the next request waits until the caller took the page before
    it, so a caller that stops on a bad page leaves at most one more request behind it (the
    scroll request moves the server's cursor, see above); with the mapping workers' pages
    in flight (``mappers.PageMapper``: two a worker) at most ``2 × map_workers + 1``. Errors of the fetch are raised to
    the caller in order. Closing the returned generator (or leaving it early) stops the
    thread after its current request and closes ``pages`` there, which clears the scroll.
    """
    slot: queue.Queue[Any] = queue.Queue(maxsize=1)
    taken = threading.Semaphore(0)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                slot.put(page)
                taken.acquire()  # one page ahead at most
                if stop.is_set():
                    return
            slot.put(_DONE)
        except BaseException as exc:  # handed to the caller, raised there
            slot.put(exc)
        finally:
            pages.close()  # runs scroll_pages' finally (clear_scroll) on this thread

    thread = threading.Thread(target=fetch, name="cvr-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = slot.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            taken.release()
            yield item
    finally:
        stop.set()
        taken.release()  # wake the thread if it waits for the caller
        with contextlib.suppress(queue.Empty):
            slot.get_nowait()  # free a page it may be putting
        thread.join()
