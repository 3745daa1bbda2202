"""agility.core.processes against real processes of this machine."""

import os
import subprocess
import sys

import psutil
import pytest

from agility.core.processes import is_alive, terminate
from agility.core.waiting import wait_until

pytestmark = pytest.mark.unit

# Its main thread ends (pthread_exit) while another thread runs on: the leader is a zombie, as a
# JVM's is for a moment while it exits, and the process still holds its files and sockets.
LEADER_GONE_THREAD_LIVES = """
import ctypes, sys, threading, time
threading.Thread(target=lambda: time.sleep(30)).start()
print("ready", flush=True)
ctypes.CDLL(None).pthread_exit(None)
"""


def test_a_process_whose_main_thread_ended_is_alive_while_its_other_threads_run():
    process = subprocess.Popen([sys.executable, "-c", LEADER_GONE_THREAD_LIVES], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        wait_until(lambda: psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE, timeout=10,
                   what="its main thread to end", interval=0.05)
        assert is_alive(process.pid)
    finally:
        terminate([process.pid], grace=5)
        process.wait(timeout=10)
    assert not is_alive(process.pid)


def test_a_node_s_pid_file_naming_a_live_process_outside_its_namespace_is_no_holder(tmp_path):
    """A pid file left by a sandbox that went down, its pid since given to another process (this
    one, on the host's network): the node is not running, and nothing enters that process."""
    from agility.core.errors import AgilityError
    from agility.sandbox.node import NamespaceNode

    node = NamespaceNode(name="edge", address="198.19.0.12", root=tmp_path, netns="agility-gone-edge")
    node.holder_pid_file.parent.mkdir(parents=True)
    node.holder_pid_file.write_text(str(os.getpid()))
    assert is_alive(os.getpid()) and not node.holder_alive()
    with pytest.raises(AgilityError, match="node edge is not running"):
        node.wrap(["true"])
