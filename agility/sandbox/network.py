"""The sandbox's private network: a switch namespace with a bridge, one namespace per node,
and one point-to-point link from this host to the bastion (the only node the host can reach).

Every node is held open by a holder process that owns the node's mount and UTS namespaces, so
the node has its own hostname, /etc (users, hosts), /home and /tmp; processes join it with nsenter.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
from pathlib import Path

from agility.core.errors import AgilityError
from agility.core.processes import cmdline, named_netns_inode, pids_in_netns, terminate
from agility.core.routes import uplink_device
from agility.core.waiting import wait_until
from agility.sandbox.node import NamespaceNode
from agility.sandbox.topology import Topology

REGISTRY_HOSTS = ("pypi.org", "repo.maven.apache.org", "registry.npmjs.org", "deb.debian.org")
NODE_SYSCTLS = {"net.ipv4.tcp_rto_max_ms": 5000}  # resend within 5 s once a cut link is back: see tune_tcp
HOLDER_SCRIPT = """set -e
mount --bind "$1/etc" /etc
mount --bind "$1/home" /home
mount --bind "$1/tmp" /tmp
hostname "$2"
exec sleep infinity
"""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AgilityError(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


class SandboxNetwork:
    def __init__(self, cluster: str, topology: Topology, state_dir: Path):
        self.cluster = cluster
        self.topology = topology
        self.state_dir = state_dir
        self.switch = f"agility-{cluster}-sw"
        self.uplink_device = uplink_device(cluster)

    def netns(self, node_name: str) -> str:
        return f"agility-{self.cluster}-{node_name}"

    def node(self, name: str) -> NamespaceNode:
        spec = self.topology.node(name)
        node = NamespaceNode(name=name, address=spec.address, root=self.state_dir / "nodes" / name, netns=self.netns(name))
        node.services = spec.services
        return node

    def nodes(self) -> dict[str, NamespaceNode]:
        return {spec.name: self.node(spec.name) for spec in self.topology.nodes}

    def existing_namespaces(self) -> list[str]:
        listed = ip("netns", "list", check=False).stdout.split("\n")
        prefix = f"agility-{self.cluster}-"
        return [line.split()[0] for line in listed if line.startswith(prefix)]

    # --- bring up -------------------------------------------------------------------------
    def create(self) -> None:
        self._check_network_is_free()
        prefix = self.topology.network.prefixlen
        if self.switch not in self.existing_namespaces():
            ip("netns", "add", self.switch)
            ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            ip("-n", self.switch, "link", "set", "br0", "up")
            ip("-n", self.switch, "link", "set", "lo", "up")
        for index, spec in enumerate(self.topology.nodes):
            netns = self.netns(spec.name)
            if netns in self.existing_namespaces():
                continue
            ip("netns", "add", netns)
            tune_tcp(netns)
            port = f"p{index}"
            ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", netns)
            ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
            ip("-n", netns, "addr", "add", f"{spec.address}/{prefix}", "dev", "eth0")
            ip("-n", netns, "link", "set", "eth0", "up")
            ip("-n", netns, "link", "set", "lo", "up")
        self._create_uplink()

    def _check_network_is_free(self) -> None:
        """Fencing a range the host needs would cut it off: on some machines the package
        registries answer on a documentation range (e.g. 203.0.113.80)."""
        for host in REGISTRY_HOSTS:
            try:
                addresses = {info[4][0] for info in socket.getaddrinfo(host, 443, socket.AF_INET)}
            except OSError:
                continue
            inside = [address for address in addresses if ipaddress.ip_address(address) in self.topology.network]
            if inside:
                raise AgilityError(
                    f"topology {self.topology.name}: its network {self.topology.network} contains {inside[0]}, "
                    f"where this machine reaches {host}; choose another range"
                )

    def _fence_host(self) -> None:
        """Make the cluster network unreachable from the host except through the uplink: without
        this, the host's default route would send such packets out of the machine."""
        if not ip("route", "show", "type", "unreachable", str(self.topology.network), check=False).stdout.strip():
            ip("route", "add", "unreachable", str(self.topology.network))

    def _create_uplink(self) -> None:
        self._fence_host()
        bastion = self.netns(self.topology.bastion)
        if ip("link", "show", self.uplink_device, check=False).returncode == 0:
            return
        prefix = self.topology.uplink.prefixlen
        ip("link", "add", self.uplink_device, "type", "veth", "peer", "name", "uplink", "netns", bastion)
        ip("addr", "add", f"{self.topology.host_address}/{prefix}", "dev", self.uplink_device)
        ip("link", "set", self.uplink_device, "up")
        ip("-n", bastion, "addr", "add", f"{self.topology.bastion_uplink_address}/{prefix}", "dev", "uplink")
        ip("-n", bastion, "link", "set", "uplink", "up")

    def start_holders(self, extra_users: str = "") -> None:
        """Give every node its private /etc, /home and /tmp and its hostname, and hold them open."""
        hosts = "127.0.0.1\tlocalhost\n" + "".join(f"{spec.address}\t{spec.name}\n" for spec in self.topology.nodes)
        for node in self.nodes().values():
            if node.holder_alive():
                continue
            etc = node.root / "etc"
            if etc.exists():
                shutil.rmtree(etc)
            # a node starts from this host's /etc, so users provisioned before are gone: their
            # homes go too, or a re-created user would find a home owned by a stale uid
            shutil.rmtree(node.root / "home", ignore_errors=True)
            node.root.mkdir(parents=True, exist_ok=True)
            subprocess.run(["cp", "-a", "/etc", str(etc)], check=True)
            (etc / "hosts").write_text(hosts)
            (etc / "hostname").write_text(node.name + "\n")
            for folder, mode in (("home", 0o755), ("tmp", 0o1777), ("run", 0o755)):
                (node.root / folder).mkdir(exist_ok=True)
                (node.root / folder).chmod(mode)
            log = node.root / "run" / "holder.log"
            with open(log, "ab") as out:
                process = subprocess.Popen(
                    ["ip", "netns", "exec", node.netns, "unshare", "--mount", "--uts", "--propagation", "private",
                     "sh", "-c", HOLDER_SCRIPT, "holder", str(node.root), node.name],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            node.holder_pid_file.write_text(str(process.pid))
            # the holder execs `sleep` once its mounts and hostname are in place
            wait_until(lambda holder=process: cmdline(holder.pid)[:1] == ["sleep"], timeout=10, interval=0.02,
                       what="its private /etc, /home, /tmp and hostname", service=f"node {node.name}",
                       alive=lambda holder=process: holder.poll() is None, log=log)

    # --- tear down ------------------------------------------------------------------------
    def destroy(self) -> None:
        """Stop every process left on any node, then remove namespaces, links and the bridge."""
        leftovers = []
        for netns in self.existing_namespaces():
            inode = named_netns_inode(netns)
            if inode is not None:
                leftovers += pids_in_netns(inode)
        terminate(leftovers, grace=10)
        for netns in self.existing_namespaces():
            ip("netns", "delete", netns, check=False)
        ip("link", "delete", self.uplink_device, check=False)
        ip("route", "delete", "unreachable", str(self.topology.network), check=False)

    def leftovers(self) -> dict[str, list]:
        """What of this cluster's network is still on the machine (for tests and status)."""
        return {
            "namespaces": self.existing_namespaces(),
            "links": [self.uplink_device] if ip("link", "show", self.uplink_device, check=False).returncode == 0 else [],
            # ours: the fence (the link's own route goes with the link); not any other route to the range
            "routes": ip("route", "show", "type", "unreachable", str(self.topology.network), check=False).stdout.split("\n")[:-1],
            "mounts": [line for line in Path("/proc/mounts").read_text().splitlines() if f"agility-{self.cluster}-" in line],
        }


def tune_tcp(netns: str) -> None:
    """A node's TCP as on a datacenter LAN (set before any daemon opens a socket: a socket keeps
    what it was created with). Without it a connection that lost its peer during a cut link
    resends at most every 120 s: a DataNode's heartbeat sent during a 60-s cut reached the
    NameNode 40 s after the link was back. A kernel without the setting (before Linux 6.15) is
    left as it is: recoveries are slower there, nothing else changes."""
    for name, value in NODE_SYSCTLS.items():
        if (Path("/proc/sys") / name.replace(".", "/")).exists():
            subprocess.run(["ip", "netns", "exec", netns, "sysctl", "-q", "-w", f"{name}={value}"], check=True,
                           stdout=subprocess.DEVNULL)

