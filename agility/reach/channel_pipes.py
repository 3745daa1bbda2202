"""paramiko's channel pipes, made safe to close while data arrives.

A tunnel's forward selects on its SSH channel, which gives the channel an OS pipe that paramiko's
transport thread writes a byte into whenever data arrives. When the forward's client goes away,
its handler thread closes the channel and that pipe, and paramiko does not stop the transport
thread from writing into the pipe while, or after, its descriptors are being closed (paramiko
issues 1700 and 2271, open in 3.5). The write then fails with EBADF or EPIPE, which ends the
transport thread: the whole SSH session, and every forward of the tunnel with it. A client that
connects and leaves at once while the service speaks first (MariaDB's greeting) is enough to set
it off. Worse, a descriptor number reused in between would receive that byte.

Here a pipe's set, clear and close hold one lock, and a closed pipe's descriptors are never
touched again.
"""

from __future__ import annotations

import os
import threading

from paramiko import pipe


class GuardedPosixPipe(pipe.PosixPipe):
    def __init__(self):
        super().__init__()
        self._guard = threading.Lock()

    def close(self):
        with self._guard:
            if self._closed:
                return
            self._closed = True
            os.close(self._rfd)
            os.close(self._wfd)

    def set(self):
        with self._guard:
            super().set()  # does nothing once closed

    def clear(self):
        with self._guard:
            if not self._closed:
                super().clear()


def install() -> None:
    """Every channel pipe paramiko makes from now on in this process is a guarded one."""
    pipe.PosixPipe = GuardedPosixPipe
