"""Spark standalone: a master on the master node and a worker per agent, from pyspark's own
distribution (the pip package ships spark-class and the jars)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyspark

from agility.sandbox.jvm import JAVA_HOME
from agility.sandbox.node import Node
from agility.sandbox.service import Service

SPARK_HOME = Path(pyspark.__file__).parent
MASTER_PORT = 7077
MASTER_UI_PORT = 8080
WORKER_UI_PORT = 8081


class _SparkDaemon(Service):
    ready_timeout = 90.0
    user = "spark"

    def environment(self, node: Node) -> dict:
        settings = self.context.settings.get(self.name, {})
        return {
            **os.environ,
            "JAVA_HOME": str(JAVA_HOME),
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOCAL_IP": node.address,
            "SPARK_LOCAL_HOSTNAME": node.address,
            "SPARK_PUBLIC_DNS": node.address,
            "SPARK_DAEMON_MEMORY": settings.get("heap", "256m"),
            "SPARK_LOG_DIR": str(self.home(node) / "logs"),
            "SPARK_WORKER_DIR": str(self.home(node) / "work"),
            "SPARK_NO_DAEMONIZE": "1",
            "PYSPARK_PYTHON": sys.executable,
        }

    def master_url(self) -> str:
        master = self.context.nodes_running("spark-master")[0]
        return f"spark://{master.address}:{MASTER_PORT}"

    def master_state(self, node: Node) -> dict:
        master = self.context.nodes_running("spark-master")[0]
        done = node.run(["curl", "-sf", "--max-time", "5", f"http://{master.address}:{MASTER_UI_PORT}/json/"],
                        check=False, timeout=15)
        return json.loads(done.stdout) if done.returncode == 0 else {}


class SparkMaster(_SparkDaemon):
    name = "spark-master"

    def ports(self, node: Node) -> dict[str, int]:
        return {"spark": MASTER_PORT, "ui": MASTER_UI_PORT}

    def command(self, node: Node) -> list[str]:
        return [str(SPARK_HOME / "bin" / "spark-class"), "org.apache.spark.deploy.master.Master",
                "--host", node.address, "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI_PORT)]

    def is_ready(self, node: Node) -> bool:
        return self.master_state(node).get("status") == "ALIVE"

    def readiness(self, node: Node) -> str:
        return f"the master's JSON at http://{node.address}:{MASTER_UI_PORT}/json/ to say ALIVE"


class SparkWorker(_SparkDaemon):
    name = "spark-worker"

    def ports(self, node: Node) -> dict[str, int]:
        return {"ui": WORKER_UI_PORT}

    def command(self, node: Node) -> list[str]:
        settings = self.context.settings.get(self.name, {})
        return [str(SPARK_HOME / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker",
                "--host", node.address, "--webui-port", str(WORKER_UI_PORT),
                "--cores", str(settings.get("cores", 1)), "--memory", settings.get("memory", "1g"),
                "--work-dir", str(self.home(node) / "work"), self.master_url()]

    def cluster_ready(self) -> bool:
        state = self.master_state(self.nodes[0])
        alive = [worker for worker in state.get("workers", []) if worker.get("state") == "ALIVE"]
        return len(alive) >= len(self.nodes)

    def cluster_readiness(self) -> str:
        return f"{len(self.nodes)} ALIVE worker(s) registered with the master at {self.master_url()}"
