"""Source checks: is each configured source reachable, are its credentials accepted, does it
answer in a format the plugin recognises, and which setting to fix when not.

``workbench sources check`` and the refresh dialog's "Kontrollér kilder" run
:func:`check_sources`. A plugin may declare ``check = "module:function"`` in its manifest;
the function gets a :class:`~workbench.core.plugins.api.CheckContext` and returns one
:class:`~workbench.core.plugins.api.SourceCheck` or a list (one per channel it uses).
Plugins without one get :func:`generic_check`: a GET of each configured http(s) URL,
judged by the HTTP status and the content type. Checks read only: no cache is opened, and
the session has a short timeout and no retries, so a dead source answers in seconds.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from workbench.core.config import Settings

from .api import CheckContext, SourceCheck
from .host import PluginInfo, SessionFactory, plugin_status
from .http import describe_error, http_settings, make_session

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
Recognise = Callable[[requests.Response], str | None]
"""``recognise(response) -> None`` when a 200 answer has the expected format, else why not."""


def _plain(url: str) -> str:
    """A URL safe to show: no query string (it may carry a token) and no user:password."""
    parts = urlsplit(url.split("?", 1)[0].split("#", 1)[0])
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


def probe(
    ctx: CheckContext,
    url: str,
    *,
    label: str,
    url_key: str,
    auth_key: str | None = None,
    recognise: Recognise | None = None,
    method: str = "GET",
    lenient: bool = False,
    **request: Any,
) -> SourceCheck:
    """One request to a source, judged: unreachable, moved (3xx, 404, 410), credentials
    refused (401, 403), server error, or answered; a 200 answer goes to ``recognise``.

    ``url_key`` / ``auth_key`` are the plugin's setting keys to name when the address or the
    credentials are wrong. ``lenient``: any 4xx other than those above still counts as
    reachable and fine (a bare GET of a service that wants parameters).
    """
    where = _plain(url)
    url_setting = ctx.setting_name(url_key)
    auth_setting = ctx.setting_name(auth_key) if auth_key else url_setting
    try:
        response = ctx.session.request(method, url, allow_redirects=False, stream=True, **request)
    except requests.RequestException as exc:
        return SourceCheck(
            ctx.plugin_id,
            False,
            reachable=False,
            message=f"{label}: {describe_error(exc)}",
            setting=url_setting,
        )
    with response:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if 300 <= status < 400:
            moved = _plain(response.headers.get("Location", "")) or "?"
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                message=f"{label}: kilden er flyttet (HTTP {status} til {moved}); ret adressen",
                setting=url_setting,
            )
        if status in (401, 403):
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                auth_ok=False,
                message=f"{label}: adgang nægtet (HTTP {status}); nøglen er forkert eller udløbet",
                setting=auth_setting,
            )
        if status in (404, 410):
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                message=f"{label}: findes ikke (HTTP {status}) på {where}; tjenesten er flyttet "
                "eller lukket",
                setting=url_setting,
            )
        if status >= 500:
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                message=f"{label}: kilden svarer med en fejl (HTTP {status}); prøv igen senere",
            )
        auth_ok = True if auth_key and ctx.setting(auth_key) else None
        if status != 200:
            if lenient:
                return SourceCheck(
                    ctx.plugin_id,
                    True,
                    reachable=True,
                    auth_ok=auth_ok,
                    message=f"{label}: svarer (HTTP {status} på en simpel forespørgsel); "
                    "formatet er ikke kontrolleret",
                )
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                auth_ok=auth_ok,
                format_ok=False,
                message=f"{label}: uventet svar HTTP {status} fra {where}",
                setting=url_setting,
            )
        problem = (recognise or recognise_data)(response)
        if problem:
            return SourceCheck(
                ctx.plugin_id,
                False,
                reachable=True,
                auth_ok=auth_ok,
                format_ok=False,
                message=f"{label}: {problem} ({where})",
                setting=url_setting,
            )
        return SourceCheck(
            ctx.plugin_id,
            True,
            reachable=True,
            auth_ok=auth_ok,
            format_ok=True,
            message=f"{label}: OK ({content_type or 'ukendt indholdstype'})",
        )


def recognise_data(response: requests.Response) -> str | None:
    """Any data format will do; a web page (HTML) is what a moved or login site answers."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml"):
        return f"svaret er en webside ({content_type}), ikke data"
    return None


