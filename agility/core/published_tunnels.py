"""The tunnels running on this host, as each published itself (pid, bastion, user, forwards) in
the state folder: what the tunnels read to reuse one another, and what `sandbox down` reads to
close every tunnel into its range before the range's route goes."""

from __future__ import annotations

import ipaddress
import json

from agility.core.endpoints import split
from agility.core.paths import STATE_DIR
from agility.core.processes import cmdline, terminate

TUNNEL_DIR = STATE_DIR / "tunnels"


def published_tunnels() -> list[tuple[str, dict]]:
    """(name, state) of every running tunnel that published its forwards on this host. The file
    of a tunnel that was killed (SIGKILL: a run cut short) stays behind; it names no tunnel."""
    found = []
    for path in sorted(TUNNEL_DIR.glob("*.json")):
        try:
            state = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            continue
        if is_tunnel_process(state.get("pid")):
            found.append((path.stem, state))
    return found


def is_tunnel_process(pid: int | None) -> bool:
    """`pid` runs `agility tunnel`. The pid in the file a killed tunnel left may since have been
    given to another process (pid_max is 32768): that one is no tunnel to join, wait for or stop."""
    arguments = cmdline(pid) if pid else []  # none for a process gone or a zombie
    return "tunnel" in arguments[:4] and any(a == "agility.cli" or a.endswith("/agility") for a in arguments[:3])


def close_tunnels_into(network: ipaddress.IPv4Network) -> list[str]:
    """Stop every tunnel on this host whose bastion or forwards lie in `network` (a sandbox going
    down): none may outlive its bastion and redial its address once the sandbox's route is gone."""
    closed = []
    for name, state in published_tunnels():
        bastion = state.get("bastion") or ""
        hosts = [bastion.rpartition(":")[0], *(split(remote)[0] for remote in state.get("forwards", {}))]
        if any(_in(host, network) for host in hosts):
            terminate([state["pid"]], grace=5)
            (TUNNEL_DIR / f"{name}.json").unlink(missing_ok=True)  # gone already unless it had to be killed
            closed.append(f"{name} (pid {state['pid']})")
    return closed


def _in(host: str, network: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.ip_address(host) in network
    except ValueError:
        return False
