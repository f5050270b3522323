"""Exceptions the core raises; each carries a one-line, actionable message."""


class WorkbenchError(Exception):
    """Base class: the message is shown to the user as is (one line)."""


class CacheError(WorkbenchError):
    """The cache file cannot be opened or used."""


class CacheLockedError(CacheError):
    """Another process has the cache open (DuckDB: one writer or many readers)."""


class CachePathError(CacheError):
    """The path given as the cache is not a workbench cache (bad input: exit code 2)."""


class CacheKeyError(CacheError):
    """The cache's key is missing or wrong, or the cache is not encrypted (exit code 2)."""


class PlainCacheError(CacheKeyError):
    """The cache file is not encrypted (convert it with ``workbench cache encrypt``)."""


class CacheVersionError(CacheError):
    """The cache was written by a newer version of the workbench."""


class FilterError(WorkbenchError, ValueError):
    """A filter value is invalid or does not apply to the searched entity."""


class ConfigError(WorkbenchError):
    """A configuration file is missing or malformed."""


class Cancelled(WorkbenchError):
    """The user cancelled a long operation; nothing was changed."""
