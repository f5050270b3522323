"""Datafordeler's current DAR file download: one ZIP per entity, found through a listing.

``{base}/GetAvailableFileDownloads?Register=DAR&apikey=KEY`` lists the files on offer;
``{base}/GetFile?Filename=NAME&apikey=KEY`` fetches one. Total downloads are named
``DAR_V3_<Entity>_TotalDownload_json_Current_<n>.zip``, each holding a top-level array of
flat records of one entity; they are regenerated weekly and kept 7 days, so the names are
looked up on every run, never configured. The listing's exact JSON shape is not recorded,
so every string in it (at any depth, or each line of a text answer) that looks like such a
file name counts; the highest ``<n>`` per entity wins.

This replaces the old one-object extract (all entity lists in one JSON), which Datafordeler
stops producing on 15 January 2027; :mod:`.dar` reads both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from workbench.core.plugins.api import PluginError, RefreshContext

from .dar import ENTITIES, Entity

DEFAULT_URL = "https://api.datafordeler.dk/FileDownloads"
_NAME = re.compile(r"DAR_V\d+_([A-Za-z]+)_TotalDownload_json_Current_(\d+)\.zip", re.IGNORECASE)
_BY_NAME = {e.list_name[: -len("List")].lower(): e for e in ENTITIES}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def newest_files(listing: Any) -> dict[str, str]:
    """The newest total download per needed entity: ``{entity key: file name}``."""
    best: dict[str, tuple[int, str]] = {}
    for text in _strings(listing):
        for match in _NAME.finditer(text):
            entity = _BY_NAME.get(match[1].lower())
            number = int(match[2])
            if entity is not None and number >= best.get(entity.key, (-1, ""))[0]:
                best[entity.key] = (number, match[0])
    return {key: name for key, (_n, name) in best.items()}


def list_files(ctx: RefreshContext, base_url: str, api_key: str) -> list[tuple[Entity, str]]:
    """Ask the service which files are on offer; (entity, file name) for each needed entity.

    PluginError when the listing fails or lacks an entity the register cannot do without.
    """
    url = f"{base_url}/GetAvailableFileDownloads?Register=DAR" + (
        f"&apikey={quote(api_key)}" if api_key else ""
    )
    response = ctx.session.get(url)
    if response.status_code in (401, 403):
        raise PluginError(
            f"DAR-fildownload: HTTP {response.status_code} fra {base_url}; tjek [plugins.addresses] "
            "api_key (WORKBENCH__PLUGINS__ADDRESSES__API_KEY)"
        )
    if response.status_code != 200:
        raise PluginError(f"DAR-fildownload: HTTP {response.status_code} fra {base_url}")
    try:
        listing: Any = response.json()
    except ValueError:
        listing = response.text
    files = newest_files(listing)
    missing = [e.list_name[: -len("List")] for e in ENTITIES if e.required and e.key not in files]
    if missing:
        raise PluginError(
            f"DAR-fildownload: listen over filer mangler {', '.join(missing)} "
            "(DAR_V3_<Entitet>_TotalDownload_json_Current_<n>.zip); tidligere register er bevaret"
        )
    return [(e, files[e.key]) for e in ENTITIES if e.key in files]


def file_url(base_url: str, name: str, api_key: str) -> str:
    return f"{base_url}/GetFile?Filename={quote(name)}" + (
        f"&apikey={quote(api_key)}" if api_key else ""
    )
