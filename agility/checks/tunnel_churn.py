"""A tunnel's forward under churn: clients that connect and leave at once, beside a client that
waits each time for what the service behind the forward says first (MariaDB's greeting). While the
tunnel's SSH session holds, every waiting client is greeted; a session lost meanwhile shows as
connections closed with no greeting (the tunnel cannot open their channels) until it is back."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from agility.core.endpoints import split

MYSQL_PROTOCOL = 10  # the first byte of MariaDB's handshake packet, after its 4-byte header


@dataclass
class Churn:
    endpoint: str
    left: int = 0  # connections opened and closed at once
    greeted: int = 0  # connections the service greeted
    server: str = ""  # the version the greeting named
    lost: int = 0  # connections with no greeting
    first_loss: str = ""  # what the first of them got instead

    def line(self) -> str:
        return (f"{self.endpoint}: {self.left} clients connected and left at once; {self.greeted} greeted by "
                f"{self.server or 'nothing'}, {self.lost} not" + (f" ({self.first_loss})" if self.lost else ""))


def greeting(endpoint: str, timeout: float = 10) -> str:
    """The server version a MariaDB greeting names; raises with what came instead."""
    with socket.create_connection(split(endpoint), timeout=timeout) as connection:
        packet = b""
        while len(packet) < 6 and (chunk := connection.recv(256)):
            packet += chunk
    if len(packet) < 6:
        raise ConnectionError(f"closed after {len(packet)} bytes, no greeting")
    if packet[4] != MYSQL_PROTOCOL:
        raise ConnectionError(f"not a MariaDB greeting: protocol {packet[4]}")
    return packet[5:].split(b"\0", 1)[0].decode(errors="replace")


def churn(endpoint: str, seconds: float, leavers: int = 4) -> Churn:
    """`leavers` threads connect and leave at once for `seconds`, while this one waits for a greeting
    on connection after connection."""
    found = Churn(endpoint)
    until = time.monotonic() + seconds
    counted = threading.Lock()

    def leave_at_once() -> None:
        while time.monotonic() < until:
            try:
                socket.create_connection(split(endpoint), timeout=5).close()
            except OSError:
                continue
            with counted:
                found.left += 1

    threads = [threading.Thread(target=leave_at_once, daemon=True) for _ in range(leavers)]
    for thread in threads:
        thread.start()
    while time.monotonic() < until:
        try:
            found.server = greeting(endpoint)
            found.greeted += 1
        except OSError as error:
            found.lost += 1
            found.first_loss = found.first_loss or f"{type(error).__name__}: {error}"
    for thread in threads:
        thread.join()
    return found
