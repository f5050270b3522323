"""The HTTP session the host hands to plugins: timeouts, retries, User-Agent, proxy,
and where credentials may go.

Retries (urllib3 ``Retry``) cover connection errors, read timeouts, bodies cut off mid-way
and the statuses 429, 500, 502, 503 and 504, with exponential backoff; a ``Retry-After``
header is respected, capped at ``retry_after_max_s``. Only requests that are safe to repeat
are retried after the server may have seen them: GET, HEAD, OPTIONS, PUT, DELETE, and a POST
the plugin marks idempotent (``session.post(..., idempotent=True)`` or ``idempotent_post =
true`` in its manifest). Any other POST (e.g. an Elasticsearch scroll, which moves a cursor
on the server) is retried only when it never reached the server (connect errors) or was
refused with 429: a lost answer must not silently skip a page.

Credentials (an ``Authorization`` header or a configured secret value anywhere in the URL,
headers or body) go only to the origins (scheme, host, port) of the URLs in the plugin's
configuration, and never over plain http except to localhost unless ``allow_insecure_http``
is set: such a request raises :class:`CredentialsRefused` before anything is sent.

Settings come from ``[http]``; a plugin may override ``proxy``, ``timeout_s`` and
``allow_insecure_http`` in its own section.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
# Safe to send twice: the second request cannot change what the first one did.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# 429 says the server refused the request before doing anything: safe for every method.
REFUSED_STATUSES = (429,)
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}

DEFAULTS: dict[str, Any] = {
    "timeout_s": 30.0,
    "connect_timeout_s": 10.0,
    "retries": 4,
    "backoff_s": 1.0,
    "backoff_max_s": 60.0,
    "retry_after_max_s": 120.0,
    "user_agent": "Jobkort-workbench/0.1",
    "proxy": "",
    "allow_insecure_http": False,
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

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in REFUSED_STATUSES and status_code in (self.status_forcelist or ()):
            return bool(self.total is None or self.total > 0)
        return super().is_retry(method, status_code, has_retry_after)

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


class CredentialsRefused(requests.exceptions.RequestException):
    """A request would have sent credentials where they must not go; nothing was sent."""


@dataclass(frozen=True)
class CredentialPolicy:
    """Where a plugin's credentials may go: the origins of its configured URLs.

    ``secrets`` are the values of the plugin's secret settings (tokens, keys, passwords);
    a request carries credentials when it has an ``Authorization`` header or one of them
    appears (plain or URL-encoded) in its URL, headers or body.
    """

    origins: frozenset[tuple[str, str, int]] = frozenset()
    secrets: tuple[str, ...] = ()
    allow_insecure_http: bool = False
    plugin_id: str = ""

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        secret_keys: Iterable[str] = (),
        *,
        plugin_id: str = "",
        allow_insecure_http: Any = False,
    ) -> CredentialPolicy:
        """The origins of every http(s) URL among ``config``'s values and the values of the
        secret keys (``secret_keys`` plus keys named like a secret)."""
        secret_keys = set(secret_keys)
        origins = set()
        secrets = []
        for key, value in config.items():
            if not isinstance(value, str) or not value:
                continue
            origin = url_origin(value)
            if origin is not None:
                origins.add(origin)
            named = key.lower().endswith(("token", "password", "secret", "key"))
            if (key in secret_keys or named) and len(value) >= 4:
                secrets.append(value)
        return cls(frozenset(origins), tuple(secrets), setting_flag(allow_insecure_http), plugin_id)

    def check(self, request: requests.PreparedRequest) -> None:
        """Raise :class:`CredentialsRefused` when ``request`` must not be sent."""
        if not self._carries_credentials(request):
            return
        origin = url_origin(str(request.url or ""))
        if origin is None:
            return
        where = f"{origin[0]}://{origin[1]}:{origin[2]}"
        section = f"[plugins.{self.plugin_id}]" if self.plugin_id else "pluginets sektion"
        if self.origins and origin not in self.origins:
            raise CredentialsRefused(
                f"legitimation sendes kun til de konfigurerede værter; {where} er ikke "
                f"konfigureret i {section} (intet er sendt)"
            )
        if origin[0] == "http" and origin[1] not in _LOOPBACK and not self.allow_insecure_http:
            raise CredentialsRefused(
                f"legitimation sendes ikke ukrypteret over http til {where}; brug https "
                f"eller sæt {section} allow_insecure_http = true (intet er sendt)"
            )

    def _carries_credentials(self, request: requests.PreparedRequest) -> bool:
        if "Authorization" in request.headers:
            return True
        if not self.secrets:
            return False
        texts = [str(request.url or ""), *(str(v) for v in request.headers.values())]
        body = request.body
        if isinstance(body, bytes) and len(body) <= 1_000_000:
            texts.append(body.decode("utf-8", "replace"))
        elif isinstance(body, str):
            texts.append(body)
        for secret in self.secrets:
            forms = {secret, quote(secret, safe=""), quote_plus(secret)}
            if any(form in text for form in forms for text in texts):
                return True
        return False


def setting_flag(value: Any) -> bool:
    """A boolean setting that may come as text (environment variables): "true", "1", "ja"."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "ja", "on")
    return bool(value)


