"""A notebook's way into the platform, from a kernel on the hub's node: the person's work area,
its clients and a Spark session on YARN in the area's queue.

Provisioning leaves the person a profile of the cluster as its nodes see it in `~/.agility`
(profile.yaml, and secrets.yaml with the area's own service accounts; both readable by the
person only): the notebook works with its area's accounts, never an administrator's, and no
password is in the notebook, its environment or a command line.

    from agility.jobs import notebook
    work = notebook.open_workspace()
    spark = work.spark()
    work.mysql("SELECT COUNT(*) AS orders FROM orders")
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from agility.clients.services import Clients
from agility.config import profiles
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.jobs import analytics, spark_limits

PROFILE_FILE = Path.home() / ".agility" / "profile.yaml"


@dataclass
class Workspace:
    profile: Profile
    area: Area
    clients: Clients  # inside the cluster: every endpoint is used as it is

    def spark(self, app: str = "notebook"):
        """A Spark session on the cluster (YARN, the area's queue, within the area's cap), reading
        HDFS as the area's HDFS account."""
        args = argparse.Namespace(
            master=self.profile.spark["master"], hdfs=self.profile.hdfs["namenode"], dataset=app,
            hadoop_conf_dir=self.profile.hdfs.get("conf_dir"), hdfs_user=self.area.hdfs_account,
            resources=spark_limits.session_settings(self.area.name, None, None, self.profile.source),
            kerberos=False)  # the notebooks' Spark on a cluster with Kerberos: not yet (README)
        return analytics.spark_session(args)

    def orders(self, spark, dataset: str):
        """The dataset's orders on HDFS as the temporary views `raw_orders` (every record the sink
        wrote) and `orders` (each order once, with its amount and event hour)."""
        analytics.read_orders(spark, f"{self.profile.hdfs['namenode'].rstrip('/')}{self.area.hdfs_path(dataset)}")
        return spark.sql(analytics.ORDERS).createOrReplaceTempView("orders")

    def mysql(self, query: str, *parameters) -> list[dict]:
        """Rows of a query on the area's database, as the area's MySQL account."""
        connection = self.clients.mysql_connection(self.profile.account("mysql", self.area.name), self.area.database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, parameters or None)
                names = [column[0] for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()

    def hdfs(self):
        """WebHDFS (through HttpFS) as the area's HDFS account."""
        return self.clients.hdfs_client(user=self.area.hdfs_account)

    def cassandra(self, query: str, *parameters) -> list[dict]:
        """Rows of a CQL query in the area's keyspace, as the area's Cassandra account."""
        session = self.clients.cassandra_session(self.profile.account("cassandra", self.area.name), self.area.keyspace)
        try:
            return [row._asdict() for row in session.execute(query, parameters or None)]
        finally:
            session.cluster.shutdown()


def open_workspace(path: Path | str = PROFILE_FILE) -> Workspace:
    """The workspace provisioning prepared for the person running the kernel."""
    if not Path(path).exists():
        raise AgilityError(f"{path} does not exist: `agility provision users` writes it for the notebooks' users")
    profile = profiles.load(str(path))
    area = profile.area(profile.extra.get("notebook_area", ""))
    return Workspace(profile, area, Clients.inside(profile))
