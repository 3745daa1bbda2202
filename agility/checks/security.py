"""Checks of the cluster's door: what the bastion refuses, what the host cannot reach, and that
the cluster's passwords show in no process and no file while the jobs run."""

from __future__ import annotations

import base64
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from agility.checks.shared_dataset import Say
from agility.clients.kerberos_login import KerberosSettings
from agility.config.developers import registry
from agility.config.profiles import Profile
from agility.core.errors import AgilityError, ConfigError
from agility.core.paths import REPO_DIR, STATE_DIR
from agility.core.waiting import tail, wait_until
from agility.jobs import spark_cassandra
from agility.reach.ssh import ssh_client
from agility.sandbox import operator
from agility.sandbox.cluster import Sandbox


@dataclass(frozen=True)
class LoginAttempt:
    refusal: str | None  # the bastion's own refusal; None: it let the user in
    source_port: int  # our end of the connection, by which sshd's log names it


def password_login_refusal(profile: Profile, user: str, password: str = "not-the-password") -> str | None:
    """Try a password login on the bastion; None if it was accepted (it must not be), else why not."""
    return login_attempt(profile, user, password=password).refusal


def login_refusal(profile: Profile, user: str, key: str) -> str | None:
    """Try a key login as `user` on the bastion; None if accepted, else the bastion's refusal."""
    key = os.path.expanduser(key)
    if not os.path.isfile(key):
        raise AgilityError(f"ssh {user}: no private key {key} to try")
    return login_attempt(profile, user, key_filename=key).refusal


# paramiko's words when the server answered USERAUTH_FAILURE; its other AuthenticationExceptions
# ("Authentication timeout.", "... transport shut down or saw EOF") mean no answer came
SERVER_SAID_NO = "Authentication failed."


def login_attempt(profile: Profile, user: str, **credentials) -> LoginAttempt:
    """Log in on the bastion once. Only sshd's own answer counts: a refusal of the method or of the
    credentials; a timeout, a lost connection or an untrusted host key raises AgilityError."""
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    where = f"ssh {user}@{profile.bastion.host}:{profile.bastion.port}"
    try:
        sock = socket.create_connection((profile.bastion.host, profile.bastion.port), timeout=15)
    except OSError as error:
        raise AgilityError(f"{where}: no answer, no connection ({error}), so neither let in nor refused") from None
    try:
        return login_over(profile, profile.bastion.host, profile.bastion.port, user, sock, sock.getsockname()[1],
                          **credentials)
    finally:
        sock.close()


def login_over(profile: Profile, host: str, port: int, user: str, sock, source_port: int = 0,
               **credentials) -> LoginAttempt:
    """Log in once to the sshd at host:port over `sock` (a socket, or a channel forwarded by the
    bastion), with the same rule: only sshd's own refusal counts, anything else raises."""
    where = f"ssh {user}@{host}:{port}"
    client = ssh_client(profile)  # the host key is checked before any password or key is offered
    try:
        client.connect(host, port=port, username=user, sock=sock, allow_agent=False,
                       look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15, **credentials)
    except paramiko.BadAuthenticationType as error:
        return LoginAttempt(f"only {', '.join(error.allowed_types)} authentication is allowed", source_port)
    except paramiko.AuthenticationException as error:
        if str(error) != SERVER_SAID_NO:
            raise AgilityError(f"{where}: no answer to the login ({error}), so neither let in nor refused") from None
        return LoginAttempt(f"authentication refused ({error})", source_port)
    except (paramiko.SSHException, OSError) as error:
        raise AgilityError(f"{where}: {type(error).__name__}: {error} (no answer to the login)") from None
    finally:
        client.close()
    return LoginAttempt(None, source_port)


def direct_connection_refusal(endpoint: str, timeout: float = 3) -> str | None:
    """Connect straight from this host to a service inside the cluster, bypassing the bastion:
    None if that worked (it must not), else the error the host's network gave."""
    host, _, port = endpoint.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        return f"{type(error).__name__}: {error.strerror or error}"
    return None


def files_containing(secrets: list[str], roots: list[Path], limit_bytes: int = 5_000_000) -> list[str]:
    """Every file under `roots` (logs, reports) whose text contains one of the secrets."""
    needles = _needles(secrets)
    found = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if not path.is_file() or path.stat().st_size > limit_bytes:
                continue
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path))
    return found


