"""Hadoop's own `hdfs dfs` shell (FsShell), run on the edge node as a user of the cluster.

The profile's `hdfs.cli.dfs` is the argv prefix (the sandbox's: Java 17 on the Hadoop jars with
a client configuration; a real cluster's: `[hdfs, dfs]`). HDFS simple authentication takes the
OS user, so commands act as whoever the SSH session logged in as, unless `hdfs_user` names
another: then HADOOP_USER_NAME says who to be, and HDFS believes it (simple authentication has
no proof of identity; that is the limit of a cluster without Kerberos, such as the sandbox).

On a cluster whose HDFS uses Kerberos (the profile's `hdfs.kerberos`) HADOOP_USER_NAME counts for
nothing: each command first makes sure of a ticket, the user's own (from ~/<user>.keytab) or, for
`hdfs_user`, that account's (from the keytab of their area's account that its people hold).

FsShell reports an expected failure on stderr as `ls: `/x': No such file or directory`; those
become an AgilityError that says the same in one line, never a Java stack trace.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.reach.ssh import ClusterShell


@dataclass(frozen=True)
class Entry:
    """One line of `hdfs dfs -ls`."""

    permissions: str
    replication: int | None  # None for a directory
    owner: str
    group: str
    size: int
    modified: str
    path: str

    @property
    def is_dir(self) -> bool:
        return self.permissions.startswith("d")

    def line(self) -> str:
        return (f"{self.permissions} {self.replication if self.replication is not None else '-':>3} {self.owner} "
                f"{self.group} {self.size:>10} {self.modified} {self.path}")


@dataclass(frozen=True)
class Count:
    """`hdfs dfs -count`: directories (the folder itself included), files, bytes."""

    directories: int
    files: int
    bytes: int
    path: str


# A valid ticket in the user's cache, or one from ~/<user>.keytab (provisioning/kerberos.py)
TICKET = 'klist -s 2>/dev/null || kinit -kt "$HOME/$(id -un).keytab" "$(id -un)"'
# The same for $1 if given: the area's account, whose keytab the area's people hold in ~/.agility,
# in a cache of its own (the user's own ticket stays); then the command.
WITH_TICKET = """if [ -n "$1" ]; then
  export KRB5CCNAME="FILE:/tmp/krb5cc_$(id -u)_$1"; who="$1"; keytab="$HOME/.agility/$1.keytab"
else
  who="$(id -un)"; keytab="$HOME/$who.keytab"
