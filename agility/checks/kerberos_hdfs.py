"""The Kerberos act's observations: HDFS on a cluster that uses Kerberos asked without a ticket,
with an account's own ticket, with that ticket while claiming another name, with an expired
ticket, and from the edge node's `hdfs dfs` before and after `kinit`. Every answer is the
service's own (HttpFS's status and message, the NameNode's refusal, the KDC's and the Kerberos
library's words), never something this code made up.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from agility.clients import kerberos_login
from agility.clients.edge_hdfs import cli_argv, failure_message
from agility.clients.hdfs_write import write_whole
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.reach.ssh import ClusterShell

SHORT_TICKET_S = 6  # long enough to be used once, short enough to wait for its end


@dataclass(frozen=True)
class HttpAnswer:
    """What HttpFS answered to one WebHDFS request."""

    request: str
    status: int
    challenge: str  # WWW-Authenticate
    message: str  # HDFS's RemoteException message, or the error page's MESSAGE line
    exception: str = ""  # the RemoteException's class, e.g. AccessControlException
    kerberos_error: str = ""  # what the Kerberos library said when it could not make a token

    def line(self) -> str:
        said = f"{self.status}" + (f" ({self.challenge})" if self.challenge else "") + (f": {self.message}" if self.message else "")
        return f"{self.request} → {said}" + (f"; Kerberos: {self.kerberos_error}" if self.kerberos_error else "")


def settings_of(profile: Profile) -> kerberos_login.KerberosSettings:
    found = kerberos_login.KerberosSettings.of(profile.hdfs)
    if found is None:
        raise AgilityError(f"profile {profile.name}: its HDFS does not use Kerberos (no hdfs.kerberos); "
                           "start one with `agility sandbox up --kerberos` or `--clusters kerberized`")
    return found


def answer_of(request: str, response) -> HttpAnswer:
    exception = ""
    try:
        remote = response.json()["RemoteException"]
        message, exception = remote["message"], remote.get("exception", "")
    except (ValueError, KeyError, TypeError):
        found = re.search(r"MESSAGE:\s*</th>\s*<td>([^<]*)|MESSAGE:\s*([^<\n]*)", response.text or "")
        message = (found.group(1) or found.group(2)).strip() if found else (response.reason or "")
    challenge = response.headers.get("WWW-Authenticate", "")
    if challenge.startswith("Negotiate ") and response.status_code != 401:
        challenge = "Negotiate: mutual authentication"  # the server's token, not a challenge
    return HttpAnswer(request, response.status_code, challenge, " ".join(str(message).split())[:300], exception)


# --- WebHDFS through the tunnel ----------------------------------------------------------------
def without_ticket(clients: Clients, path: str, claimed: str, say) -> HttpAnswer:
    """LISTSTATUS with no ticket, only `?user.name=` (what simple authentication takes)."""
    import requests

    url = f"{clients.webhdfs_url()}/webhdfs/v1{path}"
    response = requests.get(url, params={"op": "LISTSTATUS", "user.name": claimed}, timeout=30)
    answer = answer_of(f"GET {path}?op=LISTSTATUS&user.name={claimed}, no ticket", response)
    say(answer.line())
    return answer


def own_file_roundtrip(clients: Clients, area: Area, say) -> dict:
    """As the area's account, with its ticket from its keytab: a file written, its status and its
    content read back from HDFS, then removed."""
    client = clients.hdfs_client(area.hdfs_account)
    path = f"{area.hdfs_root}/kerberos-check-{uuid.uuid4().hex[:8]}"
    body = f"written by {area.hdfs_account} with a Kerberos ticket\n".encode()
    write_whole(client, path, body)
    try:
        status = client.status(path)
        with client.read(path) as reader:
            read = reader.read()
    finally:
        client.delete(path)
    say(f"{area.hdfs_account}@{settings_of(clients.profile).realm} wrote {path}: owner {status['owner']}, "
        f"group {status['group']}, {status['length']} bytes; read back {len(read)} bytes")
    return {"path": path, "owner": status["owner"], "written": body, "read": read}


CLAIMS = {
    "nothing": lambda own, other, superuser: {},
    "prod's account by user.name": lambda own, other, superuser: {"user.name": other.hdfs_account},
    "prod's account by doas": lambda own, other, superuser: {"doas": other.hdfs_account},
    "the superuser by user.name": lambda own, other, superuser: {"user.name": superuser},
}


def claiming(clients: Clients, own: Area, other: Area, claim: str, say) -> HttpAnswer:
    """LISTSTATUS of the other area's directory with the own account's ticket, claiming `claim`."""
    if claim not in CLAIMS:
        raise AgilityError(f"unknown claim {claim!r}; known: {', '.join(CLAIMS)}")
    extra = CLAIMS[claim](own, other, clients.profile.hdfs.get("user", "hdfs"))
    session = clients.webhdfs_session(own.hdfs_account)
    response = session.get(f"{clients.webhdfs_url()}/webhdfs/v1{other.hdfs_root}",
                           params={"op": "LISTSTATUS", **extra}, timeout=30)
    shown = "".join(f"&{key}={value}" for key, value in extra.items())
    answer = answer_of(f"GET {other.hdfs_root}?op=LISTSTATUS{shown} with {own.hdfs_account}'s ticket", response)
    say(answer.line())
    return answer


def with_expired_ticket(clients: Clients, area: Area, say) -> tuple[HttpAnswer, HttpAnswer]:
    """A ticket of SHORT_TICKET_S seconds (not renewable) got with `kinit` from the account's
    keytab into a cache of its own: LISTSTATUS of the own directory while it is valid, then once
    `klist -s` says it has expired, in a new session (no cookie from the first answer)."""
    import gssapi
    import requests

    settings = clients.kerberos()
    principal = settings.principal(area.hdfs_account)
    url = f"{clients.webhdfs_url()}/webhdfs/v1{area.hdfs_root}"
    with tempfile.TemporaryDirectory(prefix="agility-ticket-") as folder:
        cache = f"FILE:{Path(folder) / 'ccache'}"
        environment = {**os.environ, "KRB5_CONFIG": kerberos_login.config_file().as_posix(), "KRB5CCNAME": cache}
        got = subprocess.run(["kinit", "-l", f"{SHORT_TICKET_S}s", "-kt", settings.keytab(area.hdfs_account), principal],
                             env=environment, capture_output=True, text=True, timeout=30)
        if got.returncode != 0:
            raise AgilityError(f"kinit {principal}: {got.stderr.strip()}")
        say(f"kinit -l {SHORT_TICKET_S}s -kt <{area.hdfs_account}'s keytab> {principal}: a ticket that is not renewable")

        def attempt(when: str) -> HttpAnswer:
            session = requests.Session()  # a new one: no cookie from an earlier answer stands in for the ticket
            try:
                creds = gssapi.Credentials(usage="initiate", store={"ccache": cache})
                session.auth = kerberos_login.spnego(settings, creds)
                problem = kerberos_login.token_refusal(settings, creds)
            except gssapi.exceptions.GSSError as error:
                problem = " ".join(str(error).split())
            response = session.get(url, params={"op": "LISTSTATUS"}, timeout=30)
            found = answer_of(f"GET {area.hdfs_root}?op=LISTSTATUS {when}", response)
            return HttpAnswer(found.request, found.status, found.challenge, found.message, found.exception, problem)

        valid = attempt("with the fresh ticket")
        say(valid.line())
        wait_until(lambda: subprocess.run(["klist", "-s"], env=environment).returncode != 0,
                   timeout=SHORT_TICKET_S + 30, what=f"the {SHORT_TICKET_S}-s ticket of {principal} to expire (klist -s)",
                   service="kerberos", interval=0.5)
        expired_at = time.time()
        # a ticket stays good for the realm's clock-skew allowance past its end, on either side
        wait_until(lambda: time.time() > expired_at + settings.clockskew, timeout=settings.clockskew + 5,
                   what=f"the realm's clock-skew allowance ({settings.clockskew} s) to pass", service="kerberos",
                   interval=0.5)
        say(f"klist -s: the ticket of {principal} has expired, {settings.clockskew} s (the realm's clock skew) ago")
        expired = attempt("with the expired ticket")
        say(expired.line())
    return valid, expired


# --- Spark on YARN, logged in from a keytab ------------------------------------------------------------
def spark_job_with_keytab(clients: Clients, shell: ClusterShell, area: Area, lines: int, say) -> dict:
    """A file of `lines` lines written as the area's account, then counted by a pySpark job on YARN
    that logs in as that account from its principal and keytab (sent on the job's stdin); what
    Spark counted, and whom Spark and the ResourceManager say the job ran as."""
    from agility.checks import yarn_queues
    from agility.jobs import count_rows

    client = clients.hdfs_client(area.hdfs_account)
    path = f"{area.hdfs_root}/kerberos-spark-{uuid.uuid4().hex[:8]}.txt"
    write_whole(client, path, "".join(f"order line {number}\n" for number in range(lines)).encode())
    try:
        result = count_rows.run_on_edge(shell, clients.profile, area, rows=1000, partitions=2, hdfs_file=path,
                                        app_name=f"agility-kerberos-{area.name}")
    finally:
        client.delete(path)
    application = yarn_queues.resourcemanager(clients, f"apps/{result['application_id']}")["app"]
    say(f"{shell.user}@{clients.profile.edge}$ python -m agility.jobs.count_rows --master yarn --area {area.name} "
        f"--hdfs-file {path} --kerberos  (principal {settings_of(clients.profile).principal(area.hdfs_account)}, "
        f"its keytab on stdin)\n{result['application_id']}: Spark user {result['user']}, YARN user "
        f"{application['user']}, queue {application['queue']}, {application['finalStatus']}; "
        f"{result['lines']} lines counted by executors on {', '.join(result['executor_hosts'])}")
    return {"lines": result["lines"], "written": lines, "spark_user": result["user"], "yarn_user": application["user"],
            "final_status": application["finalStatus"]}


def spark_job_problems(job: dict, area: Area) -> list[str]:
    problems = []
    if job["lines"] != job["written"]:
        problems.append(f"the job counted {job['lines']} lines, the file has {job['written']}")
    if job["yarn_user"] != area.hdfs_account or job["spark_user"] != area.hdfs_account:
        problems.append(f"the job ran as {job['spark_user']} (Spark) / {job['yarn_user']} (YARN), not {area.hdfs_account}")
    if job["final_status"] != "SUCCEEDED":
        problems.append(f"YARN says the application ended {job['final_status']}")
    return problems


# --- `hdfs dfs` on the edge node -------------------------------------------------------------------
@dataclass(frozen=True)
class ShellRun:
    command: str
    exit_status: int
    said: str  # stdout, or FsShell's one-line failure
    principal: str = ""  # klist's default principal, when the run held a ticket


def edge_listing(profile: Profile, shell: ClusterShell, path: str, ticket: bool, claim: str | None, say) -> ShellRun:
    """`hdfs dfs -ls PATH` on the edge as the shell's user: with no ticket at all (the cache
    destroyed first), or after `kinit -kt ~/<user>.keytab <user>`; `claim`: HADOOP_USER_NAME."""
    user = shell.user
    before = ('kinit -kt "$HOME/$1.keytab" "$1" && klist | sed -n "s/^Default principal: //p" >&2'
              if ticket else "kdestroy -q 2>/dev/null || true")
    claimed = f'export HADOOP_USER_NAME="{claim}"; ' if claim else ""
    script = f'set -e; {before}; {claimed}shift; exec "$@"'
    done = shell.run(profile.edge, ["sh", "-c", script, "hdfs-dfs", user, *cli_argv(profile, "dfs"), "-ls", path],
                     check=False)
    principal = next((line.strip() for line in done.stderr.splitlines() if "@" in line and " " not in line.strip()), "")
    command = ("kinit -kt ~/" + f"{user}.keytab {user}; " if ticket else "kdestroy; ") + \
        (f"HADOOP_USER_NAME={claim} " if claim else "") + f"hdfs dfs -ls {path}"
    said = done.stdout.strip() if done.ok else failure_message(done.stderr)
    run = ShellRun(command, done.exit_status, said, principal)
    say(f"{user}@{profile.edge}$ {command} → exit {run.exit_status}" + (f", ticket of {principal}" if principal else "")
        + f"\n{said}")
    return run


# --- verdicts: what is wrong, if anything (an empty list when the claim holds) --------------------
def refused_without_ticket_problems(answer: HttpAnswer) -> list[str]:
    problems = []
    if answer.status != 401:
        problems.append(f"HttpFS answered {answer.status}, not 401, to a request without a ticket: {answer.line()}")
    if not answer.challenge.startswith("Negotiate"):
        problems.append(f"no Kerberos (Negotiate) challenge in the answer: {answer.line()}")
    if "authentication required" not in answer.message.lower():
        problems.append(f"HttpFS did not say that authentication is required: {answer.line()}")
    return problems


def own_file_problems(roundtrip: dict, area: Area) -> list[str]:
    problems = []
    if roundtrip["owner"] != area.hdfs_account:
        problems.append(f"HDFS lists {roundtrip['path']} as {roundtrip['owner']}'s, not {area.hdfs_account}'s")
    if roundtrip["read"] != roundtrip["written"]:
        problems.append(f"{roundtrip['path']} read back {roundtrip['read']!r}, not what was written")
    return problems


# HDFS's permission check, and HttpFS's proxy-user check (HttpFS answers the first with 500, the
# second with 403: the exception says which refusal it is, the status does not)
REFUSALS = ("AccessControlException", "AuthorizationException")


def claim_refused_problems(answer: HttpAnswer, own: Area) -> list[str]:
    """Refused by HDFS (403, its own message) and the caller named as the ticket's account."""
    if answer.status == 200:
        return [f"the other area's directory was listed: {answer.line()}"]
    problems = []
    if answer.exception not in REFUSALS:
        problems.append(f"expected HDFS's refusal ({' or '.join(REFUSALS)}), got {answer.exception or 'none'}: {answer.line()}")
    said = answer.message
    if not ("Permission denied" in said or "not allowed to impersonate" in said):
        problems.append(f"the refusal is not HDFS's permission check nor its proxy-user check: {answer.line()}")
    if own.hdfs_account not in said:
        problems.append(f"the refusal does not name the ticket's account {own.hdfs_account} as the caller: {answer.line()}")
    return problems


