"""What a third-party plugin may do with the cache, checked by the host.

- its manifest names a supported ``api_version`` and declares reference tables only
  (never person tables, see :mod:`workbench.core.store.tables`);
- ``ctx.query`` runs one SELECT that reads reference tables only;
- ``ctx.staging.execute`` runs SQL that writes only the run's staging schema and reads
  the staging schema and reference tables.

Table references are resolved by DuckDB's own parser (``get_table_names``, which also sees
through ``query_table('...')``); a statement it cannot resolve is checked by name against
every closed table of the cache, so a plugin cannot reach one by spelling it differently.
"""

from __future__ import annotations

import re

import duckdb

from workbench.core.store.tables import PERSON_TABLES, REFERENCE_TABLES

from .api import API_VERSION, Manifest, PluginError

SUPPORTED_API_VERSIONS: frozenset[int] = frozenset({API_VERSION})

_T = duckdb.StatementType
_WRITES = {_T.INSERT, _T.UPDATE, _T.DELETE, _T.CREATE, _T.DROP, _T.ALTER}
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
# The table a write statement changes follows a fixed keyword sequence.
_TARGET = re.compile(
    r"^\s*(?:"
    r"INSERT\s+(?:OR\s+(?:REPLACE|IGNORE)\s+)?INTO"
    r"|UPDATE"
    r"|DELETE\s+FROM"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW|SEQUENCE|INDEX\s+\S+\s+ON)"
    r"(?:\s+IF\s+NOT\s+EXISTS)?"
    r"|DROP\s+(?:TABLE|VIEW|SEQUENCE|INDEX)(?:\s+IF\s+EXISTS)?"
    r"|ALTER\s+(?:TABLE|VIEW)(?:\s+IF\s+EXISTS)?"
    rf")\s+(?P<name>{_NAME})",
    re.IGNORECASE,
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
# Table functions that take a table's name as a value (a parameter hides it from any check).
_DYNAMIC = re.compile(r"\b(query|query_table)\s*\(", re.IGNORECASE)
_PARAMETER = re.compile(r"\?|\$\d+")


def check_manifest(manifest: Manifest) -> None:
    """Refuse a manifest of an unsupported API version or declaring closed tables."""
    if manifest.api_version not in SUPPORTED_API_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_API_VERSIONS))
        raise PluginError(
            f"plugin {manifest.id} is written for plugin API version {manifest.api_version}; "
            f"this workbench supports api_version {supported}"
        )
    person = [t for t in manifest.tables if t.lower() in PERSON_TABLES]
    if person:
        raise PluginError(
            f"plugin {manifest.id} declares the person table(s) {', '.join(person)}: plugins "
            "may not write people (candidates come from the case-system import)"
        )
    closed = [t for t in manifest.tables if t.lower() not in REFERENCE_TABLES]
    if closed:
        raise PluginError(
            f"plugin {manifest.id} declares {', '.join(closed)}: plugins may write reference "
            f"tables only ({', '.join(sorted(REFERENCE_TABLES))})"
        )


def closed_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The cache's tables a plugin may not touch (everything but the reference tables)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
    ).fetchall()
    return {r[0].lower() for r in rows if r[0].lower() not in REFERENCE_TABLES} | PERSON_TABLES


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """``ctx.query``: a single SELECT reading reference tables only."""
    statements = _statements(con, sql, "ctx.query")
    if len(statements) != 1 or statements[0].type != _T.SELECT:
        raise PluginError("ctx.query runs one SELECT statement; write through ctx.staging")
    _check_reads(con, sql, staging_schema=None, where="ctx.query")


def check_staging_sql(con: duckdb.DuckDBPyConnection, sql: str, schema: str) -> None:
    """``ctx.staging.execute``: writes the staging schema ``schema`` only; reads it and
    reference tables."""
    for statement in _statements(con, sql, "ctx.staging.execute"):
        if statement.type != _T.SELECT and statement.type not in _WRITES:
            kind = statement.type.name
            raise PluginError(f"ctx.staging.execute: {kind} statements are not allowed")
        if statement.type in _WRITES:
            target = _TARGET.match(_COMMENTS.sub(" ", statement.query))
            parts = _parts(target.group("name")) if target else []
            if len(parts) < 2 or parts[-2].lower() != schema.lower():
                raise PluginError(
                    "ctx.staging.execute writes only the run's staging tables: use the names "
                    "ctx.staging.table() returns (no SQL on the live tables)"
                )
        _check_reads(con, statement.query, staging_schema=schema, where="ctx.staging.execute")


def check_predicate(con: duckdb.DuckDBPyConnection, where: str, table: str) -> None:
    """A ``replace_where`` predicate may read reference tables only."""
    _check_reads(
        con, f"SELECT 1 FROM main.{table} WHERE {where}", staging_schema=None, where="where"
    )


def _statements(con: duckdb.DuckDBPyConnection, sql: str, where: str) -> list:
    try:
        return list(con.extract_statements(sql))
    except duckdb.Error as exc:
        raise PluginError(f"{where}: invalid SQL ({_first_line(exc)})") from exc


def _check_reads(
    con: duckdb.DuckDBPyConnection, sql: str, *, staging_schema: str | None, where: str
) -> None:
    closed = closed_tables(con)
    text = _COMMENTS.sub(" ", sql)
    dynamic = _DYNAMIC.search(text)
    if dynamic:
        raise PluginError(
            f"{where} may not use {dynamic.group(1).lower()}(): name the reference tables in the SQL"
        )
    try:  # parameters as NULL: DuckDB resolves the tables of a statement it can bind
        names = con.get_table_names(_PARAMETER.sub("NULL", text), qualified=True)
    except duckdb.Error:
        names = None  # DuckDB cannot resolve some UPDATE/DELETE forms: check by name below
    if names is not None:
        for name in names:
            parts = [p.lower() for p in _parts(name)]
            schema = parts[-2] if len(parts) > 1 else "main"
            if staging_schema is not None and schema == staging_schema.lower():
                continue
            if parts[-1] not in REFERENCE_TABLES or schema != "main":
                raise PluginError(_refused(where, parts[-1]))
    text = _COMMENTS.sub(" ", sql).lower()
    for table in closed:
        if re.search(rf"(?<![\w$]){re.escape(table)}(?![\w$])", text):
            raise PluginError(_refused(where, table))


def _refused(where: str, table: str) -> str:
    return (
        f"{where} may not read {table}: plugins read reference tables only "
        f"({', '.join(sorted(REFERENCE_TABLES))})"
    )


def _parts(name: str) -> list[str]:
    return [
        p[1:-1].replace('""', '"') if p.startswith('"') else p for p in re.findall(_IDENT, name)
    ]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
