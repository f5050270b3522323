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
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import paths
from .errors import ConfigError

ENV_PREFIX = "WORKBENCH__"
SECRET_KEYS = ("token", "password", "secret", "api_key", "apikey", "key")
REFERENCE_KINDS = ("env", "file", "keyring")

# Where a setting's effective value comes from (``Settings.origin``), lowest layer first.
ORIGIN_DEFAULTS = "defaults"
ORIGIN_MACHINE = "machine"
ORIGIN_USER = "user"
ORIGIN_CONFIG = "config"
ORIGIN_ENVIRONMENT = "environment"
ORIGINS = (ORIGIN_DEFAULTS, ORIGIN_MACHINE, ORIGIN_USER, ORIGIN_CONFIG, ORIGIN_ENVIRONMENT)


@dataclass(frozen=True)
class Layer:
    """One layer as read (references unresolved): its origin, its file ("" for the
    defaults and the environment) and its keys."""

    origin: str
    path: str
    data: dict[str, Any] = field(repr=False)  # may hold secrets: never in a log line


def is_secret_key(dotted: str) -> bool:
    return any(dotted.rpartition(".")[2].lower().endswith(s) for s in SECRET_KEYS)


_URL_PASSWORD = re.compile(r"://[^/@:\s]+:[^/@\s]+@")


def is_secret(dotted: str, value: Any) -> bool:
    """A secret key, or a URL with a password in it (``postgresql://user:pw@host/db``)."""
    return is_secret_key(dotted) or (isinstance(value, str) and bool(_URL_PASSWORD.search(value)))


def is_reference(value: Any) -> bool:
    """``env:NAME``, ``file:PATH`` or ``keyring:SERVICE/USER`` (see ``resolve_references``)."""
    return isinstance(value, str) and value.split(":", 1)[0] in REFERENCE_KINDS and ":" in value


def env_name(dotted: str) -> str:
    """The environment variable that sets ``dotted`` (``WORKBENCH__HTTP__PROXY``)."""
    return ENV_PREFIX + "__".join(part.upper() for part in dotted.split("."))


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
        self,
        data: dict[str, Any],
        sources: list[str],
        locked: frozenset[str] = frozenset(),
        layers: tuple[Layer, ...] = (),
    ):
        self.data = data
        self.sources = sources
        self._locked = locked
        self.layers = layers

    def locked(self, dotted: str) -> bool:
        """Whether IT locked ``dotted`` in the machine-wide file (the window greys it out)."""
        return canonical_key(dotted) in self._locked

    def _origin_layer(self, dotted: str) -> Layer | None:
        """The layer whose value of ``dotted`` is the effective one (mirrors
        ``load_settings``: a locked key keeps the machine's value; an aliased key takes the
        current name's last non-empty value, else the older name's)."""
        key = canonical_key(dotted)
        layers = self.layers
        if key in self._locked:
            layers = tuple(x for x in layers if x.origin in (ORIGIN_DEFAULTS, ORIGIN_MACHINE))
        old = older_name(key)
        names = (key,) if old is None else (key, old)
        for name in names:
            for layer in reversed(layers):
                if _lookup(layer.data, name) not in (None, ""):
                    return layer
        return next((x for x in reversed(layers) if _lookup(x.data, key) is not None), None)

    def origin(self, dotted: str) -> str:
        """Which layer sets ``dotted``: defaults, machine, user, config or environment."""
        layer = self._origin_layer(dotted)
        return layer.origin if layer is not None else ORIGIN_DEFAULTS

    def origin_path(self, dotted: str) -> str:
        """The file that sets ``dotted`` ("" for the defaults and the environment)."""
        layer = self._origin_layer(dotted)
        return layer.path if layer is not None else ""

    def written(self, dotted: str) -> Any:
        """The value as written in its layer: a secret given as a reference stays the
        reference (``keyring:jobkort/cvr``), where ``get`` has the resolved secret."""
        layer = self._origin_layer(dotted)
        if layer is None:
            return self.get(dotted)
        key = canonical_key(dotted)
        value = _lookup(layer.data, key)
        old = older_name(key)
        if value in (None, "") and old is not None:
            value = _lookup(layer.data, old)
        return value

    def reference(self, dotted: str) -> str | None:
        """The reference a secret is given by, or None (a plain value or not a secret)."""
        value = self.written(dotted)
        if is_reference(value) and (is_secret_key(dotted) or dotted.endswith("username")):
            return str(value)
        return None

    def dotted_keys(self) -> list[str]:
        """Every effective key, dotted, in file order (a table or a list is one value)."""
        return list(_leaf_keys(self.data))

    def update_from(self, other: Settings) -> None:
        """Take ``other``'s values in place: the window and its session share one object,
        so after the settings dialog saved, everything that reads settings sees the new ones."""
        self.data, self.sources, self.layers = other.data, other.sources, other.layers
        self._locked = other._locked

    @property
    def config_file(self) -> str | None:
        """The ``--config FILE`` this session was loaded with, if any."""
        return next((x.path for x in self.layers if x.origin == ORIGIN_CONFIG), None)

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


