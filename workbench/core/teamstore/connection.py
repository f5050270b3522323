"""The team store's connection settings (``[store] shared``, ``user``, ``password``) and a
reachability check. Only this module and ``sync`` talk to PostgreSQL (psycopg 3).

``shared`` is a libpq URL without credentials (``postgresql://host:5432/jobkort``); the
user and password come from their own keys, which accept ``env:``/``file:``/``keyring:``
references, so the URL can be shown in About and diagnostics as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import WorkbenchError

if TYPE_CHECKING:
    import psycopg

    from ..config import Settings

CONNECT_TIMEOUT_S = 5  # a dead server must not hold the window or a script for long
CHECK_TIMEOUT_S = 3  # About and diagnose only ask whether it answers
APPLICATION_NAME = "jobkort-workbench"


class TeamStoreError(WorkbenchError):
    """The team store is not configured, unreachable or refused the work (one line)."""


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable ``[store] shared`` value (None: it is). Never echoes a
    password written into the URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a URL such as postgresql://host:5432/jobkort"
    if parts.scheme not in ("postgresql", "postgres"):
        return "use a URL that starts with postgresql:// (e.g. postgresql://host:5432/jobkort)"
    if parts.password is not None:
        return "the URL holds a password: put it in [store] password (a keyring: reference)"
    if not parts.hostname:
        return "the URL names no host (e.g. postgresql://host:5432/jobkort)"
    if not parts.path.strip("/"):
        return "the URL names no database (e.g. postgresql://host:5432/jobkort)"
    if port == 0:
        return "the URL's port is 0"
    return None


@dataclass(frozen=True)
class TeamStoreConfig:
    url: str
    user: str
    password: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5432

    @property
    def database(self) -> str:
        return urlsplit(self.url).path.strip("/")

    @property
    def label(self) -> str:
        """``host:port/database``: what messages, About and diagnostics show."""
        return f"{self.host}:{self.port}/{self.database}"

    def connect(self, timeout_s: int = CONNECT_TIMEOUT_S) -> psycopg.Connection[Any]:
        """A new connection; TeamStoreError with the reason when there is none."""
        import psycopg

        try:
            return psycopg.connect(
                self.url,
                user=self.user or None,
                password=self.password or None,
                connect_timeout=timeout_s,
                application_name=APPLICATION_NAME,
            )
        except psycopg.Error as exc:
            raise TeamStoreError(
                f"team store {self.label} unreachable: {reason(exc, self)}"
            ) from exc


def team_store(settings: Settings) -> TeamStoreConfig | None:
    """The configured team store; None when ``[store] shared`` is empty or absent."""
    url = str(settings.get("store.shared") or "").strip()
    if not url:
        return None
    return TeamStoreConfig(
        url=url,
        user=str(settings.get("store.user") or ""),
        password=str(settings.get("store.password") or ""),
    )


def reason(exc: BaseException, config: TeamStoreConfig | None = None) -> str:
    """The first meaningful line of a driver error, without the password."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = text.removeprefix("connection failed: ")
    if config is not None and config.password:
        text = text.replace(config.password, "***")
    return text


@dataclass(frozen=True)
class Reachability:
    configured: bool
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    reachable: bool = False
    reason: str | None = None  # why not reachable
    schema_version: int | None = None  # the team store's schema version, when created


def check(settings: Settings) -> Reachability:
    """Whether the configured team store answers (About, diagnose, ``team status``)."""
    config = team_store(settings)
    if config is None:
        return Reachability(configured=False)
    base: dict[str, Any] = {
        "configured": True,
        "host": config.host,
        "port": config.port,
        "database": config.database,
        "user": config.user or None,
    }
    try:
        con = config.connect(CHECK_TIMEOUT_S)
    except TeamStoreError as exc:
        return Reachability(**base, reason=str(exc).split(" unreachable: ", 1)[-1])
    try:
        from .server import server_version

        version = server_version(con)
    except Exception as exc:  # a reachable server that refuses the query: say why
        return Reachability(**base, reachable=True, reason=reason(exc, config))
    finally:
        con.close()
    return Reachability(**base, reachable=True, schema_version=version)


def describe(r: Reachability) -> str:
    """One line for About and diagnostics (never the password)."""
    if not r.configured:
        return "not configured ([store] shared is empty)"
    where = f"{r.host}:{r.port}/{r.database}" + (f" as {r.user}" if r.user else "")
    if not r.reachable:
        return f"{where}: unreachable ({r.reason})"
    if r.reason:
        return f"{where}: reachable, but {r.reason}"
    version = "not created yet" if not r.schema_version else f"schema {r.schema_version}"
    return f"{where}: reachable ({version})"
