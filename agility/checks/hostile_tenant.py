"""A hostile tenant: the dev area's developer, logged in on the edge node, reaches for what is not
theirs — another area's ledger and the services' data folders on disk, the Kafka controller
listener, Cassandra's JMX port, a login on an agent node, a shell on the bastion. Each attempt
must be refused by the operating system or by the service itself, in its own words: "Permission
denied" from the kernel, Kafka's SASL authentication failure, a connection the node's kernel
refused, sshd's refusal. Anything else (a timeout, a missing file) is not a refusal and fails.

The data folders are the ones the profile names (`data_folders`: what, as the edge node sees its
path); the sandbox writes them. With simple authentication HDFS identities are claimable, so
HDFS is a row here only as HttpFS acting for a daemon's account; with Kerberos the tenant's own
ticket is all it has (features/kerberos.feature).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from agility.checks.security import SERVER_SAID_NO, login_over
from agility.clients import edge_hdfs
from agility.clients.edge_kafka import EdgeKafkaTools
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.jobs.ledger import Ledger
from agility.reach.ssh import ClusterShell

Say = Callable[[str], None]
CONTROLLER_CONFIG = ".agility/kafka-controller.properties"
CASSANDRA_JMX_PORT = 7199
OTHER_AREA = "prod"
OS = "the operating system"
SERVICE_ACCOUNT = "yarn"  # a daemon's account: nobody reaches HDFS over HTTP as it
IMPERSONATION = "not allowed to impersonate"


@dataclass(frozen=True)
class Attempt:
    what: str
    refusal: str | None  # the refuser's own words; None: let in
    expected: str  # what a refusal of this kind says
    refuser: str  # who refuses, as the scenario names it


@dataclass
class Tenant:
    """The dev developer on the edge node, and the operator beside them (to check preconditions)."""

    profile: Profile
    area: Area
    shell: ClusterShell  # the developer's
    operator: ClusterShell
    kafka: EdgeKafkaTools  # the developer's Kafka tools and account on the edge

    def as_developer(self, command: str, timeout: float = 60):
        return self.shell.run(self.profile.edge, ["sh", "-c", command], timeout=timeout, check=False)


def log_in(profile: Profile, area: Area, shell: ClusterShell, operator: ClusterShell, kafka: EdgeKafkaTools,
           say: Say) -> Tenant:
    """The developer's own session on the edge node (it must be let in there, or nothing below means anything)."""
    who = shell.run(profile.edge, ["id"]).stdout.strip()
    say(f"on {profile.edge}: {who}")
    return Tenant(profile, area, shell, operator, kafka)


# --- the rows ------------------------------------------------------------------------------------
def read_folder(tenant: Tenant, label: str, path: str) -> Attempt:
    """`ls` a folder that exists (the operator sees it on the edge node) as the developer."""
    edge = tenant.profile.edge
    if not tenant.operator.run(edge, ["sudo", "-n", "test", "-d", path], check=False).ok:
        raise AgilityError(f"{label} ({path}) is not on {edge}: a refusal to read it would prove nothing")
    what = f"reading {label} ({path})"
    done = tenant.as_developer(f"ls {shlex.quote(path)}")
    if done.ok:
        return Attempt(what, None, "Permission denied", OS)
    words = done.stderr.strip()
    if "Permission denied" not in words:
        raise AgilityError(f"{what}: failed, but was not refused: {words or 'nothing said'}")
    return Attempt(what, words, "Permission denied", OS)


def other_area_ledger(tenant: Tenant, say: Say) -> Attempt:
    ledger = Ledger.for_dataset(tenant.profile.name, OTHER_AREA, "hostile_probe")
    ledger.reset()  # so that the folder exists
    return read_folder(tenant, f"{OTHER_AREA}'s ledgers", str(ledger.path.parent))


def data_folder(tenant: Tenant, label: str) -> Attempt:
    folders = tenant.profile.extra.get("data_folders") or {}
    if label not in folders:
        raise AgilityError(f"profile {tenant.profile.name} names no data folder '{label}' (data_folders has: "
                           f"{', '.join(folders) or 'nothing'})")
    return read_folder(tenant, label, folders[label])


