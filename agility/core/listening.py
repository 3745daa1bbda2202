"""Is something on this host listening on an endpoint? Read from the kernel's socket tables, not
by connecting: a connection to a tunnel's forward makes the tunnel open an SSH channel and dial the
service behind it, which then logs an aborted connection (MariaDB counts them, the KDC logs each),
and all a connection could prove is what the table says: the kernel accepts it for the listener."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from agility.core.endpoints import split

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's `st` column
TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))


def kernel_hex(host: str) -> str:
    """An IPv4 address as /proc/net/tcp prints it: the address's 32 bits read in host byte order."""
    return f"{struct.unpack('=I', socket.inet_aton(host))[0]:08X}"


def listeners(tables: tuple[Path, ...] = TABLES) -> set[tuple[str, int]]:
    """(address as the kernel prints it, port) of every listening TCP socket of this network namespace."""
    found = set()
    for table in tables:
        try:
            rows = table.read_text().splitlines()[1:]
        except FileNotFoundError:  # no IPv6
            continue
        for row in rows:
            columns = row.split()
            if len(columns) > 3 and columns[3] == LISTEN:
                address, _, port = columns[1].partition(":")
                found.add((address, int(port, 16)))
    return found


def is_listening(endpoint: str, tables: tuple[Path, ...] = TABLES) -> bool:
    """A listener takes IPv4 connections to `endpoint` (host:port, the host an IPv4 address): bound
    to that address, to 0.0.0.0, or to IPv6's any address (which takes IPv4 too unless v6only)."""
    host, port = split(endpoint)
    wanted = {kernel_hex(host), kernel_hex("0.0.0.0"), "0" * 32, "0000000000000000FFFF0000" + kernel_hex(host)}
    return bool({(address, port) for address in wanted} & listeners(tables))
