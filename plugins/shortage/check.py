"""Source check of Arbejdsmarkedsbalancen: the configured file must be reachable and in the
published layout (a header with area, occupation and category columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from workbench.core.plugins.api import CheckContext, SourceCheck

from .layout import LayoutError, read_table


def recognise(content: bytes, sheet: str | None = None) -> str | None:
    """None when ``content`` is in the published layout, else why not (Danish)."""
    try:
        table = read_table(content, sheet=sheet)
    except LayoutError as exc:
        return f"ikke Arbejdsmarkedsbalancens format: {exc}"
    if not table.rows:
        return "filen har kolonneoverskrifterne men ingen rækker"
    return None


def check(ctx: CheckContext) -> SourceCheck:
    url = str(ctx.setting("url", "") or "")
    sheet = ctx.setting("sheet") or None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):

        def judge(response: Any) -> str | None:
            return recognise(response.content, sheet)

        return ctx.probe(url, label="url", url_key="url", recognise=judge)
    path = Path(unquote(parts.path) if parts.scheme == "file" else url)
    if not path.is_file():
        return SourceCheck(
            ctx.plugin_id,
            False,
            reachable=False,
            message=f"url: filen {path} findes ikke",
            setting=ctx.setting_name("url"),
        )
    problem = recognise(path.read_bytes(), sheet)
    return SourceCheck(
        ctx.plugin_id,
        problem is None,
        reachable=True,
        format_ok=problem is None,
        message=f"url: {problem}" if problem else "url: OK (Arbejdsmarkedsbalancens format)",
        setting=ctx.setting_name("url") if problem else None,
    )