def expired_ticket_problems(valid: HttpAnswer, expired: HttpAnswer) -> list[str]:
    problems = []
    if valid.status != 200:
        problems.append(f"the short ticket did not work while it was valid, so its refusal later proves nothing: {valid.line()}")
    if expired.status != 401:
        problems.append(f"HttpFS answered {expired.status}, not 401, to the expired ticket: {expired.line()}")
    if "expired" not in expired.kerberos_error.lower():
        problems.append(f"Kerberos did not say the ticket expired: {expired.line()}")
    return problems


def edge_refused_problems(run: ShellRun) -> list[str]:
    if run.exit_status == 0:
        return [f"`{run.command}` listed without a ticket: {run.said}"]
    if "Client cannot authenticate via:[TOKEN, KERBEROS]" not in run.said:
        return [f"`{run.command}` failed, but not for want of a Kerberos ticket: {run.said}"]
    return []


def edge_listed_problems(run: ShellRun, expected: str, principal: str) -> list[str]:
    """Listed with the ticket of `principal`, and the listing holds `expected` (the area's directory)."""
    problems = []
    if run.exit_status != 0:
        problems.append(f"`{run.command}` failed with a ticket: {run.said}")
    elif not any(line.endswith(" " + expected) for line in run.said.splitlines()):
        problems.append(f"`{run.command}` does not list {expected}: {run.said}")
    if run.principal != principal:
        problems.append(f"the ticket was {run.principal or 'none'}'s, not {principal}'s")
    return problems


def edge_claim_problems(run: ShellRun, user: str) -> list[str]:
    if run.exit_status == 0:
        return [f"`{run.command}` listed the other area's directory: {run.said}"]
    if f"Permission denied: user={user}," not in run.said:
        return [f"`{run.command}` was not refused as {user} by HDFS: {run.said}"]
    return []
