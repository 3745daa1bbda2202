"""YARN 3.4 from its Maven Central jars: a ResourceManager on the master, a NodeManager per agent.

The daemons are Hadoop daemons like HDFS's (hdfs.HadoopService: one configuration folder, a plain
JVM on `conf/:lib/*`), run as YARN's own account `yarn`, with their jars in their own artifact set
(poms/yarn). The CapacityScheduler has one queue per work area (areas.yaml: spark_queue and its
shares) and ACLs on: an area's queue takes submissions from the area's HDFS account and the area's
Linux group only (the ResourceManager looks groups up on its own node), the root queue from nobody.

Containers run as `yarn` (DefaultContainerExecutor): the LinuxContainerExecutor, which would run
them as the submitting user, needs a setuid-root native binary that Maven Central does not ship.
So YARN separates the areas' shares and who may submit where, not the areas' processes on a node.

The edge node gets a YARN client's configuration where a packaged client has it: Hadoop's in
/etc/hadoop/conf (yarn-site.xml, and core/hdfs-site.xml: Spark's staging folder is on HDFS),
Spark's in /etc/spark/conf (spark-defaults.conf: Spark on YARN from the virtualenv's pyspark).
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

from agility.config import areas
from agility.core import paths
from agility.core.errors import AgilityError
from agility.sandbox import jvm, spark_class_data
from agility.sandbox.node import Node
from agility.sandbox.services import hdfs, templates
from agility.sandbox.services.spark import SPARK_HOME

RM_CLIENT, RM_SCHEDULER, RM_TRACKER, RM_ADMIN, RM_HTTP = 8032, 8030, 8031, 8033, 8088
NM_LOCALIZER, NM_IPC, NM_HTTP = 8040, 8041, 8042
ADMIN = "yarn"  # the daemons' account, YARN's only administrator
# On the edge node, as a packaged Hadoop and Spark client have them (paths inside the node).
HADOOP_CLIENT_CONF = Path(paths.YARN_CLIENT_CONF)
SPARK_CLIENT_CONF = Path(paths.SPARK_CLIENT_CONF)
STAGING = "/tmp"  # Spark makes <this>/<user>/.sparkStaging/<application> on HDFS


def spark_defaults(shared: Path | None) -> str:
    """The edge node's spark-defaults.conf; `shared`: the class-data archive Spark's JVMs start from
    (spark_class_data.py), if any."""
    settings = spark_class_data.jvm_settings(shared)
    return Template(templates.text("yarn", "client/spark-defaults.conf")).substitute(
        spark_home=SPARK_HOME, staging=STAGING,
        jvm_settings="\n".join(f"{key:<31} {value}" for key, value in settings.items()))


def queue_settings(declared: dict[str, areas.Area]) -> str:
    """capacity-scheduler.xml: a queue per area with its shares and submit ACL. The capacities must
    add up to 100, else the ResourceManager would not start: say so here, in one line."""
    total = sum(area.queue_capacity for area in declared.values())
    if total != 100:
        shares = ", ".join(f"{name} {area.queue_capacity}" for name, area in declared.items())
        raise AgilityError(f"yarn: the areas' queue_capacity must add up to 100 (areas.yaml), not {total}: {shares}")
    fragments = [templates.render(
        "yarn", "capacity-queue.xml", queue=area.queue, capacity=area.queue_capacity,
        maximum=area.queue_maximum_capacity, user_limit_factor=user_limit_factor(area),
        submitters=f"{area.hdfs_account} {area.linux_group}",
    ) for area in declared.values()]
    # the fragments are XML already (their values escaped by render): put in as they are
    return Template(templates.text("yarn", "capacity-scheduler.xml")).substitute(
        queues=escape(",".join(area.queue for area in declared.values())), queue_properties="".join(fragments))


def user_limit_factor(area: areas.Area) -> int:
    """How many times its guaranteed share one user may take: enough to reach the queue's maximum."""
    return max(1, -(-area.queue_maximum_capacity // max(area.queue_capacity, 1)))


class YarnService(hdfs.HadoopService):
    """What the ResourceManager and NodeManagers share: Hadoop's configuration plus yarn-site.xml."""

    user = ADMIN
    # With Kerberos its RPC asks for tickets; its web UI and REST API stay open (the readiness
    # probes and the checks read them), as without Kerberos.
    spnego_web = False

    def resourcemanager(self) -> Node:
        found = self.context.nodes_running("resourcemanager")
        if not found:
            raise AgilityError(f"{self.name}: no node of cluster {self.context.cluster} runs the resourcemanager")
        return found[0]

    def classpath(self, node: Node) -> str:
        return jvm.classpath(self.conf_dir(node), self.context.artifacts / "yarn" / "lib" / "*")

    def node_resources(self) -> dict:
        """What each NodeManager offers: a scheduling budget, e.g. 2048 MB and 2 vcores."""
        settings = self.context.settings.get("nodemanager", {})
        return {"memory_mb": int(settings.get("memory_mb", 2048)), "vcores": int(settings.get("vcores", 2))}

    def extra_files(self, node: Node) -> dict[str, str]:
        site = templates.render(
            "yarn", "yarn-site.xml", resourcemanager=self.resourcemanager().address, resourcemanager_http=RM_HTTP,
            admin=ADMIN, address=node.address, nodemanager_ipc=NM_IPC, nodemanager_localizer=NM_LOCALIZER,
            nodemanager_http=NM_HTTP, home=self.home(node), **self.node_resources(),
            verbatim=self.kerberos_part("yarn-site.xml", node, service="yarn"),
        )
        return {"yarn-site.xml": site, "capacity-scheduler.xml": queue_settings(self.context.work_areas)}

    def environment(self, node: Node) -> dict:
        # containers inherit JAVA_HOME from the NodeManager (yarn.nodemanager.env-whitelist)
        return {**os.environ, "JAVA_HOME": str(jvm.JAVA_HOME)}

    def java_properties(self, node: Node) -> dict:
        return {**super().java_properties(node), "yarn.log.dir": self.home(node) / "logs"}

    def rest(self, path: str, timeout: float = 5.0) -> dict:
        """An answer of the ResourceManager's REST API (/ws/v1/cluster/...), asked inside the cluster."""
        rm = self.resourcemanager()
        return hdfs.http_json(rm, f"http://{rm.address}:{RM_HTTP}/ws/v1/cluster/{path}", timeout=timeout)


class ResourceManager(YarnService):
    name = "resourcemanager"
    main_class = "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager"
    webapps = ("cluster",)

    def resourcemanager(self) -> Node:
        return self.nodes[0]

    def ports(self, node: Node) -> dict[str, int]:
        return {"client": RM_CLIENT, "scheduler": RM_SCHEDULER, "tracker": RM_TRACKER, "admin": RM_ADMIN,
                "http": RM_HTTP}

    def is_ready(self, node: Node) -> bool:
        return super().is_ready(node) and self.rest("info")["clusterInfo"]["state"] == "STARTED"

    def readiness(self, node: Node) -> str:
        return f"{super().readiness(node)} and http://{node.address}:{RM_HTTP}/ws/v1/cluster/info to say STARTED"

    def after_ready(self) -> None:
        self.write_client_config()

    def write_client_config(self) -> None:
        """The edge node's YARN and Spark client configuration (world-readable, as in a package)."""
        edge = self.context.nodes[self.context.settings["edge"]]
        namenode = self.namenode()
        values = {"resourcemanager": self.resourcemanager().address, "resourcemanager_http": RM_HTTP}
        files = {
            HADOOP_CLIENT_CONF / "yarn-site.xml": templates.render("yarn", "client/yarn-site.xml", **values,
                                                                   verbatim=self.yarn_client_kerberos()),
            HADOOP_CLIENT_CONF / "core-site.xml": templates.render(
                "hadoop", "client/core-site.xml", default_fs=f"hdfs://{namenode.address}:{hdfs.NAMENODE_RPC}",
                verbatim=self.client_kerberos_part()),
            HADOOP_CLIENT_CONF / "hdfs-site.xml": templates.render("hadoop", "client/hdfs-site.xml",
                                                                   **self.client_settings()),
            HADOOP_CLIENT_CONF / "log4j.properties": templates.text("hadoop", "client/log4j.properties"),
            SPARK_CLIENT_CONF / "spark-defaults.conf": spark_defaults(spark_class_data.archive()),
        }
        for inside, text in files.items():
            path = edge.etc / inside.relative_to("/etc")
            path.parent.mkdir(parents=True, exist_ok=True)
            for folder in (path.parent, path.parent.parent):
                folder.chmod(0o755)
            path.write_text(text)
            path.chmod(0o644)

    def yarn_client_kerberos(self) -> dict[str, str]:
        realm = self.context.settings.get("kerberos")
        return {"kerberos": templates.render("yarn", "kerberos/client-site.xml", realm=realm.name) if realm else ""}

    def profile_section(self) -> dict:
        """For the profile's `spark:`: the UI (and REST API) and the edge's client folders."""
        return {"ui": self.endpoints()["http"][0], "yarn_conf_dir": str(HADOOP_CLIENT_CONF),
                "spark_conf_dir": str(SPARK_CLIENT_CONF)}


class NodeManager(YarnService):
    name = "nodemanager"
    main_class = "org.apache.hadoop.yarn.server.nodemanager.NodeManager"
    webapps = ("node",)

    def ports(self, node: Node) -> dict[str, int]:
        return {"ipc": NM_IPC, "localizer": NM_LOCALIZER, "http": NM_HTTP}

    def cluster_ready(self) -> bool:
        return self.rest("metrics")["clusterMetrics"]["activeNodes"] >= len(self.nodes)

    def cluster_readiness(self) -> str:
        rm = self.resourcemanager()
        return (f"the ResourceManager at {rm.address}:{RM_HTTP} to count {len(self.nodes)} active "
                "NodeManager(s) (/ws/v1/cluster/metrics activeNodes)")
