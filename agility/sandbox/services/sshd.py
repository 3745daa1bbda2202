"""OpenSSH on every node. On the bastion it is the cluster's only door: keys only, no root,
and forwarding only to the addresses the cluster permits; elsewhere no forwarding at all.
Root has a key on the bastion all the same: PermitRootLogin is then what is seen to refuse it.

Who may log in where, as on a real platform: operators everywhere; developers on the edge node,
and on the bastion only to forward (no shell, no terminal); master and agents take no developer."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agility.sandbox.node import Node
from agility.sandbox.operator import DEVELOPER_GROUPS, OPERATORS_GROUP, root_key_on
from agility.sandbox.service import Service
from agility.sandbox.services import templates

SSHD = "/usr/sbin/sshd"
FORWARD_ONLY = "echo 'this bastion only forwards: log in to the edge node through it' >&2; exit 1"


class Sshd(Service):
    name = "sshd"
    ready_timeout = 20.0

    def ports(self, node: Node) -> dict[str, int]:
        return {"ssh": 22}

    def is_bastion(self, node: Node) -> bool:
        return node.name == self.context.settings.get("bastion")

    def prepare(self, node: Node) -> None:
        # sshd's privilege-separation directory; without systemd nothing creates it
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        conf = self.home(node)
        host_key = conf / "ssh_host_ed25519_key"
        if not host_key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
        (conf / "sshd_config").write_text(self.config(node))
        if self.is_bastion(node):
            root_key_on(node, self.context.state_dir)

    def config(self, node: Node) -> str:
        """templates/sshd/sshd_config with where it listens, who may log in and what each may forward."""
        listen = [node.address]
        if self.is_bastion(node):
            listen.append(self.context.settings["bastion_uplink_address"])
        return templates.render(
            "sshd",
            "sshd_config",
            listen="\n".join(f"ListenAddress {address}:22" for address in listen),
            home=self.home(node),
            allow_groups=" ".join(self.login_groups(node)),
            forwarding="\n".join(self.forwarding(node)),
        )

    def login_groups(self, node: Node) -> list[str]:
        if self.is_bastion(node) or node.name == self.context.settings.get("edge"):
            return [OPERATORS_GROUP, *DEVELOPER_GROUPS]
        return [OPERATORS_GROUP]

    def forwarding(self, node: Node) -> list[str]:
        """Operators may forward to every service endpoint; each developer group only to its own
        services (and the edge node's sshd); anything else is "administratively prohibited". Only
        on the bastion: elsewhere no forwarding at all."""
        if not self.is_bastion(node):
            return ["AllowTcpForwarding no"]
        permitted: dict[str, list[str]] = self.context.settings.get("permit_open", {})
        lines = ["AllowTcpForwarding local", "PermitOpen " + (" ".join(permitted.get(OPERATORS_GROUP, [])) or "none")]
        for group in DEVELOPER_GROUPS:  # a session asking for a shell or a command gets this line, and ends
            lines += [f"Match Group {group}", "    PermitOpen " + (" ".join(permitted.get(group, [])) or "none"),
                      "    PermitTTY no", f"    ForceCommand {FORWARD_ONLY}"]
        return lines

    def command(self, node: Node) -> list[str]:
        return [SSHD, "-D", "-e", "-f", str(self.home(node) / "sshd_config")]