def cluster_passwords(profile: Profile) -> list[str]:
    """Every password the profile references, and every developer's generated one."""
    known = registry(profile)
    return [account.password.reveal() for service in ("kafka", "cassandra", "mysql")
            for account in getattr(profile, service)["accounts"].values()] + [
        known.account(name).password.reveal() for name in known.all()]


def cluster_secrets(profile: Profile) -> list[str]:
    """The passwords, and on a cluster with Kerberos each keytab the profile names as it travels to
    a job (base64): none may show in a process or a file."""
    settings = KerberosSettings.of(profile.hdfs)
    keytabs = [base64.b64encode(Path(path).read_bytes()).decode() for path in settings.keytabs.values()] if settings else []
    return cluster_passwords(profile) + keytabs


# --- root on the bastion (the embedded sandbox, where root has a key of its own) ---------------
def _sandbox(profile: Profile):
    section = profile.extra.get("sandbox")
    if not section:
        raise ConfigError(f"profile {profile.name} is not the embedded sandbox: only there has root a key on the "
                          "bastion, and is sshd's log at hand")
    return Sandbox(cluster=section["cluster"])


def root_key_on_bastion(profile: Profile) -> tuple[str, list[str]]:
    """Root's own key, authorized on the bastion (a sandbox started before it was made gets it
    now): the private key's path and what had to change."""
    sandbox = _sandbox(profile)
    key, changes = operator.root_key_on(sandbox.nodes[sandbox.topology.bastion], sandbox.state_dir)
    return str(key), changes


@dataclass(frozen=True)
class RootLogin:
    refusal: str | None  # what the client was told; None: let in
    sshd_says: list[str]  # what the bastion's sshd logged about that very connection


def root_login(profile: Profile, key: str) -> RootLogin:
    """Log in on the bastion as root with `key` (once the operator got in, so the bastion answers),
    and read sshd's own log lines about that attempt (matched by the connection's source port)."""
    sandbox = _sandbox(profile)
    log = sandbox.services["sshd"].log_path(sandbox.nodes[sandbox.topology.bastion])
    if login_refusal(profile, profile.bastion.user, profile.bastion.key) is not None:
        raise AgilityError(f"the bastion refused the operator {profile.bastion.user} too: root's refusal would prove nothing")
    attempt = login_attempt(profile, "root", key_filename=os.path.expanduser(key))
    port = re.compile(rf"\bport {attempt.source_port}\b")

    def verdict() -> list[str]:
        about = [line.strip() for line in tail(log, 400).splitlines() if port.search(line)]
        # sshd logs its verdict (refused, failed or accepted) before it answers the client
        return about if any("root" in line.lower() and not line.startswith("Connection from") for line in about) else []

    lines = wait_until(verdict, timeout=10, what=f"sshd's verdict on root's login from port {attempt.source_port}",
                       service="sshd on the bastion", log=log)
    return RootLogin(attempt.refusal, lines)


# --- secrets: where they must never show ---------------------------------------------------------
# The processes a job scan must have seen for its "nothing leaked" to mean anything: what argv shows
JOB_PROCESSES = {
    "producer": "agility.jobs.producer",
    "cassandra sink": "agility.jobs.sink_cassandra",
    "Spark job": "agility.jobs.spark_cassandra",
    "Spark driver JVM": "org.apache.spark.deploy.SparkSubmit",
    "Spark application master": "org.apache.spark.deploy.yarn.ExecutorLauncher",  # YARN's container for the driver
    "Spark executor JVM": "CoarseGrainedExecutorBackend",  # YarnCoarseGrainedExecutorBackend on YARN
}


@dataclass
class ProcessScan:
    """What reading every process's command line and environment, again and again, found."""

    rounds: int = 0
    leaks: set[str] = field(default_factory=set)  # "pid 123 java: command line"
    seen: dict[str, int] = field(default_factory=dict)  # JOB_PROCESSES name → how many distinct pids

    def missed(self) -> list[str]:
        return [name for name in JOB_PROCESSES if not self.seen.get(name)]


def _needles(secrets: list[str]) -> list[bytes]:
    return [secret.encode() for secret in secrets if len(secret) >= 8]


