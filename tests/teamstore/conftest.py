"""A real, throwaway PostgreSQL server for the team store tests (session scope).

``initdb`` a cluster in a temporary folder and start ``postgres`` on a free port on
127.0.0.1 with password authentication (scram) for TCP, as the current user, or, when the
tests run as root (CI containers), as the ``postgres`` system user via ``runuser`` (the
server refuses to run as root). Missing binaries: the tests FAIL when ``CI=true`` (CI must
install PostgreSQL: .ci/run) and are skipped otherwise.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROLE = "jobkort_team"
PASSWORD = "Pw-teamstore-4f9c2e"  # the tests look for it in logs and diagnostics
DATABASE = "jobkort"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    database: str
    user: str
    password: str
    socket_dir: Path

    @property
    def url(self) -> str:
        return f"postgresql://{self.host}:{self.port}/{self.database}"

    def admin(self):  # a superuser connection over the Unix socket (test setup only)
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname=self.database,
            autocommit=True,
        )


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _bin_dir()
    if bindir is None:
        reason = "PostgreSQL (initdb, postgres) is not installed: apt-get install postgresql"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    as_root = os.geteuid() == 0
    owner = pwd.getpwnam("postgres") if as_root else None
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    # /tmp may be closed to other users: a root run needs a folder postgres can reach.
    base = Path(tempfile.mkdtemp(prefix="jobkort-pg-", dir="/var/tmp" if as_root else None))
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data = base / "data"
    try:
        yield _start(bindir, base, prefix, owner)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _run(command: list[str], cwd: Path) -> None:
    """Run a server tool; a failure fails the tests with the tool's own words."""
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        tool = next(Path(c).name for c in command if "/" in c)
        pytest.fail(f"{tool} failed: {(done.stderr or done.stdout).strip()[-800:]}")


def _start(bindir: Path, base: Path, prefix: list[str], owner: pwd.struct_passwd | None):
    import psycopg

    data, sockets, pwfile = base / "data", base / "sock", base / "pw"
    pwfile.write_text("postgres-test\n")
    sockets.mkdir()
    if owner is not None:
        for path in (pwfile, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"]
    auth = ["--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
    _run([*prefix, *initdb, *auth], base)
    port = _free_port()
    opts = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off"
    )
    log = str(base / "server.log")
    _run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", log, "-o", opts, "-w",
          "-t", "60", "start"], base)  # fmt: skip
    with psycopg.connect(
        host=str(sockets), port=port, user="postgres", dbname="postgres", autocommit=True
    ) as con:
        # what docs/rollout.md tells IT to do
        con.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        con.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    return PgServer("127.0.0.1", port, DATABASE, ROLE, PASSWORD, sockets)


@pytest.fixture
def pg_empty(pg_server: PgServer) -> PgServer:
    """The server with the team store's tables dropped (each test starts from nothing)."""
    with pg_server.admin() as con:
        con.execute("DROP SCHEMA public CASCADE")
        con.execute("CREATE SCHEMA public AUTHORIZATION jobkort_team")
    return pg_server
