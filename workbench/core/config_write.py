"""Writing the user's settings file (the settings dialog): only changed, unlocked keys.

The user's TOML file is edited in place with tomlkit, so the user's other keys and comments
stay. Before anything is written the result is loaded as the workbench would load it
(``load_settings`` with the new user layer), so a bad value never reaches the file. Which keys
IT locks is read from the machine-wide file at the moment of writing, not from the settings
the dialog was opened with: a key locked meanwhile is still never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from . import paths, user_only
from .config import (
    InvalidSetting,
    Settings,
    canonical_key,
    check_kind,
    load_settings,
    machine_locked_keys,
    older_name,
)
from .errors import ConfigError

# Keys the window applies without a restart (a language change rebuilds the window).
LIVE_KEYS = frozenset({"ui.language"})


class LockedSettingError(ConfigError):
    """A change to a key IT locked in the machine-wide file; nothing was written."""

    def __init__(self, key: str):
        super().__init__(f"configuration {key} is locked by IT in the machine-wide file")
        self.key = key


@dataclass(frozen=True)
class SaveResult:
    path: Path
    written: tuple[str, ...]  # dotted keys written to the user's file
    restart_needed: bool  # a written key only takes effect after a restart
    settings: Settings  # the effective settings after the write


def parse_value(dotted: str, text: str, like: Any) -> Any:
    """``text`` as typed, as the type of the key's current value ``like`` (a number key
    stays a number in the file; a key ``validate`` checks as a number takes a decimal too).
    Text that is no number where a number belongs raises ``InvalidSetting``."""
    text = text.strip()
    kind = check_kind(dotted)
    if isinstance(like, bool):
        if text.lower() in ("true", "ja", "yes", "1"):
            return True
        if text.lower() in ("false", "nej", "no", "0"):
            return False
        kind = "bool"
    elif isinstance(like, int | float):
        number = text.replace(",", ".")  # Danish decimal comma
        try:
            return int(number)
        except ValueError:
            if isinstance(like, float) or (kind or "").endswith("number"):
                try:
                    return float(number)
                except ValueError:
                    pass
        if kind is None:
            kind = "positive_number" if isinstance(like, float) else "positive_int"
    else:
        return text
    raise InvalidSetting(f"configuration {dotted} = {text!r} is not valid", dotted, text, kind, ())


def read_user_document(path: Path) -> tomlkit.TOMLDocument:
    if not path.is_file():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text("utf-8"))
    except (TOMLKitError, ValueError) as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from exc


def _set(doc: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = doc
    for i, part in enumerate(parents):
        if part not in node:
            # [plugins.cvr] rather than an empty [plugins] header above it
            node[part] = tomlkit.table(is_super_table=i < len(parents) - 1)
        node = node[part]
    node[last] = value


def _remove(doc: Any, dotted: str) -> None:
    *parents, last = dotted.split(".")
    node = doc
    for part in parents:
        if part not in node:
            return
        node = node[part]
    if last in node:
        del node[last]


def save_user_settings(
    changes: Mapping[str, Any],
    *,
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> SaveResult:
    """Write ``changes`` (dotted key -> value) into the user's file and return the new
    effective settings. Raises ``LockedSettingError`` for a locked key, ``InvalidSetting``
    (naming the key) for a bad value, ``ConfigError`` for an unreadable file; in every case
    the file is left as it was."""
    locked = machine_locked_keys()
    for key in changes:
        if canonical_key(key) in locked:
            raise LockedSettingError(key)
    path = paths.user_config_file()
    doc = read_user_document(path)
    for key, value in changes.items():
        key = canonical_key(key)
        _set(doc, key, value)
        old = older_name(key)
        if old is not None:  # the older name would otherwise still be read
            _remove(doc, old)
    settings = load_settings(config_file, environ=environ, user_layer=doc.unwrap())
    if changes:
        user_only.write_file(path, tomlkit.dumps(doc).encode("utf-8"))
    written = tuple(canonical_key(k) for k in changes)
    return SaveResult(
        path=path,
        written=written,
        restart_needed=any(k not in LIVE_KEYS for k in written),
        settings=settings,
    )
