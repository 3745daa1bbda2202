"""paramiko's channel pipes in our tunnels: set by the transport thread while the forward closes
them (agility/reach/channel_pipes.py), and the probes that find a forward without dialing it."""

from __future__ import annotations

import socket
import threading

import paramiko
import pytest

from agility.core import listening
from agility.reach import channel_pipes

pytestmark = pytest.mark.unit


def test_a_guarded_pipe_set_by_another_thread_while_it_closes_never_touches_a_closed_descriptor():
    """paramiko's own pipe fails this at once (EBADF or EPIPE from set(), within 2 rounds, 3 tries)."""
    errors: list[OSError] = []

    def transport_thread_feeding(pipe, closed: threading.Event):
        try:
            while not closed.is_set():
                pipe.set()
        except OSError as error:
            errors.append(error)

    for _ in range(2000):
        pipe, closed = channel_pipes.GuardedPosixPipe(), threading.Event()
        feeder = threading.Thread(target=transport_thread_feeding, args=(pipe, closed))
        feeder.start()
        for _ in range(3):
            pipe.clear()  # the forward reading what arrived
        pipe.close()
        closed.set()
        feeder.join()
        assert not errors, errors[0]
    pipe.close()  # a second close touches nothing either


def test_once_installed_a_channel_selected_on_gets_a_guarded_pipe():
    channel_pipes.install()
    channel = paramiko.Channel(7)
    channel.fileno()
    assert isinstance(channel._pipe, channel_pipes.GuardedPosixPipe)
    channel.close()


TABLE = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0B02127F:36B0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0
   1: 0B02127F:0CEA 00000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0
   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0
"""


def test_a_listener_is_found_by_address_and_port_or_on_any_address_and_a_connection_is_not_one(tmp_path):
    table = tmp_path / "tcp"
    table.write_text(TABLE)
    tables = (table, tmp_path / "no-tcp6")
    assert listening.is_listening("127.18.2.11:14000", tables)  # 0B02127F:36B0
    assert not listening.is_listening("127.18.2.11:3306", tables)  # 0CEA, but established, not listening
    assert not listening.is_listening("127.18.2.12:14000", tables)
    assert listening.is_listening("127.51.100.11:2024", tables)  # 0.0.0.0:2024 takes it


def test_a_real_listener_is_found_without_being_connected_to():
    with socket.socket() as server:
        server.bind(("127.0.0.9", 0))
        endpoint = f"127.0.0.9:{server.getsockname()[1]}"
        assert not listening.is_listening(endpoint)
        server.listen()
        assert listening.is_listening(endpoint)
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()  # nobody connected to find it
    assert not listening.is_listening(endpoint)
