"""The source check of the addresses plugin (manifest ``check = ".check:check"``).

One row per channel configured: Adressevælger (a search for a road name: the answer must
carry ``fund``), the DAR GraphQL service (one Postnummer: ``data.DAR_Postnummer.nodes``),
the current file download (the listing must name the DAR ZIPs) and a register file or URL.
Nothing is downloaded beyond the first answer; nothing is written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from workbench.core.plugins.api import CheckContext, SourceCheck

from . import dar_download

# One root field per query and virkningstid always: the service requires both.
GRAPHQL_PROBE = (
    "query($tid: DafDateTime!) { DAR_Postnummer(first: 1, registreringstid: $tid, "
    "virkningstid: $tid) { nodes { id_lokalId postnr } } }"
)


def _json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content.decode("utf-8-sig"))
    except ValueError:
        return None


def _adressevaelger_format(response: requests.Response) -> str | None:
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("fund"), list):
        return None
    return "svaret er ikke Adressevælgerens format (JSON med fund)"


def _graphql_format(response: requests.Response) -> str | None:
    body = _json(response)
    if not isinstance(body, dict):
        return "svaret er ikke JSON fra DAR GraphQL"
    if body.get("errors"):
        first = body["errors"][0]
        return f"DAR GraphQL svarede med fejl: {first.get('message', first) if isinstance(first, dict) else first}"
    data = (body.get("data") or {}).get("DAR_Postnummer")
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        return "svaret mangler data.DAR_Postnummer.nodes"
    return None


def _listing_format(response: requests.Response) -> str | None:
    body = _json(response)
    found = dar_download.newest_files(body if body is not None else response.text)
    if "husnummer" not in found:
        return "listen over filer nævner ingen DAR_V3_Husnummer_TotalDownload_json-fil"
    return None


def _register_format(response: requests.Response) -> str | None:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml"):
        return f"svaret er en webside ({content_type}), ikke en DAR-fil"
    return None


def check(ctx: CheckContext) -> list[SourceCheck]:
    out: list[SourceCheck] = []
    api_key = str(ctx.setting("api_key", "") or "")
    base_url = str(ctx.setting("base_url", "") or "").rstrip("/")
    token = str(ctx.setting("token", "") or "")
    if base_url and not token:
        out.append(
            SourceCheck(
                ctx.plugin_id,
                False,
                auth_ok=False,
                message="Adressevælger: token mangler, så enkeltopslag er slået fra",
                setting=ctx.setting_name("token"),
            )
        )
    elif base_url:
        out.append(
            ctx.probe(
                f"{base_url}/adresser/soeg",
                label="Adressevælger",
                url_key="base_url",
                auth_key="token",
                recognise=_adressevaelger_format,
                params={"tekst": "Århusgade", "token": token},
            )
        )
    graphql_url = str(ctx.setting("graphql_url", "") or "")
    if graphql_url:
        tid = datetime.now(UTC).isoformat(timespec="seconds")
        out.append(
            ctx.probe(
                graphql_url,
                label="DAR GraphQL",
                url_key="graphql_url",
                auth_key="api_key",
                recognise=_graphql_format,
                method="POST",
                params={"apiKey": api_key} if api_key else None,
                json={"query": GRAPHQL_PROBE, "variables": {"tid": tid}},
            )
        )
    download_url = str(ctx.setting("download_url", "") or "").rstrip("/")
    if download_url:
        out.append(
            ctx.probe(
                f"{download_url}/GetAvailableFileDownloads",
                label="DAR-fildownload",
                url_key="download_url",
                auth_key="api_key",
                recognise=_listing_format,
                params={"Register": "DAR", "apikey": api_key} if api_key else {"Register": "DAR"},
            )
        )
    register_url = str(ctx.setting("register_url", "") or "")
    if register_url and urlsplit(register_url).scheme in ("http", "https"):
        out.append(
            ctx.probe(
                register_url,
                label="adresseregister",
                url_key="register_url",
                recognise=_register_format,
            )
        )
    elif register_url:
        path = Path(register_url.removeprefix("file://"))
        found = path.is_file()
        out.append(
            SourceCheck(
                ctx.plugin_id,
                found,
                reachable=found,
                message=f"adresseregister: filen {path} " + ("findes" if found else "findes ikke"),
                setting=None if found else ctx.setting_name("register_url"),
            )
        )
    if not out:
        out.append(
            SourceCheck(
                ctx.plugin_id,
                True,
                message="ingen kilde sat: det gemte adresseregister bruges",
            )
        )
    return out
