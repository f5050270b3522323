"""Layered TOML settings: built-in defaults < machine-wide < user < ``--config FILE``.

Environment variables ``WORKBENCH__SECTION__KEY`` (double underscores between levels) override
any layer; they are the place for secrets such as tokens and passwords, which are never logged.

The machine-wide file (deployed by IT) can lock keys with a top-level list
``locked = ["user.jobcenter", "user.role"]``: no later layer (user file, ``--config``,
environment) changes a locked key. ``[ui] jobcenter`` is the older name of
``[user] jobcenter``; both always hold the same value.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from . import paths
from .errors import ConfigError

ENV_PREFIX = "WORKBENCH__"
SECRET_KEYS = ("token", "password", "secret", "api_key", "apikey", "key")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from exc


def defaults() -> dict[str, Any]:
    text = resources.files("workbench.resources").joinpath("default_config.toml").read_text("utf-8")
    return tomllib.loads(text)


def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if not parts:
            continue
        node = layer
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return layer


class Settings:
    """The merged settings plus where each layer came from."""

    def __init__(
        self, data: dict[str, Any], sources: list[str], locked: frozenset[str] = frozenset()
    ):
        self.data = data
        self.sources = sources
        self._locked = locked

    def locked(self, dotted: str) -> bool:
        """Whether IT locked ``dotted`` in the machine-wide file (the window greys it out)."""
        return _canonical_key(dotted) in self._locked

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def section(self, dotted: str) -> dict[str, Any]:
        value = self.get(dotted, {})
        return dict(value) if isinstance(value, Mapping) else {}

    def plugin(self, plugin_id: str) -> dict[str, Any]:
        return self.section(f"plugins.{plugin_id}")

    def redacted(self) -> dict[str, Any]:
        """A copy safe to print or log: secret values replaced by ``***``."""
        return redact(self.data)


def redact(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out[key] = redact(value)
        elif any(key.lower().endswith(s) for s in SECRET_KEYS) and value:
            out[key] = "***"
        else:
            out[key] = value
    return out


def secret_values(data: Mapping[str, Any]) -> list[str]:
    """The values of every secret setting (so logs and diagnostics can scrub them)."""
    found: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            found += secret_values(value)
        elif any(key.lower().endswith(s) for s in SECRET_KEYS) and isinstance(value, str) and value:
            found.append(value)
    return found


def resolve_references(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Secret settings given as references, so a machine-wide file carries no secret:
    ``env:NAME`` (an environment variable), ``file:PATH`` (the file's first line) and
    ``keyring:SERVICE/USER`` (the OS keyring). A reference that resolves to nothing leaves
    the setting empty (the plugin then says which setting to fill)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = resolve_references(value, environ)
        elif (
            isinstance(value, str)
            and any(key.lower().endswith(s) for s in (*SECRET_KEYS, "username", "user"))
            and value.split(":", 1)[0] in ("env", "file", "keyring")
        ):
            out[key] = _resolve(value, environ)
        else:
            out[key] = value
    return out


def _resolve(reference: str, environ: Mapping[str, str]) -> str:
    kind, _, target = reference.partition(":")
    if kind == "env":
        return environ.get(target, "")
    if kind == "file":
        try:
            text = Path(os.path.expandvars(target)).read_text("utf-8")
        except OSError:
            return ""
        return text.strip().splitlines()[0] if text.strip() else ""
    service, _, user = target.partition("/")
    try:
        import keyring  # optional: where no keyring backend works, the setting stays empty

        return keyring.get_password(service, user) or ""
    except Exception:  # any backend failure means "not available here"
        return ""


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    data = defaults()
    sources = ["defaults"]
    machine_path = paths.machine_config_file()
    locked: frozenset[str] = frozenset()
    if machine_path.is_file():
        machine = _read_toml(machine_path)
        locked = _locked_keys(machine.pop("locked", []), machine_path)
        data = deep_merge(data, machine)
        sources.append(str(machine_path))
    fixed = {key: _lookup(_with_alias(data), key) for key in locked}
    user_path = paths.user_config_file()
    if user_path.is_file():
        data = deep_merge(data, _without_locked(_read_toml(user_path)))
        sources.append(str(user_path))
    if config_file is not None:
        config_path = Path(config_file)
        if not config_path.is_file():
            raise ConfigError(f"configuration file {config_path} does not exist")
        data = deep_merge(data, _without_locked(_read_toml(config_path)))
        sources.append(str(config_path))
    env = _env_layer(environ)
    if env:
        data = deep_merge(data, env)
        sources.append("environment")
    # the name the user wrote, for error messages ([ui] jobcenter in older files)
    named = {
        current: old
        for current, old in _ALIASES
        if _lookup(data, current) in (None, "")
        and _lookup(data, old) not in (None, "")
        and current not in locked
    }
    data = _with_alias(data)
    for key, value in fixed.items():  # what IT locked wins over every later layer
        _assign(data, key, value)
    data = _with_alias(data, mirror_only=True)
    data = resolve_references(data, environ)
    settings = Settings(data, sources, locked)
    validate(settings, named)
    from . import logs  # the log scrubs these values from every line from now on

    logs.add_secrets(secret_values(data))
    return settings


# Keys that are one setting under two names: (current, older alias).
_ALIASES: tuple[tuple[str, str], ...] = (("user.jobcenter", "ui.jobcenter"),)


def _canonical_key(dotted: str) -> str:
    return next((cur for cur, old in _ALIASES if dotted == old), dotted)


def _locked_keys(value: Any, where: Path) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"configuration locked = {value!r} is not valid: use a list of keys such as "
            f'["user.jobcenter", "user.role"] (set in: {where})'
        )
    return frozenset(_canonical_key(v) for v in value)


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return copy.deepcopy(node)


def _assign(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def _without_locked(layer: dict[str, Any]) -> dict[str, Any]:
    """A user or ``--config`` layer: only the machine-wide file may lock keys."""
    layer.pop("locked", None)
    return layer


def _with_alias(data: dict[str, Any], *, mirror_only: bool = False) -> dict[str, Any]:
    """``[user] jobcenter`` from ``[ui] jobcenter`` when only the old name is set, then the
    old name mirrors the new one (code that still reads ``ui.jobcenter`` agrees)."""
    data = copy.deepcopy(data)
    for current, old in _ALIASES:
        value = _lookup(data, current)
        if not mirror_only and value in (None, ""):
            value = _lookup(data, old)
        if value is not None:
            _assign(data, current, value)
            _assign(data, old, value)
    return data


# Keys whose values the workbench itself uses: (dotted key, kind, allowed values).
_CHECKS: list[tuple[str, str, tuple[str, ...]]] = [
    ("ui.language", "choice", ("da", "en")),
    ("user.jobcenter", "kode", ()),  # [ui] jobcenter mirrors it (the error names the one set)
    ("user.role", "choice", ("konsulent", "teamleder", "administrator", "consultant")),
    ("privacy.retention_days", "positive_int", ()),
    ("map.density_threshold", "positive_int", ()),
    ("cache.refresh_memory_mb", "positive_int", ()),
    ("http.timeout_s", "positive_number", ()),
    ("http.retries", "count", ()),
    ("http.backoff_s", "count_number", ()),
]


def validate(settings: Settings, named: Mapping[str, str] | None = None) -> None:
    """One clear message naming the key, its value and what it should be, and where it is
    set (``named``: a key set under its older name, which the message then uses)."""
    where = ", ".join(settings.sources[1:]) or "defaults"
    for key, kind, allowed in _CHECKS:
        value = settings.get(key)
        ok = True
        if kind == "choice":
            ok = value in allowed
            expected = " or ".join(f'"{a}"' for a in allowed)
        elif kind == "kode":
            ok = value in (None, "") or (str(value).isdigit() and len(str(value)) <= 4)
            expected = "a municipality code of 1-4 digits, or empty"
        else:
            try:
                number = float(value) if "number" in kind else int(str(value))
            except (TypeError, ValueError):
                ok = False
            else:
                ok = number > 0 if kind.startswith("positive") else number >= 0
            expected = {
                "positive_int": "a whole number above 0",
                "positive_number": "a number above 0",
                "count": "a whole number, 0 or more",
                "count_number": "a number, 0 or more",
            }[kind]
        if not ok:
            section, _, name = (named or {}).get(key, key).rpartition(".")
            raise ConfigError(
                f"configuration [{section}] {name} = {value!r} is not valid: use {expected} "
                f"(set in: {where})"
            )
    _validate_team_store(settings, where)


def _validate_team_store(settings: Settings, where: str) -> None:
    """``[store] shared``: empty (no team store) or a libpq URL without a password (the
    message never echoes a URL that holds one)."""
    from .teamstore.connection import url_problem

    url = settings.get("store.shared")
    if url in (None, ""):
        return
    problem = (
        'use a text such as "postgresql://host:5432/jobkort"'
        if not isinstance(url, str)
        else url_problem(url.strip())
    )
    if problem:
        shown = "(hidden: it holds a password)" if "password" in problem else repr(url)
        raise ConfigError(
            f"configuration [store] shared = {shown} is not valid: {problem} (set in: {where})"
        )