def controller_listener(tenant: Tenant) -> Attempt:
    """The Kafka CLI on the edge, asking the KRaft quorum's own listener with the developer's own
    credentials (PLAIN, the listener's mechanism): the controllers accept only their own account."""
    controllers = tenant.profile.kafka.get("controllers") or []
    if not controllers:
        raise AgilityError(f"profile {tenant.profile.name}: kafka.controllers names no controller listener")
    account = tenant.kafka.account
    config = tenant.kafka.write_private(CONTROLLER_CONFIG, (
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{account.user}" password="{tenant.kafka.jaas_password()}";\n'
        "request.timeout.ms=10000\ndefault.api.timeout.ms=20000\n"))
    edge = tenant.profile.edge
    cli = tenant.profile.kafka.get("cli", {}).get("metadata_quorum")
    if not cli:
        raise AgilityError(f"profile {tenant.profile.name}: kafka.cli has no 'metadata_quorum' command")
    done = tenant.shell.run(edge, [*cli, "--bootstrap-controller", ",".join(controllers), "--command-config",
                                   config, "describe", "--status"], timeout=90, check=False)
    said = (done.stdout + done.stderr).strip()
    what = f"asking the Kafka controller listener {controllers[0]} as {account.user}"
    if done.ok:
        return Attempt(what, None, "Authentication failed", "the event stream")
    lines = [line for line in said.splitlines() if "Authentication failed" in line or "SaslAuthentication" in line]
    if not lines:
        raise AgilityError(f"{what}: no answer from Kafka, so neither let in nor refused: {said[-300:]}")
    return Attempt(what, lines[0].strip(), "Authentication failed", "the event stream")


def cassandra_jmx(tenant: Tenant) -> Attempt:
    """A TCP connection from the edge to Cassandra's JMX port on its node."""
    contact = tenant.profile.cassandra["contact_points"][0].rpartition(":")[0]
    done = tenant.shell.run(tenant.profile.edge, ["bash", "-c", f"exec 3<>/dev/tcp/{contact}/{CASSANDRA_JMX_PORT} && echo connected"],
                            timeout=30, check=False)
    words = done.stderr.strip()
    what = f"connecting to Cassandra's JMX port {contact}:{CASSANDRA_JMX_PORT}"
    if "connected" in done.stdout:
        return Attempt(what, None, "Connection refused", "the Cassandra node")
    if "Connection refused" not in words:
        raise AgilityError(f"{what}: no answer ({words or 'nothing said'}), so neither let in nor refused")
    return Attempt(what, words.splitlines()[-1], "Connection refused", "the Cassandra node")


def httpfs_as_service_account(tenant: Tenant) -> Attempt:
    """A WebHDFS listing from the edge node through HttpFS as YARN's daemon account. With simple
    authentication the tenant claims the name (`user.name=`): HttpFS may act only for the accounts
    that reach HDFS over HTTP, so the NameNode refuses to let it act for this one. With Kerberos a
    claimed name counts for nothing: the tenant, with its own ticket (SPNEGO), asks HttpFS to act
    for YARN (`doas=`), and HttpFS refuses, as the tenant is no proxy user."""
    address = tenant.profile.hdfs["webhdfs"]
    if tenant.profile.hdfs.get("kerberos"):
        # by HttpFS's host name: SPNEGO asks the KDC for HTTP/<the URL's host>
        named = f"{tenant.profile.hdfs['kerberos']['http_host']}:{address.rpartition(':')[2]}"
        url = f"http://{named}/webhdfs/v1/?op=LISTSTATUS&doas={SERVICE_ACCOUNT}"
        command = (f"{edge_hdfs.TICKET} && curl -sS --max-time 30 --negotiate -u : {shlex.quote(url)}")
    else:
        url = f"http://{address}/webhdfs/v1/?op=LISTSTATUS&user.name={SERVICE_ACCOUNT}"
        command = f"curl -sS --max-time 30 {shlex.quote(url)}"
    done = tenant.as_developer(command, timeout=60)
    what = f"listing HDFS through HttpFS {address} as {SERVICE_ACCOUNT}"
    said = f"{done.stdout}{done.stderr}"
    if '"FileStatuses"' in said:
        return Attempt(what, None, IMPERSONATION, "HDFS")
    found = re.search(rf"User: [\w.@-]+ is {IMPERSONATION} [\w.-]+", said)
    if not found:
        raise AgilityError(f"{what}: neither listed nor refused: {said.strip()[-300:] or 'nothing said'}")
    return Attempt(what, found[0], IMPERSONATION, "HDFS")