def scan_processes(secrets: list[str], scan: ProcessScan, pids: dict[str, set[int]]) -> None:
    """One pass over /proc: every process of this host and of the sandbox's nodes (they share its
    PID namespace), as any user could list them with `ps e`; root reads every environment."""
    needles = _needles(secrets)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes()
            environ = Path(entry.path, "environ").read_bytes()
        except OSError:  # gone meanwhile
            continue
        for name, mark in JOB_PROCESSES.items():
            if mark.encode() in argv:
                pids.setdefault(name, set()).add(int(entry.name))
        program = Path(argv.split(b"\0", 1)[0].decode(errors="replace")).name
        for where, data in (("command line", argv), ("environment", environ)):
            if any(needle in data for needle in needles):
                scan.leaks.add(f"pid {entry.name} {program}: {where}")
    scan.rounds += 1
    scan.seen = {name: len(found) for name, found in pids.items()}


def watching_processes(secrets: list[str], work: Callable[[], object], interval: float = 0.3):
    """Run `work` while /proc is read every `interval` seconds; `work`'s result and the ProcessScan."""
    scan, pids, done = ProcessScan(), {}, threading.Event()

    def watch() -> None:
        while not done.is_set():
            scan_processes(secrets, scan, pids)
            done.wait(interval)

    watcher = threading.Thread(target=watch, name="process-scan", daemon=True)
    watcher.start()
    try:
        result = work()
    finally:
        done.set()
        watcher.join(timeout=30)
    scan_processes(secrets, scan, pids)
    return result, scan


