"""The cache's encryption key: where it comes from, where a new one goes (issue #15).

Sources, first found wins:

1. the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service), where a
   usable backend exists (a headless Linux without one is skipped);
2. a key file deployed by IT, named by ``[cache] key_file`` in the machine-wide
   configuration (only there: a user cannot point the workbench at another key);
3. the environment variable ``WORKBENCH_CACHE_KEY``, the key as is (passed to DuckDB
   unchanged, so other tools can open the cache with it);
4. the user's own key file (``cache.key`` beside the user configuration, user-only). Where
   none of these exists, a random key is created there and a warning logged.

The key never appears in a message, a log line or an exception.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from . import paths, user_only
from .errors import CacheKeyError, ConfigError

log = logging.getLogger(__name__)

KEY_ENV = "WORKBENCH_CACHE_KEY"
KEYRING_SERVICE = "Jobkort workbench"
KEYRING_USER = "cache-key"
USER_KEY_FILE = "cache.key"


@dataclass(frozen=True)
class CacheKey:
    secret: str = field(repr=False)
    source: str  # "keyring", "key_file", "environment" or "user_file"
    where: str  # for messages: the keyring entry, the file or the variable


def new_secret() -> str:
    """A random key: 256 bits, URL-safe text (DuckDB derives the AES key from it)."""
    return secrets.token_urlsafe(32)


def user_key_file() -> Path:
    return paths.user_config_file().with_name(USER_KEY_FILE)


def load_key(*, create: bool = True) -> CacheKey:
    """The key from the first source that has one; ``create`` makes a new user key file
    when none has (else :class:`CacheKeyError`)."""
    key = find_key()
    if key is not None:
        return key
    path = user_key_file()
    if not create:
        raise CacheKeyError(
            f"no cache key found (OS keyring, [cache] key_file, {KEY_ENV} or {path})"
        )
    user_only.write_file(path, new_secret().encode("ascii"))
    log.warning("created a new cache key in %s (user-only); without it the cache is lost", path)
    return _read_key_file(path, "user_file")


def find_key() -> CacheKey | None:
    for source in (_from_keyring, _from_it_key_file, _from_environment, _from_user_file):
        key = source()
        if key is not None:
            return key
    return None


def describe_source() -> str:
    """Where the key comes from, for messages (never the key)."""
    try:
        key = find_key()
    except Exception:  # an unreadable source: the message is about the cache
        return "unknown"
    return key.where if key is not None else "none"


def store_key(old: CacheKey, secret: str) -> CacheKey:
    """Store ``secret`` where ``old`` came from; a key that came from the environment is
    written to the user key file instead (``where`` says so). Raises CacheKeyError when
    the place cannot be written (e.g. IT's read-only key file)."""
    if old.source == "keyring":
        keyring = _usable_keyring()
        if keyring is None:
            raise CacheKeyError("the OS keyring is no longer usable: cannot store the new key")
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, secret)
        return CacheKey(secret, "keyring", old.where)
    path = Path(old.where) if old.source in ("key_file", "user_file") else user_key_file()
    try:
        user_only.write_file(path, secret.encode("utf-8"))
    except OSError as exc:
        raise CacheKeyError(f"cannot write the new key to {path}: {exc.strerror}") from exc
    return CacheKey(secret, "key_file" if old.source == "key_file" else "user_file", str(path))


def check_writable(key: CacheKey) -> None:
    """Refuse before any change when the new key could not be stored where ``key`` is."""
    if key.source == "keyring":
        return
    path = Path(key.where) if key.source in ("key_file", "user_file") else user_key_file()
    folder = path.parent if path.parent.exists() else None
    writable = (
        os.access(path, os.W_OK) if path.exists() else folder is None or os.access(folder, os.W_OK)
    )
    if not writable:
        raise CacheKeyError(
            f"the key file {path} cannot be written: ask IT to rotate the key (rekey needs to "
            "store the new key where the old one came from)"
        )


# -- sources ---------------------------------------------------------------------------


def _usable_keyring():
    """The keyring backend, or None where none works (no backend, the null/fail ones)."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:  # pragma: no cover - a broken install
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a misconfigured backend: skipped like a missing one
        log.debug("OS keyring unusable: %s", exc)
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    return backend


def _from_keyring() -> CacheKey | None:
    backend = _usable_keyring()
    if backend is None:
        return None
    try:
        secret = backend.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception as exc:  # locked, no D-Bus session, ...: skipped
        log.debug("OS keyring unusable: %s", type(exc).__name__)
        return None
    if not secret:
        return None
    return CacheKey(secret, "keyring", f"OS keyring ({KEYRING_SERVICE} / {KEYRING_USER})")


def _from_it_key_file() -> CacheKey | None:
    machine = paths.machine_config_file()
    if not machine.is_file():
        return None
    from .config import _read_toml

    section = _read_toml(machine).get("cache")
    value = section.get("key_file") if isinstance(section, dict) else None
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigError(f"[cache] key_file in {machine} must be a file path")
    path = Path(os.path.expandvars(value)).expanduser()
    if not path.is_absolute():
        path = machine.parent / path
    return _read_key_file(path, "key_file", named_in=machine)


def _from_environment() -> CacheKey | None:
    secret = os.environ.get(KEY_ENV)
    if not secret:
        return None
    return CacheKey(secret, "environment", KEY_ENV)


def _from_user_file() -> CacheKey | None:
    path = user_key_file()
    if not path.is_file():
        return None
    return _read_key_file(path, "user_file")


def _read_key_file(path: Path, source: str, *, named_in: Path | None = None) -> CacheKey:
    where = f" (named by [cache] key_file in {named_in})" if named_in else ""
    try:
        secret = path.read_text("utf-8").strip()
    except FileNotFoundError:
        raise CacheKeyError(f"the cache key file {path}{where} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not text"
        raise CacheKeyError(f"cannot read the cache key file {path}{where}: {reason}") from None
    if not secret:
        raise CacheKeyError(f"the cache key file {path}{where} is empty")
    return CacheKey(secret, source, str(path))