def agent_login(tenant: Tenant) -> Attempt:
    """An SSH login on an agent node as the developer with their own key (which the edge accepts),
    over a forward the operator opened: only the agent's sshd can refuse it."""
    others = [name for name in tenant.profile.nodes if name not in (tenant.profile.edge, _bastion_name(tenant))]
    agent = next((name for name in others if name.startswith("agent")), others[-1])
    address = tenant.profile.node_address(agent)
    channel = tenant.operator.bastion().get_transport().open_channel("direct-tcpip", (address, 22), ("127.0.0.1", 0))
    login = login_over(tenant.profile, address, 22, tenant.shell.user, channel, key_filename=tenant.shell.key)
    refusal = f"{agent}'s sshd: {login.refusal}" if login.refusal else None
    return Attempt(f"an SSH login on {agent} as {tenant.shell.user} with the key the edge node accepts", refusal,
                   SERVER_SAID_NO, "the agent's sshd")


def bastion_shell(tenant: Tenant) -> Attempt:
    """A command on the bastion itself, in the developer's own session there."""
    _, stdout, stderr = tenant.shell.bastion().exec_command("id -un", timeout=30)
    out, err = stdout.read().decode().strip(), stderr.read().decode().strip()
    what = "running `id -un` in a session on the bastion"
    if out == tenant.shell.user:
        return Attempt(what, None, "only forwards", "the bastion's sshd")
    if "only forwards" not in err:
        raise AgilityError(f"{what}: neither ran nor refused (said {out or err or 'nothing'!r})")
    return Attempt(what, f"the bastion's sshd: {err}", "only forwards", "the bastion's sshd")


def _bastion_name(tenant: Tenant) -> str:
    host = tenant.profile.bastion.host
    named = [name for name, address in tenant.profile.nodes.items() if address == host]
    return named[0] if named else "bastion"


ATTEMPTS: dict[str, Callable[[Tenant, Say], Attempt]] = {
    "to read prod's ledger": other_area_ledger,
    "to read the event broker's data folder": lambda tenant, say: data_folder(tenant, "kafka data"),
    "to read the NameNode's metadata folder": lambda tenant, say: data_folder(tenant, "namenode metadata"),
    "to read MariaDB's data folder": lambda tenant, say: data_folder(tenant, "mariadb data"),
    "to talk to the event stream's controllers": lambda tenant, say: controller_listener(tenant),
    "to open Cassandra's JMX port": lambda tenant, say: cassandra_jmx(tenant),
    "to log in on an agent node": lambda tenant, say: agent_login(tenant),
    "to run a command on the bastion": lambda tenant, say: bastion_shell(tenant),
    "to use HDFS through HttpFS as YARN's account": lambda tenant, say: httpfs_as_service_account(tenant),
}


def attempt(tenant: Tenant, what: str, say: Say) -> Attempt:
    if what not in ATTEMPTS:
        raise AgilityError(f"no such attempt {what!r}; known: {', '.join(ATTEMPTS)}")
    tried = ATTEMPTS[what](tenant, say)
    say(f"{tried.what}: {tried.refusal or 'LET IN'}")
    return tried


def refusal_problems(tried: Attempt, refuser: str) -> list[str]:
    if tried.refuser != refuser:
        return [f"{tried.what} is refused by {tried.refuser}, not by {refuser}"]
    if tried.refusal is None:
        return [f"{tried.what}: let in"]
    if tried.expected not in tried.refusal:
        return [f"{tried.what}: refused, but not in the refuser's own words ({tried.expected!r}): {tried.refusal}"]
    return []
