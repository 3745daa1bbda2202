"""The sandbox's own promises: it leaves nothing behind, and every failure to start says which
service, where its log is and what was awaited. These start sandboxes and services of their own
(on 198.18.0.0/24 and on loopback), never touching the main sandbox."""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from agility.config import profiles
from agility.core import endpoints
from agility.core.errors import AgilityError, ServiceNotReady
from agility.core.paths import STATE_DIR
from agility.core.processes import cmdline, is_alive, netns_inode, pids_in_netns, terminate
from agility.core.waiting import wait_until
from agility.reach import tunnel
from agility.sandbox import cluster as cluster_module
from agility.sandbox import operator
from agility.sandbox.cluster import Sandbox, shared_sandbox
from agility.sandbox.network import ip
from agility.sandbox.node import LocalNode
from agility.sandbox.service import SandboxContext, program_of
from agility.sandbox.services.mariadb import MariaDB

pytestmark = pytest.mark.lifecycle
TOPOLOGIES = Path(__file__).parent / "topologies"
MINIMAL = str(TOPOLOGIES / "minimal.yaml")
BROKEN = str(TOPOLOGIES / "broken.yaml")


def test_down_leaves_no_process_namespace_link_or_mount_behind():
    sandbox = Sandbox(MINIMAL, cluster="lifecycle")
    lines: list[str] = []
    try:
        sandbox.up(lines.append)
        pids = [row.pid for row in sandbox.processes()]
        assert pids and all(is_alive(pid) for pid in pids)
        assert len(sandbox.network.existing_namespaces()) == 3  # switch + two nodes
    finally:
        sandbox.down(lines.append)
    assert not any(is_alive(pid) for pid in pids)
    assert sandbox.network.leftovers() == {"namespaces": [], "links": [], "routes": [], "mounts": []}
    leftover_processes = subprocess.run(["pgrep", "-f", str(STATE_DIR / "sandbox" / "lifecycle")],
                                        capture_output=True, text=True).stdout.split()
    assert leftover_processes == []


@pytest.fixture
def loopback_mariadb():
    # not under pytest's tmp_path (root's, 0700): mariadbd runs as its own account, `mysql`
    root = Path(tempfile.mkdtemp(prefix="agility-loopback-", dir="/var/tmp"))
    root.chmod(0o755)
    node = LocalNode("loopback", root=root / "node", address="127.0.0.57")
    context = SandboxContext(cluster="t", state_dir=root, artifacts=root, nodes={"loopback": node},
                             secrets={"mariadb-admin": "x"})
    service = MariaDB(context, [node])
    yield service, node
    service.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_a_port_already_taken_names_the_service_port_and_holder(loopback_mariadb):
    service, node = loopback_mariadb
    squatter = socket.socket()
    squatter.bind((node.address, 3306))
    squatter.listen()
    try:
        with pytest.raises(AgilityError) as error:
            service.start_on(node)
    finally:
        squatter.close()
    message = str(error.value)
    assert "mariadb@loopback" in message and "port 3306" in message and "already taken" in message
    assert str(service.log_path(node)) in message


def test_a_service_that_dies_while_starting_says_what_was_awaited(loopback_mariadb):
    service, node = loopback_mariadb
    service.prepare(node)
    service.prepare = lambda node: None  # keep the broken configuration written below
    config = service.defaults_file(node)
    config.write_text(config.read_text().replace("[client]", "no-such-option-at-all=1\n\n[client]"))
    service.start_on(node)
    with pytest.raises(ServiceNotReady) as error:
        service.wait_ready_on(node, timeout=60)
    message = str(error.value)
    assert "mariadb@loopback" in message and "its process exited" in message
    assert "SELECT 1 to answer on 127.0.0.57:3306" in message
    assert str(service.log_path(node)) in message and "no-such-option-at-all" in message


def test_a_missing_artifact_names_the_service_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(cluster_module, "ARTIFACTS_DIR", tmp_path)
    with pytest.raises(AgilityError) as error:
        Sandbox("small", cluster="lifecycle-artifacts").check_artifacts()
    message = str(error.value)
    assert "jars are missing" in message and str(tmp_path) in message and "agility sandbox fetch" in message