fi
klist -s 2>/dev/null || kinit -kt "$keytab" "$who" || { echo "kinit: no ticket for $who, and none from $keytab" >&2; exit 1; }
shift; exec "$@"
"""

LS_LINE = re.compile(r"^([dl-][rwxstST-]{9}[+]?)\s+(-|\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+ \S+)\s+(.+)$")
FAILURE = re.compile(r"^(\w+): (.*)$")


class EdgeHdfs:
    """`hdfs dfs` on the profile's edge node through an open ClusterShell."""

    def __init__(self, profile: Profile, shell: ClusterShell, hdfs_user: str | None = None):
        self.profile = profile
        self.shell = shell
        self.edge = profile.edge
        self.hdfs_user = hdfs_user
        self.cli = cli_argv(profile, "dfs")

    def describe(self) -> str:
        """The command in short: `java … org.apache.hadoop.fs.FsShell (classpath …)` or `hdfs dfs`."""
        if "-cp" in self.cli and len(self.cli) > self.cli.index("-cp") + 2:
            at = self.cli.index("-cp")
            return f"{self.cli[0].rsplit('/', 1)[-1]} … {self.cli[at + 2]} on {self.cli[at + 1]}"
        return " ".join(self.cli)

    @property
    def user(self) -> str:
        """Who HDFS takes these commands for."""
        return self.hdfs_user or self.shell.user

    def command(self, *args: str, cli: list[str] | None = None) -> list[str]:
        if self.profile.hdfs.get("kerberos"):  # HDFS takes only a ticket: `hdfs_user`'s, else the user's own
            return ["sh", "-c", WITH_TICKET, "with-ticket", self.hdfs_user or "", *(cli or self.cli), *args]
        as_user = ["env", f"HADOOP_USER_NAME={self.hdfs_user}"] if self.hdfs_user else []
        return [*as_user, *(cli or self.cli), *args]

    def dfs(self, *args: str, timeout: float = 120) -> str:
        """`hdfs dfs ARGS`: its stdout, or an AgilityError with FsShell's own message."""
        return self._run("hdfs dfs", self.command(*args), args, timeout)

    def dfsadmin(self, *args: str, timeout: float = 120) -> str:
        """`hdfs dfsadmin ARGS` (the profile's `hdfs.cli.dfsadmin`): its stdout; needs the superuser."""
        return self._run("hdfs dfsadmin", self.command(*args, cli=cli_argv(self.profile, "dfsadmin")), args, timeout)

    def _run(self, name: str, argv: list[str], args: tuple[str, ...], timeout: float) -> str:
        done = self.shell.run(self.edge, argv, timeout=timeout, check=False)
        if done.ok:
            return done.stdout
        if done.exit_status == -1:
            raise AgilityError(f"{name} {' '.join(args)} on {self.edge}: killed, or its SSH session ended, before it finished")
        raise AgilityError(f"{name} {' '.join(args)} on {self.edge} as {self.user}: {failure_message(done.stderr)}")

    # --- the standard commands, parsed ------------------------------------------------------
    def ls(self, path: str, recursive: bool = False) -> list[Entry]:
        output = self.dfs("-ls", *(["-R"] if recursive else []), path)
        return [entry for line in output.splitlines() if (entry := parse_ls_line(line))]

    def cat(self, path: str) -> str:
        return self.dfs("-cat", path)

    def du(self, path: str, human: bool = True, summary: bool = False) -> list[tuple[str, str]]:
        """(size as shown, path) per child of `path` (or of `path` itself with `summary`)."""
        output = self.dfs("-du", *(["-s"] if summary else []), *(["-h"] if human else []), path)
        rows = []
        for line in output.splitlines():
            # "521.7 K  521.7 K  /areas/dev/x" or "534221  534221  /areas/dev/x": size, space consumed, path
            match = re.match(r"^(\d+(?:\.\d+)?(?: [KMGTPE])?)\s+\d+(?:\.\d+)?(?: [KMGTPE])?\s+(/.*)$", line.strip())
            if match:
                rows.append((match[1], match[2]))
        return rows

    def count(self, path: str) -> Count:
        columns = self.dfs("-count", path).split()
        if len(columns) < 4:
            raise AgilityError(f"hdfs dfs -count {path}: unexpected output {' '.join(columns)!r}")
        return Count(int(columns[0]), int(columns[1]), int(columns[2]), columns[3])

    def stat(self, fmt: str, *paths: str) -> list[str]:
        return self.dfs("-stat", fmt, *paths).splitlines()

    def df(self, path: str = "/") -> str:
        return self.dfs("-df", "-h", path)

    def whoami(self) -> str:
        """The user HDFS takes this session for: the owner of an empty file it creates in /tmp."""
        path = f"/tmp/.agility-whoami-{uuid.uuid4().hex[:8]}"
        self.dfs("-touchz", path)
        try:
            return self.stat("%u", path)[0].strip()
        finally:
            self.dfs("-rm", "-f", "-skipTrash", path)

    def exists(self, path: str) -> bool:
        return self.shell.run(self.edge, self.command("-test", "-e", path), check=False).ok


def cli_argv(profile: Profile, tool: str) -> list[str]:
    """The argv prefix of `hdfs <tool>` on the edge node, from the profile's `hdfs.cli`."""
    cli = (profile.hdfs.get("cli") or {}).get(tool)
    if not cli:
        raise AgilityError(f"profile {profile.name}: hdfs.cli.{tool} is missing (the argv of `hdfs {tool}` on the edge "
                           f"node; the sandbox writes it at `agility sandbox up`, a real cluster says [hdfs, {tool}])")
    return list(cli)


def parse_ls_line(line: str) -> Entry | None:
    """An Entry for a file or folder line of `-ls`; None for `Found N items` and blank lines."""
    match = LS_LINE.match(line.strip())
    if not match:
        return None
    permissions, replication, owner, group, size, modified, path = match.groups()
    return Entry(permissions, None if replication == "-" else int(replication), owner, group, int(size), modified, path)


def failure_message(stderr: str) -> str:
    """What FsShell said went wrong, in one line: `ls: `/x': No such file or directory` becomes
    "`/x': No such file or directory (ls)"; stack-trace lines and log chatter are left out."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if not line.startswith(("at ", "...", "Caused by", "WARN ", "INFO ", "log4j:"))]
    for line in said:
        match = FAILURE.match(line)
        if match and not match[1].endswith(("Exception", "Error")):
            message = match[2]
            missing = re.match(r"^`(.+)': No such file or directory$", message)
            if missing:
                return f"{missing[1]} does not exist"
            return message
    if said:
        # a Java exception's first line: keep its message, not its class path
        return re.sub(r"^(?:Exception in thread \"\w+\" )?[\w.$]+(?:Exception|Error): ", "", said[0])
    return "failed without a message"
