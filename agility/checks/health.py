"""Is each service healthy? Answered by a real request from this host through the bastion."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from agility.checks import yarn_queues
from agility.clients.services import Clients
from agility.reach.ssh import ClusterShell


@dataclass
class Health:
    service: str
    ok: bool
    detail: str
    seconds: float


def _check(service: str, probe: Callable[[], str]) -> Health:
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as error:  # noqa: BLE001 - a failed probe is a health result, not a crash
        detail, ok = f"{type(error).__name__}: {error}".splitlines()[0][:200], False
    return Health(service, ok, detail, time.monotonic() - started)


def kafka(clients: Clients) -> str:
    admin = clients.kafka_admin()
    try:
        brokers = admin.describe_cluster()["brokers"]
    finally:
        admin.close()
    return f"metadata: {len(brokers)} broker(s)"


def cassandra(clients: Clients) -> str:
    session = clients.cassandra_session()
    try:
        version = session.execute("SELECT release_version FROM system.local").one().release_version
        peers = len(list(session.execute("SELECT peer FROM system.peers")))
    finally:
        session.cluster.shutdown()
    return f"release_version {version}, {peers + 1} node(s)"


def mysql(clients: Clients) -> str:
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1, VERSION()")
            one, version = cursor.fetchone()
    finally:
        connection.close()
    return f"SELECT 1 → {one} ({version})"


def hdfs(clients: Clients) -> str:
    answer = clients.webhdfs_session().get(f"{clients.webhdfs_url()}/webhdfs/v1/?op=LISTSTATUS", timeout=10)
    answer.raise_for_status()
    entries = answer.json()["FileStatuses"]["FileStatus"]
    detail = f"LISTSTATUS / → {len(entries)} entries"
    if clients.profile.hdfs.get("namenode_web"):
        query = "qry=Hadoop:service=NameNode,name=FSNamesystemState"
        url = f"http://{clients.local(clients.profile.hdfs['namenode_web'])}/jmx?{query}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            state = json.load(answer)["beans"][0]
        detail += f", {state['NumLiveDataNodes']} live DataNode(s)"
    return detail


def spark(clients: Clients) -> str:
    if clients.profile.spark.get("master") == "yarn":
        return yarn(clients)
    state = clients.spark_master_state()
    alive = [worker for worker in state.get("workers", []) if worker.get("state") == "ALIVE"]
    if state.get("status") != "ALIVE":
        raise RuntimeError(f"master status {state.get('status')}")
    return f"master ALIVE, {len(alive)} worker(s) ALIVE"


def yarn(clients: Clients) -> str:
    info = yarn_queues.resourcemanager(clients, "info")["clusterInfo"]
    if info.get("state") != "STARTED":
        raise RuntimeError(f"ResourceManager state {info.get('state')}")
    metrics = yarn_queues.resourcemanager(clients, "metrics")["clusterMetrics"]
    return f"ResourceManager STARTED, {metrics.get('activeNodes', 0)} NodeManager(s) active"


def ssh(clients: Clients) -> str:
    with ClusterShell(clients.profile) as shell:
        for node in clients.profile.nodes:
            shell.run(node, ["true"], timeout=20)
    return f"`true` on {len(clients.profile.nodes)} node(s)"


PROBES = {"kafka": kafka, "cassandra": cassandra, "mysql": mysql, "hdfs": hdfs, "spark": spark, "ssh": ssh}


def check_all(clients: Clients) -> list[Health]:
    spark = clients.profile.spark
    probes = {**PROBES, **({"yarn": yarn} if spark.get("yarn_ui") else {})}  # YARN beside a standalone master
    return [_check(name, lambda probe=probe: probe(clients)) for name, probe in probes.items()]