def generic_check(
    ctx: CheckContext, config_keys: Iterable[str], secrets: Sequence[str]
) -> list[SourceCheck]:
    """Every configured ``*url`` setting: an http(s) URL is fetched, a file must exist."""
    auth_key = next((s for s in secrets if ctx.setting(s)), None)
    out = []
    for key in config_keys:
        value = str(ctx.setting(key, "") or "")
        if not key.endswith("url") or not value:
            continue
        if urlsplit(value).scheme in ("http", "https"):
            out.append(probe(ctx, value, label=key, url_key=key, auth_key=auth_key, lenient=True))
            continue
        path = Path(value[7:] if value.startswith("file://") else value)
        found = path.is_file()
        out.append(
            SourceCheck(
                ctx.plugin_id,
                found,
                reachable=found,
                message=f"{key}: filen {path} " + ("findes" if found else "findes ikke"),
                setting=None if found else ctx.setting_name(key),
            )
        )
    if not out:
        out.append(SourceCheck(ctx.plugin_id, True, message="ingen URL at kontrollere"))
    return out


def _load_check(info: PluginInfo) -> Callable[[CheckContext], Any] | None:
    name = info.manifest.check if info.manifest else ""
    if not name:
        return None
    module_name, _, attr = name.partition(":")
    module = importlib.import_module(module_name, package=info.package)
    return getattr(module, attr)


def _missing(info: PluginInfo, cfg: Mapping[str, Any]) -> list[str]:
    assert info.manifest is not None
    return [k for k in info.manifest.required if cfg.get(k) in (None, "")]


def check_plugin(
    info: PluginInfo,
    settings: Settings,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    session_factory: SessionFactory | None = None,
) -> list[SourceCheck]:
    """Check one plugin's source(s); never raises."""
    status = plugin_status(info, settings)
    if status == "broken" or info.manifest is None:
        return [SourceCheck(info.id, False, message=f"plugin er defekt: {info.error}")]
    cfg = settings.plugin(info.id)
    missing = _missing(info, cfg)
    if missing:
        return [
            SourceCheck(
                info.id,
                False,
                auth_ok=False if missing[0] in info.manifest.secrets else None,
                message=f"ikke konfigureret: sæt {', '.join(missing)}",
                setting=f"plugins.{info.id}.{missing[0]}",
            )
        ]
    overrides = {"retries": 0, "timeout_s": timeout, "connect_timeout_s": timeout}
    session = (session_factory or make_session)(
        http_settings(settings.section("http"), cfg, overrides)
    )
    ctx = CheckContext(plugin_id=info.id, config=cfg, session=session, timeout=timeout)
    try:
        func = _load_check(info)
        if func is None:
            return generic_check(ctx, info.manifest.config, info.manifest.secrets)
        found = func(ctx)
        return list(found) if isinstance(found, list | tuple) else [found]
    except Exception as exc:  # a broken check must not stop the others
        log.exception("source check of %s failed", info.id)
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [SourceCheck(info.id, False, message=f"kontrollen fejlede: {text}")]
    finally:
        session.close()


def check_sources(
    settings: Settings,
    plugins: Iterable[PluginInfo],
    plugin_ids: Sequence[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    session_factory: SessionFactory | None = None,
) -> list[SourceCheck]:
    """Check ``plugin_ids``, or every broken plugin and every plugin with a
    ``[plugins.<id>]`` section that is not disabled (a section missing a required key is
    reported as not configured)."""
    infos = {i.id: i for i in plugins}
    if plugin_ids:
        chosen = [infos[i] for i in plugin_ids]
    else:
        chosen = [
            i
            for _id, i in sorted(infos.items())
            if plugin_status(i, settings) == "broken"
            or (settings.plugin(i.id) and plugin_status(i, settings) != "disabled")
        ]
    out: list[SourceCheck] = []
    for info in chosen:
        out += check_plugin(info, settings, timeout=timeout, session_factory=session_factory)
    return out
