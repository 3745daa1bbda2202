"""One way to run a package module on the edge node and get its result, both ends of it.

On the host, `run_module` starts `python -m <module> args` on the edge node over the profile's
SSH (as the shell's Linux user, through the bastion), with the secrets as one JSON line on stdin —
never on the command line, which any user of the node can read (`ps`) — and a timeout. It returns
an `EdgeJobRun`; `.checked()` gives the job's result or raises one AgilityError, always worded
`<what> on <node> failed (exit N): <the job's own one-line reason>`.

On the node, the job keeps to the protocol: its result is one JSON line printed last on stdout
(`print_result`; what it printed before is for a person to read); a failure is one line
`<job>: <reason>` on stderr and exit status 2 (`print_failure`), never a stack trace. `<job>` is
the module's last name (`agility.jobs.count_rows` → `count_rows`).
"""

from __future__ import annotations

import atexit
import base64
import importlib.util
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from agility.clients.kerberos_login import KerberosSettings
from agility.core.errors import AgilityError
from agility.core.paths import JAVA_HOME, NODE_PYTHON, SPARK_CLIENT_CONF, YARN_CLIENT_CONF

FAILED = 2  # a job's exit status when it fails with its one-line reason
KILLED = -1  # what SSH reports when the command ended without an exit status
STDERR_TAIL = 2000  # characters of stderr kept for a person reading a failure
REASON_LENGTH = 300  # a reason not written by the job itself (a crash) is cut to this


# --- on the host ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EdgeJobRun:
    """What one run of a module on a node gave: exit status, result line, the rest of the output."""

    module: str
    what: str  # how messages name the job: "the analytics job"
    node: str
    exit_status: int
    result: dict | None  # the job's last JSON line on stdout
    printed: str  # stdout before the result line
    stderr: str
    seconds: float  # wall time, SSH included

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and self.result is not None

    @property
    def tail(self) -> str:
        return self.stderr.strip()[-STDERR_TAIL:]

    def reason(self) -> str:
        return failure_reason(self.stderr, job_name(self.module))

    def error(self) -> AgilityError:
        if self.exit_status == KILLED:
            return AgilityError(f"{self.what} on {self.node} was killed, or its SSH session ended, before it finished")
        return AgilityError(f"{self.what} on {self.node} failed (exit {self.exit_status}): {self.reason()}")

    def checked(self) -> dict:
        """The job's result, or the AgilityError saying why there is none."""
        if not self.ok:
            raise self.error()
        return self.result


def node_python(profile) -> str:
    """The Python the package is installed for on the cluster's nodes (the profile may name it)."""
    return profile.spark.get("python", NODE_PYTHON)


def command(profile, module: str, args: list[str]) -> list[str]:
    return [node_python(profile), "-m", module, *args]


def run_module(shell, module: str, args: list[str], *, what: str, timeout: float, secrets: dict | None = None,
               node: str | None = None) -> EdgeJobRun:
    """`python -m module args` on `node` (the profile's edge node) as the shell's user, `secrets`
    as one JSON line on its stdin; what it gave, whatever its exit status."""
    node = node or shell.profile.edge
    stdin = json.dumps(secrets) + "\n" if secrets is not None else None
    started = time.monotonic()
    try:
        done = shell.run(node, command(shell.profile, module, args), input=stdin, timeout=timeout, check=False)
    except TimeoutError:  # the SSH channel's timeout: the job said nothing for that long
        raise AgilityError(f"{what} on {node} did not finish within {timeout:.0f} s") from None
    result, printed = result_line(done.stdout)
    return EdgeJobRun(module, what, node, done.exit_status, result, printed, done.stderr,
                      round(time.monotonic() - started, 2))


def kerberos_secret(profile, account: str) -> dict | None:
    """When the cluster's HDFS uses Kerberos: `account`'s principal and keytab (base64), for a Spark
    job on a node to log in with (`spark_kerberos_login`), sent among its secrets; else None."""
    settings = KerberosSettings.of(profile.hdfs)
    if settings is None:
        return None
    keytab = Path(settings.keytab(account)).read_bytes()
    return {"principal": settings.principal(account), "keytab": base64.b64encode(keytab).decode()}


def result_line(stdout: str) -> tuple[dict | None, str]:
    """The job's result (its last line that is a JSON object) and what it printed before it."""
    lines = stdout.splitlines(keepends=True)
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index].strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except ValueError:
                continue
            if isinstance(result, dict):
                return result, "".join(lines[:index]).strip("\n")
    return None, stdout.strip("\n")


def job_name(module: str) -> str:
    return module.rpartition(".")[2]


def failure_reason(stderr: str, job: str) -> str:
    """The job's own one-line reason (`<job>: ...`), else the first line that names an error (not
    the Java or Python stack trace under it), else the last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line.removeprefix(f"{job}: ") for line in lines if line.startswith(f"{job}: ")]
    if own:
        return own[-1]
    named = [line for line in lines if "Error" in line or "Exception" in line]
    return (named or lines or ["no output"])[0 if named else -1][:REASON_LENGTH]


# --- on the node, in the job ----------------------------------------------------------------
def read_secrets() -> dict:
    """The secrets `run_module` sent: one JSON line on stdin."""
    return json.loads(sys.stdin.readline())


def print_result(result: dict, default=None) -> None:
    """The job's result, its last line on stdout (`default` turns other values into JSON)."""
    print(json.dumps(result, default=default, separators=(",", ":")), flush=True)


def print_failure(job: str, reason: object) -> int:
    """The job's failure in one line on stderr; the exit status to return."""
    print(f"{job}: {reason}", file=sys.stderr, flush=True)
    return FAILED


def spark_kerberos_login(secret: dict | None) -> None:
    """A Spark driver that logs in from a principal and keytab (spark-submit --principal/--keytab):
    the keytab sent on stdin goes to a file only this user reads, removed when the job ends; Spark
    logs in from it and hands the application HDFS delegation tokens. No secret: nothing to do."""
    if not secret:
        return
    handle, path = tempfile.mkstemp(prefix="agility-", suffix=".keytab")  # mode 600
    with os.fdopen(handle, "wb") as out:
        out.write(base64.b64decode(secret["keytab"]))
    atexit.register(Path(path).unlink, True)
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--principal {secret['principal']} --keytab {path} pyspark-shell"
    os.environ.pop("HADOOP_USER_NAME", None)  # the ticket says who the job is


def spark_driver_environment(master: str) -> None:
    """What a Spark driver on a node needs before its session starts: the JVM, this Python for the
    executors, and the address the executors call back (the hostname may resolve to another
    interface). On YARN also, unless the environment already says: where the ResourceManager is
    (YARN_CONF_DIR) and Spark's settings for YARN (SPARK_CONF_DIR), where a packaged client keeps
    them, and pip's pyspark's own Python archives for the containers from the nodes' disk (local:,
    the same virtualenv on every node: nothing is uploaded per application)."""
    os.environ.setdefault("JAVA_HOME", JAVA_HOME)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("k8s://"):
        return
    os.environ.setdefault("SPARK_LOCAL_IP", socket.gethostbyname(socket.gethostname()))
    if master == "yarn":
        os.environ.setdefault("YARN_CONF_DIR", YARN_CLIENT_CONF)
        os.environ.setdefault("SPARK_CONF_DIR", SPARK_CLIENT_CONF)
        archives = sorted((Path(importlib.util.find_spec("pyspark").origin).parent / "python" / "lib").glob("*.zip"))
        os.environ.setdefault("PYSPARK_ARCHIVES_PATH", ",".join(f"local:{archive}" for archive in archives))
