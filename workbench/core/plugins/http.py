"""The HTTP session the host hands to plugins: timeouts, retries, User-Agent, proxy.

Retries (urllib3 ``Retry``) cover connection errors, read timeouts and the statuses 429,
500, 502, 503 and 504, for every method (the sources' POST endpoints only read), with
exponential backoff; a ``Retry-After`` header is respected, capped at
``retry_after_max_s``. Settings come from ``[http]``; a plugin may override ``proxy`` and
``timeout_s`` in its own section.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)

DEFAULTS: dict[str, Any] = {
    "timeout_s": 30.0,
    "connect_timeout_s": 10.0,
    "retries": 4,
    "backoff_s": 1.0,
    "backoff_max_s": 60.0,
    "retry_after_max_s": 120.0,
    "user_agent": "Jobkort-workbench/0.1",
    "proxy": "",
}


# Also names that end in one of these: access_token, client_secret, x-api-key, ...
_SECRET_QUERY = re.compile(
    r"(?i)\b([\w.-]*?(?:token|api_?key|apikey|key|password|secret))=[^&\s'\"]+"
)


def redact_url_secrets(text: str) -> str:
    """Replace secret query values (``token=...``) in a URL or log line with ``***``."""
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", text)


class _RedactFilter(logging.Filter):
    """urllib3 logs retried URLs with their query strings: keep tokens out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_url_secrets(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_REDACT = _RedactFilter()


def _install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


class _Retry(Retry):
    """Retry with a capped Retry-After and an injectable sleep (tests record, never wait)."""

    retry_after_max: float = 120.0
    sleeper: Callable[[float], None] = staticmethod(time.sleep)

    def new(self, **kw: Any) -> _Retry:
        new = super().new(**kw)
        new.retry_after_max = self.retry_after_max
        new.sleeper = self.sleeper
        return new

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, self.retry_after_max)

    def sleep_for_retry(self, response: Any) -> bool:
        seconds = self.get_retry_after(response) if response is not None else None
        if seconds:
            self.sleeper(seconds)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)

    def sleep(self, response: Any = None) -> None:
        if (
            self.respect_retry_after_header
            and response is not None
            and self.sleep_for_retry(response)
        ):
            return
        self._sleep_backoff()


class WorkbenchSession(requests.Session):
    """A Session whose requests get the configured timeout unless the caller gives one."""

    def __init__(self, timeout: float | tuple[float, float]):
        super().__init__()
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def http_settings(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge DEFAULTS with ``[http]`` and then a plugin's own overrides (later wins)."""
    out = dict(DEFAULTS)
    for layer in layers:
        if not layer:
            continue
        for key in DEFAULTS:
            if key in layer and layer[key] is not None:
                out[key] = layer[key]
    return out


def make_session(
    settings: Mapping[str, Any] | None = None,
    *,
    sleep: Callable[[float], None] | None = None,
) -> WorkbenchSession:
    """A requests Session configured from ``http_settings(...)`` values.

    ``sleep`` replaces ``time.sleep`` between retries (tests pass a recorder).
    """
    cfg = http_settings(settings)
    _install_log_redaction()
    retry = _Retry(
        total=int(cfg["retries"]),
        connect=int(cfg["retries"]),
        read=int(cfg["retries"]),
        status=int(cfg["retries"]),
        other=0,
        backoff_factor=float(cfg["backoff_s"]),
        backoff_max=float(cfg["backoff_max_s"]),
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # retry POST too: the sources' POST endpoints are reads
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last response; callers raise with its status
    )
    retry.retry_after_max = float(cfg["retry_after_max_s"])
    if sleep is not None:
        retry.sleeper = sleep
    session = WorkbenchSession(timeout=(float(cfg["connect_timeout_s"]), float(cfg["timeout_s"])))
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = str(cfg["user_agent"])
    proxy = str(cfg.get("proxy") or "")
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
        session.trust_env = False
    return session


def describe_error(exc: BaseException) -> str:
    """A one-line, secret-free description of a requests failure.

    Connection errors and timeouts name the URL they were for (``… — forbindelse
    mislykkedes til <url>``, ``… — timeout fra <url>``); URLs are shown without query
    string, fragment or user:password (query strings may carry tokens and API keys).
    """
    url = _failed_url(exc)
    if isinstance(exc, requests.exceptions.RetryError):
        return _with_url("for mange fejlsvar fra kilden (gav op efter gentagne forsøg)", "fra", url)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _with_url("timeout ved forbindelse til kilden", "timeout fra", url)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _with_url("timeout: kilden svarede ikke i tide", "timeout fra", url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        inner = exc.args[0] if exc.args else exc
        reason = getattr(inner, "reason", None)
        if isinstance(reason, requests.exceptions.ReadTimeout) or "timed out" in str(inner).lower():
            return _with_url("timeout: kilden svarede ikke i tide", "timeout fra", url)
        return _with_url("kan ikke forbinde til kilden", "forbindelse mislykkedes til", url)
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        r = exc.response
        return f"HTTP {r.status_code} {r.reason or ''} fra {_strip_query(r.url)}".strip()
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact_url_secrets(_URL_QUERY.sub(r"\1", text))


# A URL inside free text, split before its query string or fragment.
_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"?#]*)[?#][^\s'\"]*")


def _with_url(message: str, phrase: str, url: str | None) -> str:
    return f"{message} — {phrase} {url}" if url else message


def _failed_url(exc: BaseException) -> str | None:
    """The URL a requests exception was for, safe to show (see :func:`_strip_query`)."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    if not url:  # urllib3's MaxRetryError knows its pool and path
        inner = exc.args[0] if exc.args else None
        pool, path = getattr(inner, "pool", None), getattr(inner, "url", None)
        if pool is not None and path and getattr(pool, "host", None):
            port = f":{pool.port}" if getattr(pool, "port", None) else ""
            url = f"{getattr(pool, 'scheme', 'http')}://{pool.host}{port}{path}"
    return _strip_query(str(url)) if url else None


def _strip_query(url: str | None) -> str:
    """The URL without query string, fragment or user:password: those may carry secrets."""
    url = (url or "").split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = url.partition("://")
    if sep:
        netloc, slash, path = rest.partition("/")
        url = f"{scheme}://{netloc.rsplit('@', 1)[-1]}{slash}{path}"
    return url
