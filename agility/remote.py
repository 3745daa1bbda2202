"""Commands on cluster nodes over SSH, hopping through the profile's bastion (no shell strings:
arguments are quoted here, once)."""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass

import paramiko

from agility.errors import AgilityError
from agility.profiles import Profile


@dataclass
class Result:
    node: str
    command: list[str]
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class ClusterShell:
    """One SSH session to the bastion, and a session per node opened through it."""

    def __init__(self, profile: Profile, user: str | None = None, key: str | None = None):
        logging.getLogger("paramiko").setLevel(logging.CRITICAL)
        self.profile = profile
        identity = profile.ssh_user(user)
        self.user = identity.name
        self.key = os.path.expanduser(key or identity.key)
        self._bastion: paramiko.SSHClient | None = None
        self._nodes: dict[str, paramiko.SSHClient] = {}

    def _client(self, host: str, port: int, sock=None) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect(host, port=port, username=self.user, key_filename=self.key, sock=sock,
                           allow_agent=False, look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15)
        except (paramiko.SSHException, OSError) as error:
            raise AgilityError(f"ssh {self.user}@{host}:{port} failed: {error}") from None
        return client

    def bastion(self) -> paramiko.SSHClient:
        if self._bastion is None:
            self._bastion = self._client(self.profile.bastion.host, self.profile.bastion.port)
        return self._bastion

    def node(self, name: str) -> paramiko.SSHClient:
        if name not in self._nodes:
            address = self.profile.node_address(name)
            try:
                channel = self.bastion().get_transport().open_channel("direct-tcpip", (address, 22), ("127.0.0.1", 0))
            except paramiko.ChannelException as error:
                raise AgilityError(f"the bastion refused to forward to {name} ({address}:22): {error}") from None
            self._nodes[name] = self._client(address, 22, sock=channel)
        return self._nodes[name]

    def forward_refusal(self, endpoint: str) -> str | None:
        """Ask the bastion for a forward to `endpoint` as this user: None if granted, else why not."""
        host, _, port = endpoint.rpartition(":")
        try:
            channel = self.bastion().get_transport().open_channel("direct-tcpip", (host, int(port)), ("127.0.0.1", 0),
                                                                  timeout=10)
        except paramiko.ChannelException as error:
            return f"{error.text or 'refused'} (code {error.code})"
        channel.close()
        return None

    def run(self, node: str, argv: list[str], timeout: float = 300, input: str | None = None, check: bool = True) -> Result:
        command = shlex.join(argv)
        stdin, stdout, stderr = self.node(node).exec_command(command, timeout=timeout)
        if input is not None:
            stdin.write(input)
        stdin.channel.shutdown_write()
        out = stdout.read().decode("utf-8", "replace")
        err = stderr.read().decode("utf-8", "replace")
        result = Result(node, list(argv), stdout.channel.recv_exit_status(), out, err)
        if check and not result.ok:
            raise AgilityError(f"{node}: `{command}` exited {result.exit_status}\n{err.strip() or out.strip()}")
        return result

    def close(self) -> None:
        for client in self._nodes.values():
            client.close()
        if self._bastion is not None:
            self._bastion.close()
        self._nodes.clear()
        self._bastion = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
