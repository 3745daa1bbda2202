"""The databases' own command-line clients on the developer's workstation, through the tunnel:
`mariadb` (Debian's MySQL/MariaDB client) and `cqlsh` (PyPI).

Neither ever sees a password on its command line (where `ps` would show it): each reads an
option file in a private temporary folder (mode 0700, files 0600) that names the tunnel's local
end and the account: `my.cnf` for mariadb (`--defaults-file`), `cqlshrc` and `credentials` for
cqlsh. A failure is an AgilityError that says what went wrong (credentials, missing table) in
one line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agility.config.areas import Area
from agility.config.profiles import Account
from agility.core.errors import AgilityError
from agility.reach.tunnel import split

CLIENT_TIMEOUT_S = 60


@dataclass
class Answer:
    """What a client printed, as columns and rows of text; `command` is safe to show."""

    command: str
    columns: list[str]
    rows: list[list[str]]
    seconds: float
    notes: list[str] = field(default_factory=list)


def write_private(path: Path, text: str) -> Path:
    """Create `path` readable and writable by its owner only, before anything is written to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT: set it anyway
    return path


def option_value(secret: str, where: str) -> str:
    if any(character in secret for character in "\r\n"):
        raise AgilityError(f"{where}: a credential with a line break cannot go into an option file")
    return secret


