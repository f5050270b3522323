"""The plugin API: the only module a source plugin imports from the workbench.

A plugin is a package with a ``manifest.toml`` (read by the host without importing the
plugin) and a refresh function ``refresh(ctx: RefreshContext) -> None`` named by the
manifest's ``refresh`` key. The function downloads from its source with ``ctx.session``,
writes rows into ``ctx.staging`` and calls ``ctx.progress``/``ctx.check_cancelled`` as it
goes. It never writes the live cache: the host swaps the staged tables in when the function
returns, in one transaction. Raising :class:`PluginError` (one-line message) fails the run;
the previous data stays as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

# Address keys (street, house number, postcode) shared with the core's address look-up.
from workbench.core.address_keys import (
    house_key,
    house_key_sql,
    match_key,
    match_key_sql,
    postnr_key,
    street_key,
    street_key_sql,
)

# Industry systems, for plugins that write companies or the industry taxonomy.
from workbench.core.industries import DB07, DB25, system_for_period

__all__ = [
    "API_VERSION",
    "DB07",
    "DB25",
    "Cancelled",
    "CheckContext",
    "Manifest",
    "PluginError",
    "ProgressCallback",
    "Received",
    "RefreshContext",
    "SourceCheck",
    "Staging",
    "SwapMode",
    "house_key",
    "house_key_sql",
    "match_key",
    "match_key_sql",
    "normalise_kommune_kode",
    "parse_decimal",
    "postnr_key",
    "source_status_error",
    "street_key",
    "street_key_sql",
    "system_for_period",
]

SwapMode = Literal["replace", "replace_where", "upsert"]

# The version of this API. A manifest names the version it is written for
# (``api_version = 1``); the host refuses a plugin written for another one.
API_VERSION = 1


class PluginError(Exception):
    """A refresh cannot complete; the message (one line) is shown to the user and logged."""


class Cancelled(Exception):
    """Raised by :meth:`RefreshContext.check_cancelled` when the user cancelled the run."""


@dataclass(frozen=True)
class Manifest:
    """What the host knows about a plugin without importing it (from ``manifest.toml``).

        ``config`` maps each configuration key of ``[plugins.<id>]`` to a one-line description;
        ``secrets`` lists the keys that hold secrets (never logged, best given as environment
        variables ``WORKBENCH__PLUGINS__<ID>__<KEY>``); ``required`` lists the keys that must be
    non-empty for the plugin to count as configured (run by default). ``refresh`` is ``"module:function"``;
        a module starting with ``.`` is relative to the plugin's package.
    """

    id: str
    name: str
    source: str
    licence: str
    attribution: str
    tables: tuple[str, ...]
    refresh: str
    config: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    refresh_interval_hours: float = 24.0
    description: str = ""
    version: str = ""
    # Plugins that must run before this one when both run (e.g. addresses after cvr).
    after: tuple[str, ...] = ()
    # Optional "module:function" checking the source without writing anything (see
    # SourceCheck); plugins without one get the host's generic check of their URL.
    check: str = ""
    # Every POST of this plugin only reads (e.g. a query endpoint): safe to retry.
    idempotent_post: bool = False
    # DuckDB threads while the plugin's refresh function runs (0: DuckDB's default). A plugin
    # bound by its own Python work (mapping documents) sets 1: its staging inserts then cost
    # ~30% less CPU, which its thread gets instead; the swap uses every thread again.
    staging_threads: int = 0
    # The plugin API version the plugin is written for (checked by the host).
    api_version: int = API_VERSION

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """Build and validate a manifest from parsed TOML/JSON; ValueError says what is wrong."""
        missing = [
            k
            for k in ("id", "name", "source", "licence", "tables", "refresh", "api_version")
            if k not in data
        ]
        if missing:
            raise ValueError(f"manifest lacks {', '.join(missing)}")
        api_version = data["api_version"]
        if isinstance(api_version, bool) or not isinstance(api_version, int):
            raise ValueError(f"manifest 'api_version' must be a whole number, e.g. {API_VERSION}")
        plugin_id = str(data["id"])
        if not plugin_id.replace("_", "").isalnum() or not plugin_id.islower():
            raise ValueError(f"manifest id {plugin_id!r} must be lower-case letters, digits, _")
        tables = data["tables"]
        if not isinstance(tables, list | tuple) or not all(isinstance(t, str) for t in tables):
            raise ValueError("manifest 'tables' must be a list of table names")
        config = data.get("config", {})
        if not isinstance(config, Mapping):
            raise ValueError("manifest 'config' must be a table of key = description")
        if ":" not in str(data["refresh"]):
            raise ValueError("manifest 'refresh' must be 'module:function'")
        if data.get("check") and ":" not in str(data["check"]):
            raise ValueError("manifest 'check' must be 'module:function'")
        staging_threads = data.get("staging_threads", 0)
        if (
            isinstance(staging_threads, bool)
            or not isinstance(staging_threads, int)
            or staging_threads < 0
        ):
            raise ValueError("manifest 'staging_threads' must be a whole number ≥ 0, e.g. 1")
        return cls(
            id=plugin_id,
            name=str(data["name"]),
            source=str(data["source"]),
            licence=str(data["licence"]),
            attribution=str(data.get("attribution", "")),
            tables=tuple(tables),
            refresh=str(data["refresh"]),
            config={str(k): str(v) for k, v in config.items()},
            secrets=tuple(str(s) for s in data.get("secrets", ())),
            required=tuple(str(s) for s in data.get("required", ())),
            refresh_interval_hours=float(data.get("refresh_interval_hours", 24.0)),
            description=str(data.get("description", "")),
            version=str(data.get("version", "")),
            after=tuple(str(a) for a in data.get("after", ())),
            check=str(data.get("check", "")),
            idempotent_post=bool(data.get("idempotent_post", False)),
            staging_threads=staging_threads,
            api_version=api_version,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "licence": self.licence,
            "attribution": self.attribution,
            "tables": list(self.tables),
            "refresh": self.refresh,
            "config": dict(self.config),
            "secrets": list(self.secrets),
            "required": list(self.required),
            "refresh_interval_hours": self.refresh_interval_hours,
            "description": self.description,
            "version": self.version,
            "check": self.check,
            "idempotent_post": self.idempotent_post,
            "staging_threads": self.staging_threads,
            "api_version": self.api_version,
        }


class Staging(Protocol):
    """Where a plugin writes its rows during a refresh (implemented by the host).

    Each staged table starts empty with the live table's columns. Declare a table with
    :meth:`table` before writing to it (default mode ``replace``); rows are written with
    :meth:`insert`/:meth:`insert_arrow` or SQL on :meth:`execute` against the name
    :meth:`table` returns. Columns not given are NULL; ``rid`` is assigned by the host.

    Swap modes (applied by the host in one transaction after ``refresh`` returns):

    - ``replace``: the live table becomes exactly the staged rows.
    - ``replace_where``: live rows matching ``where`` (an SQL predicate over the live
      table's columns with ``?`` parameters ``params``, e.g. ``"jobcenter = ?"``) are
      deleted, then the staged rows are inserted.
    - ``upsert``: live rows whose ``key`` columns equal a staged row's are replaced by it
      (NULLs compare equal); other live rows stay; a replaced row keeps its ``rid``.
    """

    def table(
        self,
        name: str,
        *,
        mode: SwapMode = "replace",
        where: str | None = None,
        params: Sequence[Any] = (),
        key: Sequence[str] | None = None,
    ) -> str:
        """Declare ``name`` (a table listed in the manifest) and return its staging name."""
        ...

    def columns(self, name: str) -> list[str]:
        """The live table's column names, in order."""
        ...

    def insert(
        self,
        name: str,
        rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
        columns: Sequence[str] | None = None,
    ) -> int:
        """Append rows (dicts by column name, or sequences in ``columns`` order); returns count."""
        ...

    def insert_arrow(self, name: str, data: Any) -> int:
        """Append a pyarrow Table (columns by name); returns the number of rows."""
        ...

    def scratch(self, name: str, data: Any) -> str:
        """Append a pyarrow Table to the run's scratch table ``name`` (created from the
        table's schema on first use, even when empty) and return its qualified name for SQL.

        Scratch tables hold intermediate rows (e.g. a register's entities before they are
        joined into a live table's rows); they are never swapped in and are dropped with the
        staging area when the run ends, whether it succeeded or not.
        """
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the staging connection (use the names :meth:`table` returned)."""
        ...

    def count(self, name: str) -> int:
        """Rows staged so far for ``name``."""
        ...

    def reject(
        self,
        table: str,
        reason: str,
        row_number: int | None = None,
        field: str | None = None,
        value: Any = None,
        raw: Any = None,
    ) -> None:
        """Record an unusable source row in ``<table>_rejects`` (kept even if the run fails)."""
        ...

    def reject_many(self, table: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Record many rejects at once: mappings with ``reason`` and optionally
        ``row_number``, ``field``, ``value``, ``raw``. Returns how many were recorded."""
        ...


@dataclass(frozen=True)
class Received:
    """What a source announced (``low``..``high`` items; ``high`` None: at least ``low``) and
    how many items arrived, for one stream of a run (see :meth:`RefreshContext.received`)."""

    what: str
    received: int
    low: int
    high: int | None

    @property
    def complete(self) -> bool:
        return self.received >= self.low and (self.high is None or self.received <= self.high)

    def describe(self) -> str:
        if self.high is None:
            announced = f"mindst {self.low}"
        elif self.low == self.high:
            announced = str(self.low)
        else:
            announced = f"{self.low}-{self.high}"
        return f"{self.what}: modtog {self.received} af {announced} annoncerede"


ProgressCallback = Callable[[float | None, str], None]
"""``progress(fraction, message)``: fraction 0..1 or None when unknown; message in Danish."""


@dataclass
class RefreshContext:
    """Everything a plugin's refresh function gets from the host."""

    plugin_id: str
    run_id: str
    config: Mapping[str, Any]
    session: Any  # requests.Session with timeouts, retries, User-Agent and proxy configured
    staging: Staging
    progress: ProgressCallback
    cancel_event: threading.Event
    timeout: float | tuple[float, float] = 30.0
    read_live: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]] | None = None
    work_dir: Path | None = None  # for large temporary files (downloads): beside the cache
    # Lines the plugin adds to the run's summary in refresh_log (see :meth:`note`).
    notes: list[str] = field(default_factory=list)
    counts: list[Received] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` when the user asked to stop; call it between steps."""
        if self.cancel_event.is_set():
            raise Cancelled("afbrudt af brugeren")

    def note(self, text: str) -> None:
        """Add one line to the run's summary (refresh_log, CLI, refresh dialog), e.g. what was
        received against what the source announced."""
        self.notes.append(text)

    def received(
        self,
        what: str,
        received: int,
        announced: int | tuple[int, int | None] | None,
    ) -> None:
        """Record how many items of ``what`` arrived against what the source announced (a
        count, a ``(low, high)`` range when the count changed while the run went on, or
        ``(low, None)`` for "at least"). ``None`` (nothing announced) records nothing.

        After ``refresh`` returns, the host refuses to swap anything in when any recorded
        stream is incomplete, and the run fails naming it: a refresh that cannot prove it
        received everything replaces nothing.
        """
        if announced is None:
            return
        low, high = (announced, announced) if isinstance(announced, int) else announced
        self.counts.append(Received(what, int(received), int(low), high))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read reference tables of the live cache (e.g. municipality names to map names to
        codes): one SELECT over the tables in ``workbench.core.store.tables.REFERENCE_TABLES``.
        Candidates, collaborations, user work and logs are refused with PluginError."""
        if self.read_live is None:
            raise PluginError("the live cache is not readable in this context")
        return self.read_live(sql, params)

    def setting(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        """A configuration value of ``[plugins.<id>]``; PluginError when required and missing."""
        value = self.config.get(key, default)
        if required and (value is None or value == ""):
            raise PluginError(f"configuration [plugins.{self.plugin_id}] {key} is not set")
        return value


@dataclass
class SourceCheck:
    """What a source check found (``workbench sources check``); nothing is written anywhere.

    ``reachable``, ``auth_ok``, ``format_ok``: True/False, or None when not checked (no
    credentials needed, or an earlier step failed). ``message`` is one line in Danish;
    ``setting`` names the setting to fix (``plugins.<id>.<key>``), None when all is well.
    """

    plugin: str
    ok: bool
    reachable: bool | None = None
    auth_ok: bool | None = None
    format_ok: bool | None = None
    message: str = ""
    setting: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.plugin,
            "ok": self.ok,
            "reachable": self.reachable,
            "auth_ok": self.auth_ok,
            "format_ok": self.format_ok,
            "message": self.message,
            "setting": self.setting,
        }


@dataclass
class CheckContext:
    """What a plugin's ``check(ctx) -> SourceCheck | list[SourceCheck]`` gets: its settings
    and an HTTP session with a short timeout and no retries. No staging, no cache."""

    plugin_id: str
    config: Mapping[str, Any]
    session: Any
    timeout: float | tuple[float, float] = 10.0

    def setting(self, key: str, default: Any = None) -> Any:
        value = self.config.get(key, default)
        return default if value is None else value

    def setting_name(self, key: str) -> str:
        """The name to put in :attr:`SourceCheck.setting`."""
        return f"plugins.{self.plugin_id}.{key}"

    def probe(self, url: str, **kw: Any) -> SourceCheck:
        """One request to the source, judged (reachable, moved, credentials, format); see
        :func:`workbench.core.plugins.check.probe` for the keywords."""
        from .check import probe  # the host's implementation; imported when a check runs

        return probe(self, url, **kw)


def parse_decimal(value: Any) -> float | None:
    """A number from a source value: ints/floats as is, Danish text ``"9,08"``,
    ``"1.234,5"``, ``"-0,06"``; None for empty or suppressed values (``..``, ``-``, ``x``).
    Raises ValueError for other text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text in ("", "..", ".", "-", "x", "X", ":", "NA"):
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def normalise_kommune_kode(value: Any) -> str | None:
    """Municipality/region codes as 4 digits: 101, "101", "0101" -> "0101"; None if not a code."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() or len(text) > 4:
        return None
    return text.zfill(4)


def source_status_error(
    response: Any, *, source: str, setting: str, key_setting: str | None = None
) -> PluginError | None:
    """The one-line error for a refused (401/403) or moved (404/410) source, naming the
    setting to change and never a secret; None for other statuses.

    ``setting`` names the address setting (``[plugins.x] base_url``), ``key_setting`` the
    credential (``WORKBENCH__PLUGINS__X__API_KEY``). The URL is shown without query string
    or user:password (those may carry keys).
    """
    status = int(getattr(response, "status_code", 0) or 0)
    if status in (401, 403):
        fix = f"tjek {key_setting}" if key_setting else f"tjek adgangen til {setting}"
        return PluginError(f"{source} afviste adgangen (HTTP {status}): {fix}")
    if status in (404, 410):
        parts = urlsplit(str(getattr(response, "url", "") or ""))
        host = parts.hostname or ""
        where = f" på {parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
        gone = "findes ikke længere" if status == 410 else "findes ikke"
        return PluginError(
            f"{source}{where if host else ''} {gone} (HTTP {status}): kilden er flyttet? ret {setting}"
        )
    return None
