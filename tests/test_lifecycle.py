"""The sandbox's own promises: it leaves nothing behind, and every failure to start says which
service, where its log is and what was awaited. These start sandboxes and services of their own
(on 198.18.0.0/24 and on loopback), never touching the main sandbox."""

from __future__ import annotations

import socket
import subprocess

import pytest

from agility.errors import AgilityError, ServiceNotReady
from agility.paths import STATE_DIR
from agility.sandbox import cluster as cluster_module
from agility.sandbox.cluster import Sandbox
from agility.sandbox.node import LocalNode
from agility.sandbox.processes import is_alive
from agility.sandbox.service import SandboxContext
from agility.sandbox.services.mariadb import MariaDB

pytestmark = pytest.mark.lifecycle
MINIMAL = str(cluster_module.Path(__file__).parent / "topologies" / "minimal.yaml")


def test_down_leaves_no_process_namespace_link_or_mount_behind():
    sandbox = Sandbox(MINIMAL, cluster="lifecycle")
    lines: list[str] = []
    try:
        sandbox.up(lines.append)
        pids = [row.pid for row in sandbox.processes()]
        assert pids and all(is_alive(pid) for pid in pids)
        assert len(sandbox.network.existing_namespaces()) == 3  # switch + two nodes
    finally:
        sandbox.down(lines.append)
    assert not any(is_alive(pid) for pid in pids)
    assert sandbox.network.leftovers() == {"namespaces": [], "links": [], "routes": [], "mounts": []}
    leftover_processes = subprocess.run(["pgrep", "-f", str(STATE_DIR / "sandbox" / "lifecycle")],
                                        capture_output=True, text=True).stdout.split()
    assert leftover_processes == []


@pytest.fixture
def loopback_mariadb(tmp_path):
    node = LocalNode("loopback", root=tmp_path / "node", address="127.0.0.57")
    context = SandboxContext(cluster="t", state_dir=tmp_path, artifacts=tmp_path, nodes={"loopback": node},
                             secrets={"mariadb-admin": "x"})
    service = MariaDB(context, [node])
    yield service, node
    service.stop()


def test_a_port_already_taken_names_the_service_port_and_holder(loopback_mariadb):
    service, node = loopback_mariadb
    squatter = socket.socket()
    squatter.bind((node.address, 3306))
    squatter.listen()
    try:
        with pytest.raises(AgilityError) as error:
            service.start_on(node)
    finally:
        squatter.close()
    message = str(error.value)
    assert "mariadb@loopback" in message and "port 3306" in message and "already taken" in message
    assert str(service.log_path(node)) in message


def test_a_service_that_dies_while_starting_says_what_was_awaited(loopback_mariadb):
    service, node = loopback_mariadb
    service.prepare(node)
    service.prepare = lambda node: None  # keep the broken configuration written below
    config = service.defaults_file(node)
    config.write_text(config.read_text().replace("[client]", "no-such-option-at-all=1\n\n[client]"))
    service.start_on(node)
    with pytest.raises(ServiceNotReady) as error:
        service.wait_ready_on(node, timeout=60)
    message = str(error.value)
    assert "mariadb@loopback" in message and "its process exited" in message
    assert "SELECT 1 to answer on 127.0.0.57:3306" in message
    assert str(service.log_path(node)) in message and "no-such-option-at-all" in message


def test_a_missing_artifact_names_the_service_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(cluster_module, "ARTIFACTS_DIR", tmp_path)
    with pytest.raises(AgilityError) as error:
        Sandbox("small", cluster="lifecycle-artifacts").check_artifacts()
    message = str(error.value)
    assert "jars are missing" in message and str(tmp_path) in message and "agility sandbox fetch" in message
