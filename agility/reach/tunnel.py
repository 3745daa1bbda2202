"""SSH tunnels through a profile's bastion: the only way from the host into a cluster.

Every endpoint inside the cluster gets a local forward. An IPv4 address a.b.c.d is forwarded from
127.b.c.d on the same port, so each cluster node has its own loopback address: Kafka brokers
advertise exactly that address on their external listener, and a Cassandra driver can map every
node it discovers. Run `agility tunnel` to keep one open for a terminal session; other processes
(pytest workers) then reuse it.
"""

from __future__ import annotations

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

from agility.config.profiles import Profile
from agility.core.endpoints import local_endpoint, split
from agility.core.errors import AgilityError
from agility.core.lease import SharedResource
from agility.core.listening import is_listening
from agility.core.processes import terminate
from agility.core.published_tunnels import TUNNEL_DIR, is_tunnel_process, published_tunnels
from agility.core.routes import routed_through, uplink_device
from agility.core.waiting import wait_until
from agility.reach import channel_pipes
from agility.reach.ssh import bastion_host_key, host_key_refusal


def service_endpoints(profile: Profile) -> dict[str, list[str]]:
    """Per service, the cluster endpoints a client on the host uses."""
    return {
        "kafka": list(profile.kafka["bootstrap"]),
        "cassandra": list(profile.cassandra["contact_points"]),
        "mysql": [profile.mysql["address"]],
        "hdfs": [profile.hdfs["webhdfs"], *([profile.hdfs["namenode_web"]] if profile.hdfs.get("namenode_web") else []),
                 *([profile.hdfs["kerberos"]["kdc"]] if profile.hdfs.get("kerberos") else [])],  # its KDC: tickets
        "spark": [profile.spark["ui"], *([profile.spark["yarn_ui"]] if profile.spark.get("yarn_ui") else [])],
        **({"jupyterhub": [profile.jupyterhub["url"]]} if profile.jupyterhub else {}),
    }


def forwards_for(profile: Profile, user: str | None = None, services: tuple[str, ...] | None = None) -> list[str]:
    """The endpoints a user's tunnel forwards: the services the user may reach (every service for
    the operator), narrowed to `services` if given.

    Kafka brokers advertise one local address each, so only one tunnel on this host can carry
    Kafka at a time: a suite that opens a developer's Kafka tunnel opens the operator's without Kafka."""
    allowed = [service for service in profile.ssh_user(user).services if services is None or service in services]
    endpoints = [endpoint for service, found in service_endpoints(profile).items() if service in allowed
                 for endpoint in found]
    return list(dict.fromkeys(endpoints))


def tunnel_name(profile: Profile, user: str, services: tuple[str, ...] | None) -> str:
    return f"{profile.name}-{user}" + (f"-{'+'.join(sorted(services))}" if services else "")


def state_file(profile: Profile, user: str, services: tuple[str, ...] | None = None) -> Path:
    return TUNNEL_DIR / f"{tunnel_name(profile, user, services)}.json"


def log_file(profile: Profile, user: str, services: tuple[str, ...] | None = None) -> Path:
    """Where a tunnel started in the background writes what it says (reconnections, lost forwards)."""
    return TUNNEL_DIR / f"{tunnel_name(profile, user, services)}.log"


