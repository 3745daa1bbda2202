"""What a process really does on the network, from the kernel's socket table (not from what the
process says it does)."""

from __future__ import annotations

from agility.core.errors import AgilityError


def _tcp(pid: int):
    import psutil

    try:
        return psutil.Process(pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        raise AgilityError(f"process {pid} is gone") from None


def listening(pid: int) -> list[str]:
    """host:port of every TCP socket the process listens on."""
    import psutil

    return sorted({f"{c.laddr.ip}:{c.laddr.port}" for c in _tcp(pid) if c.status == psutil.CONN_LISTEN})


def peers(pid: int) -> list[str]:
    """host:port of the far end of every established TCP connection of the process."""
    import psutil

    return sorted({f"{c.raddr.ip}:{c.raddr.port}" for c in _tcp(pid) if c.status == psutil.CONN_ESTABLISHED and c.raddr})
