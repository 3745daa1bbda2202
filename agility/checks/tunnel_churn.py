"""A tunnel's forward under churn: clients that connect and leave at once, beside a client that
waits each time for what the service behind the forward says first (MariaDB's greeting). While the
tunnel's SSH session holds, every waiting client hears from the service: its greeting, or, when the
churn outruns it, its own refusal (an error packet such as 1040, too many connections: MariaDB's
bytes, carried by the tunnel). A session lost meanwhile shows as connections closed with nothing
from the service (the tunnel cannot open their channels) until it is back."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from agility.core.endpoints import split

MYSQL_PROTOCOL = 10  # the first byte of MariaDB's handshake packet, after its 4-byte header
MYSQL_ERROR = 0xFF  # the first byte of an error packet sent in its place


class ServiceRefused(ConnectionError):
    """The service's own answer instead of a greeting: an error packet."""


@dataclass
class Churn:
    endpoint: str
    left: int = 0  # connections opened and closed at once
    greeted: int = 0  # connections the service greeted
    server: str = ""  # the version the greeting named
    refused: int = 0  # connections the service answered with its own error
    first_refusal: str = ""
    lost: int = 0  # connections that heard nothing from the service
    first_loss: str = ""  # what the first of them got instead

    def line(self) -> str:
        return (f"{self.endpoint}: {self.left} clients connected and left at once; {self.greeted} greeted by "
                f"{self.server or 'nothing'}"
                + (f", {self.refused} refused by the service itself ({self.first_refusal})" if self.refused else "")
                + f", {self.lost} heard nothing" + (f" ({self.first_loss})" if self.lost else ""))


def greeting(endpoint: str, timeout: float = 10) -> str:
    """The server version a MariaDB greeting names; raises ServiceRefused with MariaDB's error when
    it answered with one, ConnectionError with what came instead of any answer."""
    with socket.create_connection(split(endpoint), timeout=timeout) as connection:
        packet = b""
        while not is_whole(packet) and (chunk := connection.recv(256)):
            packet += chunk
    if len(packet) < 6:
        raise ConnectionError(f"closed after {len(packet)} bytes, no greeting")
    body = packet[4:4 + int.from_bytes(packet[:3], "little")]
    if body[0] == MYSQL_ERROR:
        raise ServiceRefused(error_packet(body[1:]))
    if body[0] != MYSQL_PROTOCOL:
        raise ConnectionError(f"not a MariaDB greeting: protocol {body[0]}")
    return body[1:].split(b"\0", 1)[0].decode(errors="replace")


def is_whole(packet: bytes) -> bool:
    """Whether `packet` holds its 4-byte header and the length of body the header announces."""
    return len(packet) >= 4 and len(packet) >= 4 + int.from_bytes(packet[:3], "little")


def error_packet(body: bytes) -> str:
    """An error packet's code and message (before the handshake it carries no SQL state)."""
    code, message = int.from_bytes(body[:2], "little"), body[2:]
    if message.startswith(b"#"):
        message = message[6:]
    return f"{code} {message.decode(errors='replace')}"


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
        except ServiceRefused as refusal:
            found.refused += 1
            found.first_refusal = found.first_refusal or str(refusal)
        except OSError as error:
            found.lost += 1
            found.first_loss = found.first_loss or f"{type(error).__name__}: {error}"
    for thread in threads:
        thread.join()
    return found