def test_a_failed_up_stops_what_it_started_and_the_suite_releases_it():
    """`up` of a topology whose Spark master cannot start, as the suite's fixture brings one up."""
    lines: list[str] = []
    sandbox = Sandbox(BROKEN, cluster="lifecycle-broken")
    with pytest.raises(AgilityError) as error:
        with shared_sandbox(BROKEN, lines.append, cluster="lifecycle-broken"):
            pytest.fail("the broken sandbox came up")
    message = str(error.value)
    spark = sandbox.services["spark-master"]
    assert "spark-master failed" in message and "spark-master on node-1" in message
    assert str(spark.log_path(sandbox.nodes["node-1"])) in message
    assert "mariadb" not in message.split("\n")[0]  # it came up: not named as failed
    assert any("did not come up: stopped the" in line and "removed its namespaces, link and route" in line
               for line in lines), lines
    assert "sandbox 'lifecycle-broken' is down" in lines  # the fixture's release ran `down` as well
    assert sandbox.network.leftovers() == {"namespaces": [], "links": [], "routes": [], "mounts": []}
    assert _processes_under(sandbox) == []


# --- tunnels into a sandbox ------------------------------------------------------------------------
class RangeProbe:
    """Counts the packets this host sends towards a sandbox's range other than through its link,
    and keeps them on the machine: a route to the range into a veth link to a namespace of its own
    that loses to the sandbox's `unreachable` fence while that stands, and catches what would take
    the default route off this machine once it is gone (an ARP request counts: a dial began)."""

    def __init__(self, network: str, device: str = "lcprobe0", netns: str = "lcprobe"):
        self.network, self.device, self.netns = network, device, netns
        self.remove()  # what a killed run left
        ip("netns", "add", netns)
        ip("link", "add", device, "type", "veth", "peer", "name", "probe", "netns", netns)
        # no IPv6 chatter of the link's own (router solicitations) in the count
        Path(f"/proc/sys/net/ipv6/conf/{device}/disable_ipv6").write_text("1")
        ip("link", "set", device, "up")
        ip("-n", netns, "link", "set", "probe", "up")
        ip("route", "add", network, "dev", device, "metric", "1000")

    def packets(self) -> int:
        return int(Path(f"/sys/class/net/{self.device}/statistics/tx_packets").read_text())

    def remove(self) -> None:
        ip("link", "delete", self.device, check=False)  # and its route (a namespace's links go only later)
        ip("netns", "delete", self.netns, check=False)


@pytest.fixture
def probe():
    found = RangeProbe(str(Sandbox(MINIMAL, cluster="lifecycle").topology.network))
    yield found
    found.remove()


@pytest.fixture
def minimal(probe, tmp_path):
    """The minimal sandbox, up, and a profile for it: `up` writes none for a cluster this small
    (no Kafka, Cassandra, HDFS or Spark), so this one names its bastion and MariaDB only."""
    sandbox = Sandbox(MINIMAL, cluster="lifecycle")
    try:
        sandbox.up(lambda line: None)
        path = tmp_path / "lifecycle.yaml"
        path.write_text(yaml.safe_dump(minimal_profile(sandbox)))
        yield sandbox, profiles.load(str(path))
    finally:
        sandbox.down(lambda line: None)


def minimal_profile(sandbox: Sandbox) -> dict:
    absent = {"kafka": {"bootstrap": [], "internal_bootstrap": []}, "cassandra": {"contact_points": []},
              "hdfs": {"webhdfs": None, "namenode": None}, "spark": {"master": "yarn", "ui": None}}
    for service, tools in profiles.CLI_TOOLS.items():
        absent[service]["cli"] = {tool: ["false"] for tool in tools}  # no such service to run a tool of
    return {
        "name": "lifecycle", "edge": sandbox.topology.edge,
        "bastion": {"host": sandbox.topology.bastion_uplink_address, "port": 22, "user": operator.OPERATOR,
                    "key": str(sandbox.state_dir / "keys" / "operator"), "known_hosts": str(sandbox.write_known_hosts())},
        "nodes": {name: node.address for name, node in sandbox.nodes.items()},
        "mysql": {"address": sandbox.services["mariadb"].endpoints()["mysql"][0]},
        "sandbox": {"cluster": sandbox.cluster},
        **absent,
    }