def _leaf_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out += _leaf_keys(value, dotted + ".")
        else:
            out.append(dotted)
    return out


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
        elif is_reference(value) and any(
            key.lower().endswith(s) for s in (*SECRET_KEYS, "username", "user")
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


def machine_locked_keys() -> frozenset[str]:
    """The keys IT locks, read from the machine-wide file now (not from a loaded Settings)."""
    machine_path = paths.machine_config_file()
    if not machine_path.is_file():
        return frozenset()
    return _locked_keys(_read_toml(machine_path).get("locked", []), machine_path)


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    user_layer: Mapping[str, Any] | None = None,
) -> Settings:
    """The effective settings. ``user_layer``: the user file's content as it is about to be
    written (the settings dialog checks a change this way before it writes)."""
    environ = os.environ if environ is None else environ
    data = defaults()
    sources = ["defaults"]
    layers = [Layer(ORIGIN_DEFAULTS, "", copy.deepcopy(data))]
    machine_path = paths.machine_config_file()
    locked: frozenset[str] = frozenset()
    if machine_path.is_file():
        machine = _read_toml(machine_path)
        locked = _locked_keys(machine.pop("locked", []), machine_path)
        data = deep_merge(data, machine)
        sources.append(str(machine_path))
        layers.append(Layer(ORIGIN_MACHINE, str(machine_path), machine))
    fixed = {key: _lookup(_with_alias(data), key) for key in locked}
    user_path = paths.user_config_file()
    if user_layer is not None or user_path.is_file():
        user = dict(user_layer) if user_layer is not None else _read_toml(user_path)
        user = _without_locked(copy.deepcopy(user))
        data = deep_merge(data, user)
        sources.append(str(user_path))
        layers.append(Layer(ORIGIN_USER, str(user_path), user))
    if config_file is not None:
        config_path = Path(config_file)
        if not config_path.is_file():
            raise ConfigError(f"configuration file {config_path} does not exist")
        extra = _without_locked(_read_toml(config_path))
        data = deep_merge(data, extra)
        sources.append(str(config_path))
        layers.append(Layer(ORIGIN_CONFIG, str(config_path), extra))
    env = _env_layer(environ)
    if env:
        data = deep_merge(data, env)
        sources.append("environment")
        layers.append(Layer(ORIGIN_ENVIRONMENT, "", env))
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
    settings = Settings(data, sources, locked, tuple(layers))
    validate(settings, named)
    from . import logs  # the log scrubs these values from every line from now on

    logs.add_secrets(secret_values(data))
    return settings


# Keys that are one setting under two names: (current, older alias).
_ALIASES: tuple[tuple[str, str], ...] = (("user.jobcenter", "ui.jobcenter"),)


def canonical_key(dotted: str) -> str:
    """``user.jobcenter`` for ``ui.jobcenter``: the current name of an aliased key."""
    return next((cur for cur, old in _ALIASES if dotted == old), dotted)


def older_name(dotted: str) -> str | None:
    """``ui.jobcenter`` for ``user.jobcenter``: the older name a file may still use."""
    return next((old for cur, old in _ALIASES if cur == dotted), None)


def _locked_keys(value: Any, where: Path) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"configuration locked = {value!r} is not valid: use a list of keys such as "
            f'["user.jobcenter", "user.role"] (set in: {where})'
        )
    return frozenset(canonical_key(v) for v in value)


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


def check_kind(dotted: str) -> str | None:
    """How ``validate`` checks ``dotted`` (choice, kode, positive_int, positive_number, count,
    count_number), or None when it does not."""
    return next((kind for key, kind, _ in _CHECKS if key == canonical_key(dotted)), None)


class InvalidSetting(ConfigError):
    """A value the workbench cannot use; ``key``, ``value``, ``kind`` and ``allowed`` let a
    window name the field in its own language."""

    def __init__(self, message: str, key: str, value: Any, kind: str, allowed: tuple[str, ...]):
        super().__init__(message)
        self.key, self.value, self.kind, self.allowed = key, value, kind, allowed


def validate(settings: Settings, named: Mapping[str, str] | None = None) -> None:
    """One clear message naming the key, its value and what it should be, and where it is
    set (``named``: a key set under its older name, which the message then uses)."""
    where = ", ".join(settings.sources[1:]) or "defaults"
    for key, kind, allowed in _CHECKS:
        value = settings.get(key)
        ok = True
        expected = ""
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
            raise InvalidSetting(
                f"configuration [{section}] {name} = {value!r} is not valid: use {expected} "
                f"(set in: {where})",
                key,
                value,
                kind,
                allowed,
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
