"""What this host's routing table says: whether an address is sent into a given link."""

from __future__ import annotations

import subprocess


def uplink_device(cluster: str) -> str:
    """The host's end of the point-to-point link to a sandbox cluster's bastion (interface names:
    15 characters). Named here so that the sandbox, which makes the link, and the tunnels, which
    must not dial without it, agree."""
    return f"ag-{cluster}"[:15]


def routed_through(address: str, device: str) -> bool:
    """Does this host send packets for `address` into `device`? Once `sandbox down` removed a
    sandbox's link and its range's `unreachable` route, the default route would take them off this
    machine instead, so nothing may dial a sandbox address unless this holds."""
    words = subprocess.run(["ip", "route", "get", address], capture_output=True, text=True).stdout.split()
    return "dev" in words and words[words.index("dev") + 1:][:1] == [device]
