"""Commands on cluster nodes over SSH, hopping through the profile's bastion (no shell strings:
arguments are quoted here, once). Every SSH connection of ours checks the host's key against the
profile's known_hosts file and refuses a host that is missing from it or shows another key."""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass

import paramiko

from agility.config.profiles import Profile
from agility.core.errors import AgilityError, ConfigError


class UntrustedHostKey(paramiko.SSHException):
    """The host is not in the profile's known_hosts, or showed a key other than the one there."""


class _RefuseUnknownHosts(paramiko.RejectPolicy):
    """paramiko's RejectPolicy, with a message naming the file that lacks the host."""

    def __init__(self, known_hosts: str):
        self.known_hosts = known_hosts

    def missing_host_key(self, client, hostname, key):
        raise UntrustedHostKey(
            f"{hostname} is not in {self.known_hosts} (it showed {key.get_name()} {key.fingerprint}): refusing to "
            "talk to a host whose key nobody checked; add its key once its fingerprint is confirmed")


def _mismatch(hostname: str, got: paramiko.PKey, expected: paramiko.PKey, known_hosts: str) -> str:
    return (f"{hostname} showed the host key {got.get_name()} {got.fingerprint}, but {known_hosts} holds "
            f"{expected.get_name()} {expected.fingerprint}: refusing to connect (another machine answers at that "
            "address, or its key changed: confirm with the cluster's admins, then update the file)")


def known_hosts_file(profile: Profile) -> str:
    path = profile.bastion.known_hosts
    if not os.path.isfile(path):
        raise ConfigError(f"profile {profile.name}: bastion.known_hosts {path} does not exist; it must hold the SSH "
                          "host keys of the bastion and of every node (see profiles/example-remote.yaml)")
    return path


def host_key_name(host: str, port: int) -> str:
    """How OpenSSH (and paramiko) name a host in known_hosts."""
    return host if port == 22 else f"[{host}]:{port}"


def ssh_client(profile: Profile) -> paramiko.SSHClient:
    """An SSH client that talks only to hosts whose key the profile's known_hosts holds."""
    known_hosts = known_hosts_file(profile)
    client = paramiko.SSHClient()
    client.get_host_keys().load(known_hosts)  # not load_host_keys: nothing is ever written back
    client.set_missing_host_key_policy(_RefuseUnknownHosts(known_hosts))
    return client


def bastion_host_key(profile: Profile) -> paramiko.PKey:
    """The bastion's key from the profile's known_hosts (for sshtunnel, which takes one key)."""
    known_hosts = known_hosts_file(profile)
    name = host_key_name(profile.bastion.host, profile.bastion.port)
    found = paramiko.HostKeys(known_hosts).lookup(name)
    if not found:
        raise ConfigError(f"the bastion {name} is not in {known_hosts}: refusing to talk to a host whose key nobody "
                          "checked; add its key once its fingerprint is confirmed")
    return next(iter(found.values()))


def host_key_refusal(profile: Profile) -> str | None:
    """Why the bastion's host key is not trusted (not in known_hosts, or another key), or None.
    Only the handshake: no credentials are offered."""
    client = ssh_client(profile)
    try:
        client.connect(profile.bastion.host, port=profile.bastion.port, username="agility-host-key-check",
                       allow_agent=False, look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15)
    except paramiko.BadHostKeyException as error:
        return _mismatch(error.hostname, error.key, error.expected_key, profile.bastion.known_hosts)
    except UntrustedHostKey as error:
        return str(error)
    except (paramiko.SSHException, OSError):
        return None  # the key was fine (or never seen): the refusal, if any, lies elsewhere
    finally:
        client.close()
    return None


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
        client = ssh_client(self.profile)
        try:
            client.connect(host, port=port, username=self.user, key_filename=self.key, sock=sock,
                           allow_agent=False, look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15)
        except paramiko.BadHostKeyException as error:
            client.close()
            why = _mismatch(error.hostname, error.key, error.expected_key, self.profile.bastion.known_hosts)
            raise AgilityError(f"ssh {self.user}@{host}:{port}: {why}") from None
        except (paramiko.SSHException, OSError) as error:
            client.close()
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

    def bastion_session_alive(self) -> bool:
        """Whether the session to the bastion is open and still up (without opening one)."""
        transport = self._bastion.get_transport() if self._bastion is not None else None
        return transport is not None and transport.is_active()

    def forget(self, name: str) -> None:
        """Close the session to a node (e.g. one that dropped); the next use opens a new one."""
        client = self._nodes.pop(name, None)
        if client is not None:
            client.close()

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