def open_tunnel(profile) -> tuple[int, Path, int]:
    """The operator's MySQL tunnel as `agility tunnel` in a terminal: its pid, its log and where
    the log goes on once MariaDB greeted through it."""
    pid = tunnel.start_background(profile, profile.bastion.user, ("mysql",))
    log = tunnel.TUNNEL_DIR / f"{tunnel.tunnel_name(profile, profile.bastion.user, ('mysql',))}.log"
    wait_until(lambda: greets(endpoints.local_endpoint(profile.mysql["address"])), timeout=15, log=log,
               what="MariaDB's handshake through it", service=f"tunnel {pid}")
    return pid, log, log.stat().st_size


def greets(local: str) -> bool:
    """The server's handshake, from the far end of the tunnel."""
    with socket.create_connection(endpoints.split(local), timeout=10) as client:
        return b"MariaDB" in client.recv(1024)


def said(log: Path, start: int) -> str:
    return log.read_bytes()[start:].decode("utf-8", "replace")


def bastion_sshd_pids(sandbox: Sandbox) -> list[int]:
    """The bastion's sshd and the sessions it forked (they outlive their listener)."""
    holder = sandbox.nodes[sandbox.topology.bastion].holder_pid
    return [pid for pid in pids_in_netns(netns_inode(holder)) if program_of(cmdline(pid)) == "sshd"]


def test_down_closes_its_tunnels_first_and_nothing_dials_its_range(minimal, probe):
    sandbox, profile = minimal
    pid, log, start = open_tunnel(profile)
    lines: list[str] = []
    sandbox.down(lines.append)
    assert not is_alive(pid), f"the tunnel (pid {pid}) outlived `sandbox down`:\n{said(log, start)}"
    assert any(line.startswith("closed 1 tunnel(s) into it") for line in lines), lines
    assert "reconnecting" not in said(log, start)  # closed before its bastion went: not even redialed
    assert probe.packets() == 0, f"{probe.packets()} packet(s) sent to {probe.network} off the sandbox's link"


def test_a_tunnel_whose_sandbox_link_is_gone_closes_without_dialing(minimal, probe):
    sandbox, profile = minimal
    pid, log, start = open_tunnel(profile)
    # The sandbox goes away under the running tunnel (as an older `down` did), the tunnel stopped
    # meanwhile: it finds its session gone only once the link and the fence are gone as well.
    os.kill(pid, signal.SIGSTOP)
    try:
        sandbox.network.destroy()
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until(lambda: not is_alive(pid), timeout=5, what="the tunnel to close by itself", service=f"tunnel {pid}",
               log=log)
    assert "link of sandbox 'lifecycle' is gone: closing the tunnel" in said(log, start)
    assert probe.packets() == 0, f"{probe.packets()} packet(s) sent to {probe.network} off the sandbox's link"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_tunnel_stops_within_a_second_of_a_signal_also_while_reconnecting(minimal, stop_signal):
    sandbox, profile = minimal
    pid, log, start = open_tunnel(profile)
    # the bastion's sshd is replaced by a listener that accepts TCP and never sends the SSH banner:
    # the tunnel's session ends, and its redial hangs
    terminate(bastion_sshd_pids(sandbox), grace=5)
    bastion = sandbox.nodes[sandbox.topology.bastion]
    silent = bastion.call_in_network(lambda: socket.create_server((profile.bastion.host, profile.bastion.port)))
    try:
        # both: the tunnel says it is reconnecting, and its redial reached the silent listener
        wait_until(lambda: "reconnecting" in said(log, start) and select.select([silent], [], [], 0)[0], timeout=30,
                   log=log, what="the tunnel to redial the bastion", service=f"tunnel {pid}")
        os.kill(pid, stop_signal)
        told = time.monotonic()
        wait_until(lambda: not is_alive(pid), timeout=1, interval=0.05, log=log,
                   what=f"the tunnel to stop after {stop_signal.name}", service=f"tunnel {pid}")
        assert time.monotonic() - told < 1
    finally:
        silent.close()
        terminate([pid], grace=1)


def _processes_under(sandbox: Sandbox) -> list[str]:
    return subprocess.run(["pgrep", "-f", str(sandbox.state_dir)], capture_output=True, text=True).stdout.split()