def run_jobs(profile: Profile, shell, area, dataset: str, count: int = 300) -> dict:
    """The jobs as a developer starts them: the producer and the Cassandra sink, each its own
    process on this host, then the Spark Cassandra job on the edge node with the area's account.
    Returns the Spark job's summary."""
    common = ["--profile", profile.source or profile.name, "--area", area.name, "--dataset", dataset]
    for job, options in (("producer", ["--count", str(count), "--no-progress"]), ("sink_cassandra", [])):
        done = subprocess.run([sys.executable, "-m", f"agility.jobs.{job}", *common, *options],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise AgilityError(f"{job} exited {done.returncode}: {(done.stderr or done.stdout).strip()[-600:]}")
    return spark_cassandra.run_on_edge(shell, profile, "cassandra", area, dataset,
                                       account=profile.account("cassandra", area.name))


def jobs_watched(profile: Profile, shell, area, dataset: str, secrets: list[str]) -> tuple[dict, ProcessScan]:
    """run_jobs while every process's command line and environment is read: the Spark job's
    summary and what the reading found."""
    return watching_processes(secrets, lambda: run_jobs(profile, shell, area, dataset))


def secret_folders() -> list[Path]:
    """Where services, tunnels, the report and Spark write: every service's logs (YARN's include
    each container's stdout and stderr), the NodeManagers' container folders (what an application
    was sent: Spark's configuration, jars, files), a standalone Spark worker's work folders and the
    driver's scratch folders on the nodes, the tunnels' logs and the test reports."""
    nodes = Path(STATE_DIR / "sandbox").glob("*/nodes/*")
    roots = [folder for node in nodes
             for pattern in ("*/logs", "nodemanager/local", "spark-worker/work", "tmp/spark-*", "tmp/blockmgr-*")
             for folder in node.glob(pattern)]
    return [*roots, *(folder for folder in (STATE_DIR / "tunnels", REPO_DIR / "reports") if folder.exists())]


# --- the security act: each attempt said as it went, each verdict a list of problems ------------
KEYS_ONLY = "only publickey authentication is allowed"


def try_password_login(profile: Profile, say: Say) -> str | None:
    """A password login as the operator on the bastion, said; the bastion's refusal (None: let in)."""
    refusal = password_login_refusal(profile, profile.bastion.user)
    say(f"ssh {profile.bastion.user}@{profile.bastion.host} with a password: {refusal or 'ACCEPTED'}")
    return refusal


def keys_only_problems(refusal: str | None) -> list[str]:
    """The bastion refused the password login by allowing public keys only."""
    return [] if refusal == KEYS_ONLY else [f"the password login was answered {(refusal or 'ACCEPTED')!r}, "
                                            f"not {KEYS_ONLY!r}"]


def authorize_root_key(profile: Profile, say: Say) -> str:
    """Root's own key authorized on the bastion, with what had to change said; the key's path."""
    key, changes = root_key_on_bastion(profile)
    say(f"root's key {key} on the bastion: " + ("; ".join(changes) or "already authorized, root in AllowGroups"))
    return key


def try_root_login(profile: Profile, key: str, say: Say) -> RootLogin:
    """root_login, with what the client was told and what sshd logged about it said."""
    login = root_login(profile, key)
    say(f"ssh root@{profile.bastion.host} with root's own key (the operator got in just before): "
        f"{login.refusal or 'ACCEPTED'}")
    say("sshd on the bastion:\n" + "\n".join(login.sshd_says))
    return login


def root_refused_problems(login: RootLogin) -> list[str]:
    """Root was refused, and sshd's own log says why: PermitRootLogin no (not AllowGroups, not a bad key)."""
    if login.refusal is None:
        return ["root was let in"]
    if not any(line.startswith("ROOT LOGIN REFUSED FROM ") for line in login.sshd_says):
        return [f"sshd did not log that root logins are refused: {login.sshd_says}"]
    return []


def try_direct_connection(endpoint: str, say: Say) -> str | None:
    """direct_connection_refusal, said."""
    refusal = direct_connection_refusal(endpoint)
    say(f"connect {endpoint} without the tunnel: {refusal or 'CONNECTED'}")
    return refusal


def no_route_problems(refusal: str | None) -> list[str]:
    """The host's own network refused at once for want of a route (the host's route to the cluster
    range is `unreachable`), so no packet left the host; a timeout would mean one did."""
    return [] if refusal is not None and "route" in refusal.lower() else [
        f"the connection did not fail for want of a route: {refusal or 'CONNECTED'}"]


def ask_forwards(shell, user: str, endpoints: list[str], say: Say) -> dict[str, str | None]:
    """As `user` (whose `shell` it is), ask the bastion for a forward to each endpoint, each answer
    said; endpoint → the bastion's refusal (None: granted)."""
    refusals = {endpoint: shell.forward_refusal(endpoint) for endpoint in endpoints}
    for endpoint, refusal in refusals.items():
        say(f"{user} → {endpoint}: {refusal or 'GRANTED'}")
    return refusals


def forwards_refused_problems(refusals: dict[str, str | None]) -> list[str]:
    """Every forward asked for was refused by the bastion, naming it ("administratively prohibited")."""
    if not refusals:
        return ["no forward was asked for"]
    return [f"{endpoint}: {refusal or 'GRANTED'}" for endpoint, refusal in refusals.items()
            if not (refusal and "prohibited" in refusal.lower())]


def run_jobs_scanned(profile: Profile, shell, area, dataset: str, say: Say) -> ProcessScan:
    """jobs_watched for the cluster's passwords, with the Spark job's result and what /proc showed said."""
    summary, scan = jobs_watched(profile, shell, area, dataset, cluster_secrets(profile))
    say(f"Spark {summary['application_id']}: {summary['rows']} rows; /proc read {scan.rounds} times, "
        "processes seen: " + ", ".join(f"{name} ×{count}" for name, count in scan.seen.items()))
    say(f"{len(scan.leaks)} process(es) show a password: " + "; ".join(sorted(scan.leaks)))
    return scan


def scan_files(profile: Profile, say: Say) -> list[str]:
    """The files under secret_folders() holding one of the cluster's passwords, how many said."""
    passwords = cluster_secrets(profile)
    roots = secret_folders()
    leaks = files_containing(passwords, roots)
    say(f"{len(passwords)} secrets (passwords, keytabs) searched in {len(roots)} folders: {len(leaks)} file(s) contain one")
    return leaks


def leak_problems(scan: ProcessScan, files: list[str]) -> list[str]:
    """No process showed a password while the jobs ran (and the scan saw each of them run, or its
    silence proves nothing), and no file holds one."""
    missed = [f"the scan never saw these jobs run: {scan.missed()}"] if scan.missed() else []
    return [*missed, *(f"{leak} shows a password" for leak in sorted(scan.leaks)),
            *(f"{path} contains a password" for path in files)]
