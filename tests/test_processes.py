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


def test_a_pid_left_in_a_tunnel_s_file_and_given_to_another_process_is_no_tunnel():
    """What a killed tunnel's file names may since run something else: neither joined nor stopped."""
    from agility.core.published_tunnels import is_tunnel_process

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "tunnel"])
    try:
        assert is_alive(other.pid) and not is_tunnel_process(other.pid)
        assert not is_tunnel_process(os.getpid()) and not is_tunnel_process(None)
    finally:
        other.kill()
        other.wait()


def test_a_resource_whose_lock_is_held_is_not_orphaned():
    """The process starting a tunnel holds its lock; the tunnel it starts asks whether the same
    resource is orphaned: busy means in use, at once, not a wait on its own starter."""
    import uuid

    from agility.core.lease import SharedResource

    name = f"test-busy-{uuid.uuid4().hex[:8]}"
    starter = SharedResource(name)
    starter._write({"holders": [], "started_by_us": True})  # every user gone: orphaned, if nobody is at it
    try:
        assert SharedResource(name).orphaned()
        with starter.lock.acquire(timeout=5):
            assert not SharedResource(name).orphaned(patience=0.2)
    finally:
        starter.ledger.unlink(missing_ok=True)
        (starter.ledger.parent / f"{name}.lock").unlink(missing_ok=True)


def test_a_service_s_pid_file_naming_a_live_process_outside_its_node_is_no_instance(tmp_path):
    """A run killed outright leaves the services' pid files; their pids may since run other
    processes (this one): the instance is not running, so it is started again, and `down` does
    not signal a stranger."""
    from agility.sandbox.node import NamespaceNode
    from agility.sandbox.service import SandboxContext, Service

    node = NamespaceNode(name="agent-1", address="198.19.0.21", root=tmp_path, netns="agility-gone-agent-1")
    service = Service(SandboxContext(cluster="gone", state_dir=tmp_path, artifacts=tmp_path, nodes={"agent-1": node},
                                     work_areas={}), [node])
    service.pid_path(node).parent.mkdir(parents=True)
    service.pid_path(node).write_text(str(os.getpid()))
    assert is_alive(os.getpid()) and service.pid(node) is None