def url_origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL (default ports filled in), else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


class WorkbenchSession(requests.Session):
    """A Session whose requests get the configured timeout unless the caller gives one,
    retries only what is safe to repeat, and sends credentials only where they may go.

    ``request(..., idempotent=True)`` marks one request (e.g. a POST that only reads) as safe
    to repeat; ``idempotent_post`` marks every POST of the session so.
    """

    def __init__(
        self,
        timeout: float | tuple[float, float],
        *,
        policy: CredentialPolicy | None = None,
        idempotent_post: bool = False,
        body_retries: int = 0,
        backoff_s: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__()
        self.default_timeout = timeout
        self.policy = policy or CredentialPolicy()
        self.idempotent_post = idempotent_post
        self.body_retries = body_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._local = threading.local()
        self._safe_adapters: dict[str, HTTPAdapter] = {}

    def request(  # type: ignore[override]
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        name = (method.decode() if isinstance(method, bytes) else method).upper()
        if idempotent is None:
            idempotent = name in IDEMPOTENT_METHODS or (name == "POST" and self.idempotent_post)
        outer = getattr(self._local, "idempotent", False)
        self._local.idempotent = idempotent
        try:
            # A body cut off mid-way surfaces while requests reads it, after urllib3's
            # retries: repeat a safe request here (a streamed body is the caller's to read).
            attempts = self.body_retries if idempotent and not kwargs.get("stream") else 0
            for attempt in range(attempts + 1):
                try:
                    return super().request(method, url, *args, **kwargs)
                except requests.exceptions.ChunkedEncodingError as exc:
                    if attempt >= attempts:
                        if getattr(exc, "request", None) is None:  # name the URL in messages
                            exc.request = requests.Request(name, str(url)).prepare()
                        raise
                    log.info("body cut off, retrying %s", redact_url_secrets(str(url)))
                    if self.backoff_s > 0:
                        self._sleep(self.backoff_s * (2**attempt))
            raise AssertionError("unreachable")
        finally:
            self._local.idempotent = outer

    def get_adapter(self, url: str) -> Any:
        if getattr(self._local, "idempotent", False):
            for prefix, adapter in self._safe_adapters.items():
                if url.lower().startswith(prefix):
                    return adapter
        return super().get_adapter(url)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        # Every request, redirects included (requests keeps query strings across hosts).
        self.policy.check(request)
        return super().send(request, **kwargs)


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

    Besides those keys, ``settings`` may hold what the host knows of the plugin:
    ``credential_policy`` (a :class:`CredentialPolicy`) and ``idempotent_post`` (bool).
    ``sleep`` replaces ``time.sleep`` between retries (tests pass a recorder).
    """
    raw = dict(settings or {})
    cfg = http_settings(raw)
    _install_log_redaction()
    retries = int(cfg["retries"])
    strict = _make_retry(cfg, allowed_methods=IDEMPOTENT_METHODS, sleep=sleep)
    lenient = _make_retry(cfg, allowed_methods=None, sleep=sleep)  # None: every method
    policy = raw.get("credential_policy")
    if not isinstance(policy, CredentialPolicy):
        policy = CredentialPolicy(allow_insecure_http=setting_flag(cfg["allow_insecure_http"]))
    session = WorkbenchSession(
        timeout=(float(cfg["connect_timeout_s"]), float(cfg["timeout_s"])),
        policy=policy,
        idempotent_post=bool(raw.get("idempotent_post", False)),
        body_retries=retries,
        backoff_s=float(cfg["backoff_s"]),
        sleep=sleep or time.sleep,
    )
    for prefix in ("http://", "https://"):
        session.mount(prefix, HTTPAdapter(max_retries=strict))
        session._safe_adapters[prefix] = HTTPAdapter(max_retries=lenient)
    session.headers["User-Agent"] = str(cfg["user_agent"])
    proxy = str(cfg.get("proxy") or "")
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
        session.trust_env = False
    return session


def _make_retry(
    cfg: Mapping[str, Any],
    *,
    allowed_methods: Iterable[str] | None,
    sleep: Callable[[float], None] | None,
) -> _Retry:
    retries = int(cfg["retries"])
    retry = _Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=float(cfg["backoff_s"]),
        backoff_max=float(cfg["backoff_max_s"]),
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset(allowed_methods) if allowed_methods is not None else None,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last response; callers raise with its status
    )
    retry.retry_after_max = float(cfg["retry_after_max_s"])
    if sleep is not None:
        retry.sleeper = sleep
    return retry


def describe_error(exc: BaseException) -> str:
    """A one-line, secret-free description of a requests failure.

    Connection errors and timeouts name the URL they were for (``… — forbindelse
    mislykkedes til <url>``, ``… — timeout fra <url>``); URLs are shown without query
    string, fragment or user:password (query strings may carry tokens and API keys).
    """
    url = _failed_url(exc)
    if isinstance(exc, CredentialsRefused):
        return str(exc)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return _with_url("svaret blev afbrudt undervejs", "fra", url)
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
