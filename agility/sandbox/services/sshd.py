"""OpenSSH on every node. On the bastion it is the cluster's only door: keys only, no root,
and forwarding only to the addresses the cluster permits; elsewhere no forwarding at all.
Root has a key on the bastion all the same: PermitRootLogin is then what is seen to refuse it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agility.sandbox.node import Node
from agility.sandbox.operator import DEVELOPER_GROUPS, OPERATORS_GROUP, root_key_on
from agility.sandbox.service import Service
from agility.sandbox.services import templates

SSHD = "/usr/sbin/sshd"


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
            allow_groups=" ".join([OPERATORS_GROUP, *DEVELOPER_GROUPS]),
            forwarding="\n".join(self.forwarding(node)),
        )

    def forwarding(self, node: Node) -> list[str]:
        """Operators may forward to every service endpoint; each developer group only to its own
        services (and the edge node's sshd); anything else is "administratively prohibited". Only
        on the bastion: elsewhere no forwarding at all."""
        if not self.is_bastion(node):
            return ["AllowTcpForwarding no"]
        permitted: dict[str, list[str]] = self.context.settings.get("permit_open", {})
        lines = ["AllowTcpForwarding local", "PermitOpen " + (" ".join(permitted.get(OPERATORS_GROUP, [])) or "none")]
        for group in DEVELOPER_GROUPS:
            lines += [f"Match Group {group}", "    PermitOpen " + (" ".join(permitted.get(group, [])) or "none")]
        return lines

    def command(self, node: Node) -> list[str]:
        return [SSHD, "-D", "-e", "-f", str(self.home(node) / "sshd_config")]
