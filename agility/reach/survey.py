"""What a cluster looks like from outside, through its bastion only: is it reachable at all (the
`agility cluster list` status), which nodes answer, which service ports accept connections.

A node counts as up when its sshd sends its SSH banner through the bastion; a service when the
bastion's sshd gets a connection to its port (the bastion's own refusal names a dead port; no
answer within the patience is a timeout, reported as such)."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import paramiko

from agility.config import profiles
from agility.config.profiles import Profile
from agility.core.errors import AgilityError, ConfigError
from agility.core.routes import routed_through, uplink_device
from agility.reach.ssh import ClusterShell

AVAILABLE, UNAVAILABLE, UNCONFIGURED = "AVAILABLE", "UNAVAILABLE", "UNCONFIGURED"


@dataclass(frozen=True)
class Reachability:
    status: str
    reason: str
    profile: Profile | None = None  # loaded on the way, when it could be


def sandbox_link_missing(profile: Profile) -> str | None:
    """Why a sandbox cluster's bastion must not be dialed (its link is gone), or None."""
    cluster = (profile.extra.get("sandbox") or {}).get("cluster")
    if cluster and not routed_through(profile.bastion.host, uplink_device(cluster)):
        return f"sandbox cluster '{cluster}' has no link from this host (not up): not dialed"
    return None


def bastion_banner(host: str, port: int, patience: float = 3.0) -> str:
    """The first line the bastion's sshd sends; raises OSError when none comes."""
    with socket.create_connection((host, port), timeout=patience) as connection:
        connection.settimeout(patience)
        line = connection.recv(256).split(b"\n")[0].decode("ascii", "replace").strip()
    if not line.startswith("SSH-"):
        raise OSError(f"{host}:{port} answered {line[:40]!r}, not an SSH banner")
    return line


def reachability(profile_name: str, patience: float = 3.0) -> Reachability:
    """AVAILABLE when its bastion's sshd answers; UNAVAILABLE when it does not (or a sandbox cluster
    is down); UNCONFIGURED when its profile cannot be read."""
    try:
        profile = profiles.load(profile_name)
    except ConfigError as error:
        if profiles.sandbox_cluster(profile_name) is not None and "does not exist yet" in str(error):
            return Reachability(UNAVAILABLE, str(error))
        return Reachability(UNCONFIGURED, str(error))
    if (why := sandbox_link_missing(profile)) is not None:
        return Reachability(UNAVAILABLE, why, profile)
    try:
        banner = bastion_banner(profile.bastion.host, profile.bastion.port, patience)
    except OSError as error:
        return Reachability(UNAVAILABLE, f"bastion {profile.bastion.host}:{profile.bastion.port}: {error}", profile)
    return Reachability(AVAILABLE, f"bastion {profile.bastion.host}:{profile.bastion.port} answers {banner}", profile)


class Survey:
    """One operator session to a cluster's bastion, asked about nodes and ports."""

    def __init__(self, profile: Profile, patience: float = 2.0):
        self.profile = profile
        self.patience = patience
        self.shell = ClusterShell(profile)

    def connect(self) -> None:
        if (why := sandbox_link_missing(self.profile)) is not None:
            raise AgilityError(why)
        self.shell.bastion()

    def _channel(self, host: str, port: int) -> paramiko.Channel:
        transport = self.shell.bastion().get_transport()
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=self.patience)

    def port_state(self, endpoint: str) -> tuple[bool, str]:
        """(accepting, what the bastion said): a connection it made, its refusal, or no answer."""
        host, _, port = endpoint.rpartition(":")
        started = time.monotonic()
        try:
            channel = self._channel(host, int(port))
        except paramiko.ChannelException as error:
            return False, f"refused by the bastion: {error.text or 'connect failed'}"
        except (paramiko.SSHException, OSError, EOFError) as error:
            return False, self.no_answer(error)
        channel.close()
        return True, f"accepts connections ({(time.monotonic() - started) * 1000:.0f} ms)"

    def node_state(self, address: str) -> tuple[bool, str]:
        """(up, detail): its sshd's banner through the bastion, or why there is none."""
        try:
            channel = self._channel(address, 22)
        except paramiko.ChannelException as error:
            return False, f"sshd unreachable: {error.text or 'connect failed'}"
        except (paramiko.SSHException, OSError, EOFError) as error:
            return False, self.no_answer(error)
        try:
            channel.settimeout(self.patience)
            banner = channel.recv(256).split(b"\n")[0].decode("ascii", "replace").strip()
        except (TimeoutError, OSError):
            banner = ""
        finally:
            channel.close()
        return (True, banner) if banner.startswith("SSH-") else (False, "sshd sent no banner")

    def no_answer(self, error: Exception) -> str:
        """A timeout is no refusal: say which it was. A dead bastion session is dropped, and the
        next question opens a new one."""
        if not self.shell.bastion_session_alive():
            self.shell.close()
            return f"the bastion session ended ({type(error).__name__}: {error})"
        return f"no answer within {self.patience:.0f} s"

    def close(self) -> None:
        self.shell.close()