def running(profile: Profile, user: str | None = None, services: tuple[str, ...] | None = None) -> dict | None:
    """The published state of a running tunnel: pid, user and forwards; None if none runs."""
    user = user or profile.bastion.user
    services = tuple(sorted(services)) if services else None
    try:
        state = json.loads(state_file(profile, user, services).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return {**state, "user": user} if is_tunnel_process(state.get("pid")) else None


def is_open(profile: Profile, user: str, services: tuple[str, ...] | None = None, patience: float = 0) -> bool:
    """A tunnel for this profile and user is running and every forward listens, each given
    `patience` seconds: a tunnel reconnecting its SSH session closes its forwards' sockets and
    opens them again, and must not be taken for gone and started twice meanwhile."""
    state = running(profile, user, services)
    if state is None or set(state.get("forwards", {})) != set(forwards_for(profile, user, services)):
        return False
    return all(_answers(local, patience) for local in state["forwards"].values())


def _answers(endpoint: str, patience: float) -> bool:
    if is_listening(endpoint):
        return True
    try:
        wait_until(lambda: is_listening(endpoint), timeout=patience, interval=0.2, what=f"{endpoint} to listen")
    except AgilityError:
        return False
    return True


class Tunnel:
    """The forwards of one profile for one user, in this process."""

    def __init__(self, profile: Profile, user: str | None = None, services: tuple[str, ...] | None = None):
        self.profile = profile
        self.services = services
        identity = profile.ssh_user(user)
        self.user = identity.name
        self.key = os.path.expanduser(identity.key)
        self.forwarder = None
        self.dial: threading.Thread | None = None  # a reconnection attempt in flight

    @property
    def sandbox(self) -> str | None:
        """The embedded sandbox's cluster this tunnel goes into, if it does."""
        return (self.profile.extra.get("sandbox") or {}).get("cluster")

    def routed(self) -> bool:
        """May the bastion be dialed? A sandbox's only through the sandbox's own link: once that is
        gone (`sandbox down`), its address would be dialed out of the default route, off this machine."""
        if self.sandbox is None:
            return True
        return routed_through(self.profile.bastion.host, uplink_device(self.sandbox))

    def start(self) -> dict[str, str]:
        import sshtunnel

        logging.getLogger("paramiko").setLevel(logging.CRITICAL)
        channel_pipes.install()
        remotes = forwards_for(self.profile, self.user, self.services)
        close_orphans_holding([local_endpoint(remote) for remote in remotes])
        taken = [local_endpoint(remote) for remote in remotes if is_listening(local_endpoint(remote))]
        if taken:
            raise AgilityError(
                f"cannot open the tunnel as {self.user}: {', '.join(taken)} already forwarded by another tunnel "
                f"on this host ({holders_of(taken) or 'not one of agility'}); close it first"
            )
        if not self.routed():
            raise AgilityError(
                f"cannot open the tunnel as {self.user}: {self.profile.bastion.host} is not reached through the "
                f"link of sandbox '{self.sandbox}' (is it up? `agility sandbox status`); it is not dialed any other way"
            )
        # socketserver's accept queue is 5: a client opening a connection pool at once (the
        # Cassandra driver, Spark) on a busy machine overflows it and sees connects time out
        sshtunnel._ForwardServer.request_queue_size = 128
        # a forward whose SSH channel does not open within this is closed at once (the client sees
        # its connection lost before any greeting); 10 s, sshtunnel's own, is short on a busy host
        sshtunnel.TUNNEL_TIMEOUT = 30.0
        try:
            self.forwarder = sshtunnel.SSHTunnelForwarder(
                (self.profile.bastion.host, self.profile.bastion.port),
                ssh_username=self.user,
                ssh_pkey=self.key,
                allow_agent=False,
                host_pkey_directories=[],
                # the bastion's key from the profile's known_hosts: sshtunnel checks no key unless given one
                ssh_host_key=bastion_host_key(self.profile),
                remote_bind_addresses=[split(remote) for remote in remotes],
                local_bind_addresses=[split(local_endpoint(remote)) for remote in remotes],
                set_keepalive=15,
            )
            self.forwarder.start()
            if not self.forwarder.is_active:
                raise sshtunnel.BaseSSHTunnelForwarderError("the SSH session did not come up")
        except (sshtunnel.BaseSSHTunnelForwarderError, ValueError, OSError) as error:
            self.stop()
            untrusted = host_key_refusal(self.profile)  # sshtunnel only logs why; say it in the error
            if untrusted:
                raise AgilityError(f"cannot open the SSH tunnel as {self.user}: {untrusted}") from None
            raise AgilityError(
                f"cannot open the SSH tunnel to {self.profile.bastion.host}:{self.profile.bastion.port} "
                f"as {self.user} (key {self.key}): {error}; is the user provisioned on the bastion "
                f"(`agility provision area ...`) and its key the right one?"
            ) from None
        return {remote: local_endpoint(remote) for remote in remotes}

    def why_it_ended(self) -> str:
        transport = getattr(self.forwarder, "_transport", None)
        error = transport.get_exception() if transport is not None else None
        return f" ({type(error).__name__}: {error})" if error else ""

    def reconnect(self, stop: threading.Event, timeout: float = 30) -> str:
        """Open the SSH session again with the same forwards (same local addresses, so clients
        that knew the old ones keep working); "" once it is back, else why it is not.

        Each dial runs in a thread of its own, and only while the bastion is still routed: a dial
        can hang (an address that accepts TCP but never sends the SSH banner), and SIGTERM/SIGINT
        (`stop`) or the sandbox's link going away must end the wait at once all the same."""
        retry_at = 0.0

        def back() -> bool:
            nonlocal retry_at
            if self.dial is not None and self.dial.is_alive():
                return False
            if self.dial is not None and self.forwarder.is_active:
                return True
            if time.monotonic() >= retry_at and self.routed():
                retry_at = time.monotonic() + 2
                self.dial = threading.Thread(target=self._dial, name="reconnect", daemon=True)
                self.dial.start()
            return False

        try:
            wait_until(back, timeout=timeout, interval=0.2, what="the SSH session to come back",
                       service=f"SSH tunnel of {self.user}", alive=lambda: not stop.is_set() and self.routed())
        except AgilityError:
            if stop.is_set():
                return "told to stop while reconnecting"
            if not self.routed():
                return f"the link of sandbox '{self.sandbox}' to {self.profile.bastion.host} is gone"
            return f"it did not come back within {timeout:.0f} s"
        return ""

    def _dial(self) -> None:
        try:
            self.forwarder.restart()
        except Exception:  # noqa: BLE001 - a failed attempt; the next one, or the deadline, decides
            pass

    def stop(self) -> None:
        # A dial still in flight owns the forwarder (stopping its forward servers before they
        # serve would block for ever); the process is ending and the kernel closes its sockets.
        if self.forwarder is not None and not (self.dial is not None and self.dial.is_alive()):
            self.forwarder.stop(force=True)
        self.forwarder = None


def serve(profile: Profile, user: str | None = None, services: tuple[str, ...] | None = None,
          ready_message: bool = True) -> None:
    """Keep a tunnel open until SIGTERM/SIGINT (within a second, also while reconnecting); publish
    its forwards for other processes. A lost session is reconnected while the bastion is routed;
    a sandbox's tunnel whose link is gone closes without dialing."""
    tunnel = Tunnel(profile, user, services)
    forwards = tunnel.start()
    path = state_file(profile, tunnel.user, services)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "user": tunnel.user, "services": sorted(services or ()) or None,
                                "bastion": f"{profile.bastion.host}:{profile.bastion.port}", "forwards": forwards}))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if ready_message:
        print(f"tunnel through {profile.bastion.host} as {tunnel.user} is open:", flush=True)
        names = {endpoint: service for service, found in service_endpoints(profile).items() for endpoint in found}
        for remote, local in forwards.items():
            print(f"  {local:>24}  →  {remote:<22} {names.get(remote, '')}".rstrip(), flush=True)
    try:
        while not stop.wait(1):
            if tunnel.forwarder.is_active:
                continue
            ended = f"the SSH session of {tunnel.user} to {profile.bastion.host} ended{tunnel.why_it_ended()}"
            if not tunnel.routed():
                print(f"{ended}; the link of sandbox '{tunnel.sandbox}' is gone: closing the tunnel", flush=True)
                break
            print(f"{ended}; reconnecting", flush=True)
            why_not = tunnel.reconnect(stop)
            if why_not:
                print(f"{why_not}; closing the tunnel", flush=True)
                break
            print("reconnected: the same forwards are open again", flush=True)
    finally:
        path.unlink(missing_ok=True)
        tunnel.stop()


