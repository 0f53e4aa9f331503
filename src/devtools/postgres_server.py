"""A throwaway PostgreSQL server for the tests and the chaos run: `initdb` and `pg_ctl` from Debian's
`postgresql`.

The cluster lives in a temporary directory, listens on 127.0.0.1 only at a free port (its unix
socket stays in the same directory), and is stopped and deleted at the end. initdb refuses to run as
root: as root, the server runs as the `postgres` user the Debian package creates (through `runuser`),
owning the temporary directory. `restart` takes it down and up again on the same port and data, as
a failover or a crash would, for the chaos run.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import sql

from backflow.devtools.net import free_port

ADMIN_USER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL binaries here, or no user to run them as: the message says what to install."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: $BACKFLOW_PG_BINDIR, Debian's newest version, or PATH."""
    if configured := os.environ.get("BACKFLOW_PG_BINDIR"):
        return Path(configured)
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    if found := shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    raise PostgresUnavailableError(
        "PostgreSQL is not installed (no initdb/pg_ctl): `apt-get install postgresql`, "
        "or set BACKFLOW_PG_BINDIR; `make test` installs it where it can"
    )


StopMode = Literal["fast", "immediate"]


class PostgresServer:
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        """`durable`: every commit flushed before it is acknowledged, so that an `immediate` stop (a
        crash) loses nothing acknowledged; the tests' default trades that for speed."""
        self.bindir = bindir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="backflow-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._options = ""
        self._run_as: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailableError(
                    "running as root and there is no `postgres` user to run the server as"
                ) from None
            os.chown(self.root, self._run_as.pw_uid, self._run_as.pw_gid)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{ADMIN_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", ADMIN_USER, "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        # A free port can be taken between our probe and the server's bind: try a few.
        for attempt in range(3):
            self.port = free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-p {self.port}",
                    f"-c unix_socket_directories={self.root}",
                    self._durability(),
                    "-c max_connections=200",
                ]
            )
            try:
                self._options = options
                self.resume()
                return
            except PostgresUnavailableError:
                if attempt == 2:
                    raise

    def resume(self) -> None:
        """Start the initialised server (again, after `halt`) on its port, with its data."""
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
            "-l", str(self.root / "server.log"), "-o", self._options,
        )  # fmt: skip

    def halt(self, mode: StopMode = "fast") -> None:
        """An outage: the server ends every connection and stops, keeping its data for `resume` (by
        default a clean stop: unless `durable`, a crash could lose the last commits it acknowledged)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w")

    def restart(
        self, *, mode: StopMode = "fast", down_for: float = 0.0, while_down: Callable[[], None] | None = None
    ) -> None:
        """Down (`fast`: connections ended cleanly; `immediate`: a crash, recovered from the WAL at the
        next start) for at least `down_for` seconds, during which `while_down` runs, then up again on
        the same port with the same data."""
        self.halt(mode)
        began = time.monotonic()
        try:
            if while_down is not None:
                while_down()
            time.sleep(max(0.0, down_for - (time.monotonic() - began)))
        finally:
            self.resume()

    def create_database(self, name: str) -> str:
        """An empty database `name` (a plain identifier); its DSN."""
        with psycopg.connect(self.dsn(), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def _durability(self) -> str:
        # Without fsync a crash of the server alone loses nothing (the kernel keeps what was written);
        # without synchronous_commit it can lose the last commits it acknowledged.
        if self.durable:
            return "-c fsync=off -c synchronous_commit=on"
        # A test cluster: durability is not under test here, speed is welcome.
        return "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailableError):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def _run(self, tool: str, *args: str) -> None:
        command: Sequence[str] = [str(self.bindir / tool), *args]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as.pw_name, "--", *command]
        result = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=120, cwd=self.root
        )
        if result.returncode != 0:
            raise PostgresUnavailableError(
                f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}\n"
                f"{self.log_tail()}"
            )