def mode_of(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


class ClientFiles:
    """A private folder for the clients' option files; removed on exit."""

    def __init__(self):
        self.folder: Path | None = None

    def __enter__(self) -> ClientFiles:
        self.folder = Path(tempfile.mkdtemp(prefix="agility-db-"))  # mkdtemp: mode 0700
        return self

    def __exit__(self, *exc) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def path(self, name: str) -> Path:
        if self.folder is None:
            raise AgilityError("the clients' option folder is closed")
        return self.folder / name


class MariaDbClient:
    """`mariadb --defaults-file=<my.cnf>`: host and port are the tunnel's local end of MySQL."""

    def __init__(self, clients, files: ClientFiles, account: Account | None = None, name: str = "my.cnf"):
        self.profile = clients.profile
        self.account = account or clients.profile.account("mysql")
        self.host, self.port = split(clients.local(clients.profile.mysql["address"]))
        self.executable = shutil.which("mariadb") or shutil.which("mysql")
        if self.executable is None:
            raise AgilityError("no MySQL client on this host: install the Debian package mariadb-client")
        password = option_value(self.account.password.reveal(), f"mysql account {self.account.user}")
        quoted = password.replace("\\", "\\\\").replace('"', '\\"')
        self.option_file = write_private(files.path(name), (
            "# written by agility: the MySQL server through the SSH tunnel's local end\n"
            f"[client]\nhost={self.host}\nport={self.port}\nuser={self.account.user}\npassword=\"{quoted}\"\n"
            "protocol=TCP\nconnect-timeout=15\n"))

    def option_file_shown(self) -> str:
        """The option file as a person may see it: the password masked."""
        lines = self.option_file.read_text().splitlines()
        return "; ".join("password=********" if line.startswith("password=") else line
                         for line in lines if line and not line.startswith("#"))

    def command(self, sql: str, database: str | None = None) -> list[str]:
        # --defaults-file must come first; --batch: tab-separated rows under a header line
        return [self.executable, f"--defaults-file={self.option_file}", "--batch", *([database] if database else []),
                "-e", sql]

    def query(self, sql: str, database: str | None = None) -> Answer:
        argv = self.command(sql, database)
        started = time.monotonic()
        done = run(argv, "mariadb")
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise AgilityError(f"mariadb as {self.account.user} at {self.host}:{self.port} (the tunnel to "
                               f"{self.profile.mysql['address']}): {explain_mysql(done.stderr)}")
        lines = done.stdout.splitlines()
        columns = lines[0].split("\t") if lines else []
        return Answer(shlex.join(argv), columns, [line.split("\t") for line in lines[1:]], seconds)


class CqlshClient:
    """`cqlsh --cqlshrc <file> --credentials <file>`: the tunnel's local end of a Cassandra node."""

    def __init__(self, clients, files: ClientFiles, account: Account | None = None, prefix: str = ""):
        self.profile = clients.profile
        self.account = account or clients.profile.account("cassandra")
        self.host, self.port = split(clients.local(clients.profile.cassandra["contact_points"][0]))
        local = Path(sys.executable).parent / "cqlsh"
        self.executable = str(local) if local.exists() else shutil.which("cqlsh")
        if self.executable is None:
            raise AgilityError("no cqlsh on this host: `pip install -r requirements.txt` installs it (PyPI cqlsh)")
        password = option_value(self.account.password.reveal(), f"cassandra account {self.account.user}")
        self.home = files.folder
        self.cqlshrc = write_private(files.path(f"{prefix}cqlshrc"), (
            "; written by agility: a Cassandra node through the SSH tunnel's local end\n"
            f"[connection]\nhostname = {self.host}\nport = {self.port}\ntimeout = 15\nrequest_timeout = 30\n"))
        # the password lives only in the credentials file, which cqlsh refuses unless it is private
        self.credentials = write_private(files.path(f"{prefix}credentials"), (
            f"[PlainTextAuthProvider]\nusername = {self.account.user}\npassword = {password}\n"))

    def command(self, cql: str) -> list[str]:
        return [self.executable, "--cqlshrc", str(self.cqlshrc), "--credentials", str(self.credentials),
                "--disable-history", "--no-color", "-e", cql]

    def query(self, cql: str) -> Answer:
        argv = self.command(cql)
        started = time.monotonic()
        done = run(argv, "cqlsh", env={**os.environ, "HOME": str(self.home)})
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise AgilityError(f"cqlsh as {self.account.user} at {self.host}:{self.port} (the tunnel to "
                               f"{self.profile.cassandra['contact_points'][0]}): {explain_cql(done.stderr)}")
        columns, rows, notes = parse_cqlsh(done.stdout)
        return Answer(shlex.join(argv), columns, rows, seconds, notes)


def run(argv: list[str], name: str, env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AgilityError(f"{name} did not answer within {CLIENT_TIMEOUT_S} s (is the tunnel up?)") from None


def explain_mysql(stderr: str) -> str:
    """mariadb's own error line, with what it means for the two mistakes people make."""
    line = next((line for line in stderr.splitlines() if line.startswith("ERROR")), stderr.strip() or "failed")
    if "ERROR 1045" in line:
        return f"wrong credentials: {line}"
    if "ERROR 1146" in line:
        return f"no such table: {line}"
    return line


def explain_cql(stderr: str) -> str:
    text = " ".join(stderr.split())
    if "AuthenticationFailed" in text or "Bad credentials" in text:
        detail = text.split('message="', 1)[-1].split('"', 1)[0]
        return f"wrong credentials: {detail}"
    if "does not exist" in text or "unconfigured table" in text:
        detail = text.split('message="', 1)[-1].split('"', 1)[0]
        return f"no such table: {detail}"
    return text[:400] or "failed"


def parse_cqlsh(output: str) -> tuple[list[str], list[list[str]], list[str]]:
    """cqlsh's table: a header line, a line of dashes, a row per line, a blank line, (N rows).
    Lines before the header (e.g. a version warning) are returned as notes."""
    lines = output.splitlines()
    notes, columns, rows = [], [], []
    for index, line in enumerate(lines):
        if set(line.strip()) <= set("-+") and line.strip() and index > 0:
            columns = [cell.strip() for cell in lines[index - 1].split("|")]
            notes = [text.strip() for text in lines[:index - 1] if text.strip()]
            for row in lines[index + 1:]:
                if not row.strip():
                    break
                rows.append([cell.strip() for cell in row.split("|")])
            break
    return columns, rows, notes


@dataclass
class Workstation:
    """Both clients, with their option files in one private folder."""

    files: ClientFiles
    mariadb: MariaDbClient
    cqlsh: CqlshClient


@contextmanager
def workstation(clients, mysql_account: Account | None = None, cassandra_account: Account | None = None,
                area: Area | None = None) -> Iterator[Workstation]:
    """`with workstation(clients, area=area) as tools:` both clients ready, logged in as the area's
    own accounts unless others are given (the admin's only when neither is); their files are
    removed on exit, also when a client cannot be made."""
    if area is not None:
        mysql_account = mysql_account or clients.profile.account("mysql", area.name)
        cassandra_account = cassandra_account or clients.profile.account("cassandra", area.name)
    with ClientFiles() as files:
        yield Workstation(files, MariaDbClient(clients, files, mysql_account), CqlshClient(clients, files, cassandra_account))


def literal(value: str) -> str:
    """A string literal as a person types it into either client ('' doubles a quote in SQL and CQL)."""
    return "'" + str(value).replace("'", "''") + "'"


def select_text(table: str, fields: list[str], where: str, value: str, cql: bool = False) -> str:
    """`SELECT <fields> FROM <table> WHERE <field> = '<value>'`, the statement typed into a client.
    In CQL a column other than the partition key needs ALLOW FILTERING (Cassandra scans for it)."""
    filtering = " ALLOW FILTERING" if cql and where != "order_id" else ""
    return f"SELECT {', '.join(fields)} FROM {table} WHERE {where} = {literal(value)}{filtering}"