def start_background(profile: Profile, user: str, services: tuple[str, ...] | None = None, timeout: float = 30) -> int:
    """Start `agility tunnel` as a detached process and wait until its forwards answer."""
    TUNNEL_DIR.mkdir(parents=True, exist_ok=True)
    log = log_file(profile, user, services)
    only = ["--services", ",".join(services)] if services else []
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "agility.cli", "tunnel", "--profile", profile.source or profile.name, "--user", user,
             *only],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until(lambda: is_open(profile, user, services), timeout=timeout, interval=0.2,
                   what="its forwards to accept connections", service=f"SSH tunnel of {user} ({profile.name})",
                   alive=lambda: process.poll() is None, log=log)
    except AgilityError:
        process.kill()
        raise
    return process.pid


def stop_background(profile: Profile, user: str, services: tuple[str, ...] | None = None) -> None:
    try:
        pid = json.loads(state_file(profile, user, services).read_text())["pid"]
    except (FileNotFoundError, ValueError, KeyError):
        return
    if is_tunnel_process(pid):
        terminate([pid], grace=5)
    state_file(profile, user, services).unlink(missing_ok=True)


@contextmanager
def shared_tunnel(profile: Profile, user: str | None = None, services: tuple[str, ...] | None = None):
    """Use the tunnel of this profile, user and services, opening it if nobody has: safe across
    processes (pytest-xdist workers, a presenter's `agility tunnel`)."""
    user = user or profile.bastion.user
    services = tuple(sorted(services)) if services else None
    resource = SharedResource(f"tunnel-{tunnel_name(profile, user, services)}")
    try:
        resource.acquire(lambda: is_open(profile, user, services, patience=5),
                         lambda: start_background(profile, user, services))
        yield {remote: local_endpoint(remote) for remote in forwards_for(profile, user, services)}
    finally:
        resource.release(lambda: stop_background(profile, user, services))


def open_tunnels(profile: Profile) -> list[dict]:
    """The running tunnels through this profile's bastion, of any user and services (a presenter's
    `agility tunnel`, a job's), whose forwards all answer: their published state."""
    bastion = f"{profile.bastion.host}:{profile.bastion.port}"
    return [state for _, state in published_tunnels()
            if state.get("bastion") == bastion and "user" in state
            and all(_answers(local, patience=2) for local in state.get("forwards", {}).values())]


def holders_of(locals_: list[str]) -> str:
    return ", ".join(f"tunnel {name} (pid {state.get('pid')})" for name, state in published_tunnels()
                     if set(state.get("forwards", {}).values()) & set(locals_))


def close_orphans_holding(locals_: list[str]) -> None:
    """Stop tunnels that one of our processes started and every user of which has gone (e.g. was
    killed), when they hold an address this tunnel needs."""
    for name, state in published_tunnels():
        if set(state.get("forwards", {}).values()) & set(locals_) and SharedResource(f"tunnel-{name}").orphaned():
            terminate([state["pid"]], grace=5)
            (TUNNEL_DIR / f"{name}.json").unlink(missing_ok=True)
