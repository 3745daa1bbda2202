"""SSH tunnels through a profile's bastion: the only way from the host into a cluster.

Every endpoint inside the cluster gets a local forward. An IPv4 address a.b.c.d is forwarded from
127.b.c.d on the same port, so each cluster node has its own loopback address: Kafka brokers
advertise exactly that address on their external listener, and a Cassandra driver can map every
node it discovers. Run `agility tunnel` to keep one open for a terminal session; other processes
(pytest workers) then reuse it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from agility.errors import AgilityError
from agility.paths import STATE_DIR
from agility.profiles import Profile
from agility.shared import SharedResource

TUNNEL_DIR = STATE_DIR / "tunnels"


def local_address(remote_host: str) -> str:
    """Where a cluster address is forwarded to on this host."""
    try:
        address = ipaddress.ip_address(remote_host)
    except ValueError:
        # a host name: a stable loopback address derived from the name
        digest = sum(remote_host.encode()) % 250
        return f"127.0.200.{digest + 2}"
    octets = str(address).split(".")
    return ".".join(["127", *octets[1:]])


def split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def service_endpoints(profile: Profile) -> dict[str, list[str]]:
    """Per service, the cluster endpoints a client on the host uses."""
    return {
        "kafka": list(profile.kafka["bootstrap"]),
        "cassandra": list(profile.cassandra["contact_points"]),
        "mysql": [profile.mysql["address"]],
        "hdfs": [profile.hdfs["webhdfs"], *([profile.hdfs["namenode_web"]] if profile.hdfs.get("namenode_web") else [])],
        "spark": [profile.spark["ui"]],
    }


def forwards_for(profile: Profile, user: str | None = None) -> list[str]:
    """The endpoints a user's tunnel forwards: every service for the operator, a developer's
    own services otherwise (the bastion refuses the rest anyway)."""
    allowed = profile.ssh_user(user).services
    endpoints = [endpoint for service, found in service_endpoints(profile).items() if service in allowed
                 for endpoint in found]
    return list(dict.fromkeys(endpoints))


def local_endpoint(endpoint: str) -> str:
    host, port = split(endpoint)
    return f"{local_address(host)}:{port}"


def state_file(profile: Profile, user: str) -> Path:
    return TUNNEL_DIR / f"{profile.name}-{user}.json"


def is_open(profile: Profile, user: str) -> bool:
    """A tunnel for this profile and user is running and every forward accepts connections."""
    import socket

    try:
        state = json.loads(state_file(profile, user).read_text())
    except (FileNotFoundError, ValueError):
        return False
    from agility.sandbox.processes import is_alive

    if not is_alive(state.get("pid")) or set(state.get("forwards", {})) != set(forwards_for(profile, user)):
        return False
    for local in state["forwards"].values():
        try:
            socket.create_connection(split(local), timeout=2).close()
        except OSError:
            return False
    return True


class Tunnel:
    """The forwards of one profile for one user, in this process."""

    def __init__(self, profile: Profile, user: str | None = None):
        self.profile = profile
        identity = profile.ssh_user(user)
        self.user = identity.name
        self.key = os.path.expanduser(identity.key)
        self.forwarder = None

    def start(self) -> dict[str, str]:
        import sshtunnel

        logging.getLogger("paramiko").setLevel(logging.CRITICAL)
        remotes = forwards_for(self.profile, self.user)
        try:
            self.forwarder = sshtunnel.SSHTunnelForwarder(
                (self.profile.bastion.host, self.profile.bastion.port),
                ssh_username=self.user,
                ssh_pkey=self.key,
                allow_agent=False,
                host_pkey_directories=[],
                remote_bind_addresses=[split(remote) for remote in remotes],
                local_bind_addresses=[split(local_endpoint(remote)) for remote in remotes],
                set_keepalive=15,
                mute_exceptions=True,
            )
            self.forwarder.start()
        except (sshtunnel.BaseSSHTunnelForwarderError, ValueError, OSError) as error:
            raise AgilityError(
                f"cannot open the SSH tunnel to {self.profile.bastion.host}:{self.profile.bastion.port} "
                f"as {self.user} (key {self.key}): {error}"
            ) from None
        return {remote: local_endpoint(remote) for remote in remotes}

    def stop(self) -> None:
        if self.forwarder is not None:
            self.forwarder.stop(force=True)
            self.forwarder = None


def serve(profile: Profile, user: str | None = None, ready_message: bool = True) -> None:
    """Keep a tunnel open until SIGTERM/SIGINT; publish its forwards for other processes."""
    tunnel = Tunnel(profile, user)
    forwards = tunnel.start()
    path = state_file(profile, tunnel.user)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "forwards": forwards}))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if ready_message:
        print(f"tunnel through {profile.bastion.host} as {tunnel.user} is open:", flush=True)
        for remote, local in forwards.items():
            print(f"  {local:>24}  →  {remote}", flush=True)
    try:
        while not stop.wait(1):
            pass
    finally:
        path.unlink(missing_ok=True)
        tunnel.stop()


def start_background(profile: Profile, user: str, timeout: float = 30) -> int:
    """Start `agility tunnel` as a detached process and wait until its forwards answer."""
    TUNNEL_DIR.mkdir(parents=True, exist_ok=True)
    log = TUNNEL_DIR / f"{profile.name}-{user}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "agility.cli", "tunnel", "--profile", profile.source or profile.name, "--user", user],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not is_open(profile, user):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AgilityError(f"the SSH tunnel for profile {profile.name} as {user} did not open; log: {log}\n"
                               + log.read_text()[-1500:])
        time.sleep(0.2)
    return process.pid


def stop_background(profile: Profile, user: str) -> None:
    try:
        pid = json.loads(state_file(profile, user).read_text())["pid"]
    except (FileNotFoundError, ValueError, KeyError):
        return
    from agility.sandbox.processes import terminate

    terminate([pid], grace=5)
    state_file(profile, user).unlink(missing_ok=True)


@contextmanager
def shared_tunnel(profile: Profile, user: str | None = None):
    """Use the tunnel of this profile and user, opening it if nobody has: safe across processes."""
    user = user or profile.bastion.user
    resource = SharedResource(f"tunnel-{profile.name}-{user}")
    resource.acquire(lambda: is_open(profile, user), lambda: start_background(profile, user))
    try:
        yield {remote: local_endpoint(remote) for remote in forwards_for(profile, user)}
    finally:
        resource.release(lambda: stop_background(profile, user))
