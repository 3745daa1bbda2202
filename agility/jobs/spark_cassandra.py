"""PySpark on the area's stores: a Cassandra table through the spark-cassandra-connector, a MySQL
table through JDBC, each summed up the same way so that it can be checked against CQL or PyMySQL.

The job runs on a node inside the cluster (the edge node: the driver must reach the workers and
the stores), started over SSH by `run_on_edge`:

    python -m agility.jobs.spark_cassandra --master yarn \\
        cassandra --hosts 198.51.100.21 --port 9042 --keyspace dev --table orders  < credentials.json
    python -m agility.jobs.spark_cassandra --master ... jdbc --url jdbc:mariadb://198.51.100.11:3306/dev \\
        --table orders  < credentials.json

The account ({"user": ..., "password": ...}) comes on stdin, never on a command line. The jars
(connector, JDBC driver) come from a local folder that `agility sandbox fetch` filled from Maven
Central once: the job downloads nothing. It prints its summary as one JSON line; a failure is one
line on stderr, `spark_cassandra: wrong credentials for USER | no such table: <root cause>`,
instead of a Java stack trace (agility/clients/edge_jobs.py: how jobs on the edge node report).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

from agility.clients import edge_jobs
from agility.config.areas import check_dataset
from agility.core.errors import AgilityError
from agility.core.paths import ARTIFACTS_DIR
from agility.jobs.spark_limits import session_settings
from agility.reach.tunnel import split

MODULE = "agility.jobs.spark_cassandra"
JARS_DIR = ARTIFACTS_DIR / "spark-jars" / "lib"
CASSANDRA_FORMAT = "org.apache.spark.sql.cassandra"
JDBC_DRIVER = "org.mariadb.jdbc.Driver"
CREDENTIAL_WORDS = ("password are incorrect", "access denied", "bad credentials", "authenticationexception")
MISSING_WORDS = ("doesn't exist", "does not exist", "couldn't find", "unknown table")


# --- on the edge node ----------------------------------------------------------------------
def jars(folder: Path, spark_jars: Path) -> list[str]:
    """The cached jars, less those Spark already ships (scala-library, slf4j, ...): a second copy
    of a class Spark has loaded could only conflict with it."""
    shipped = {artifact(jar.name) for jar in spark_jars.glob("*.jar")}
    found = sorted(str(jar) for jar in folder.glob("*.jar") if artifact(jar.name) not in shipped)
    if not found:
        raise AgilityError(f"no jars in {folder}: run `agility sandbox fetch` (it caches them from Maven Central)")
    return found


def artifact(file_name: str) -> str:
    """`scala-library-2.12.19.jar` → `scala-library`."""
    return re.sub(r"-\d[\w.\-]*\.jar$", "", file_name)


def session(master: str, app: str, extra: dict[str, str], jars_dir: Path, resources: dict[str, str] | None = None):
    """`resources`: cores and executor memory within the area's cap (spark_limits.session_settings)."""
    edge_jobs.spark_driver_environment(master)
    import pyspark  # deferred: heavy, and only the job on the node needs it, not the host that starts it
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master).appName(app)
        .config("spark.jars", ",".join(jars(jars_dir, Path(pyspark.__file__).parent / "jars")))
        .config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
    )
    for key, value in {**(resources or session_settings(None, None, None)), **extra}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def connector_settings(args) -> dict[str, str]:
    """The connector's settings, in the application's configuration. Never the account: pyspark
    starts the driver JVM with every configuration entry on spark-submit's command line, which any
    user of the node can read (`ps`); the account goes with the read (credentials_options)."""
    return {
        "spark.cassandra.connection.host": args.hosts,
        "spark.cassandra.connection.port": str(args.port),
        "spark.cassandra.input.consistency.level": "QUORUM",  # as the sink writes
    }


def credentials_options(account: dict) -> dict[str, str]:
    """The account as options of the read itself: they travel through py4j's socket into the
    driver and inside the serialized tasks to the executors, never through a command line or an
    environment. The connector takes a read's options before the session's configuration."""
    return {"spark.cassandra.auth.username": account["user"], "spark.cassandra.auth.password": account["password"]}


def cassandra_frame(spark, args, account: dict):
    return (spark.read.format(CASSANDRA_FORMAT).options(keyspace=args.keyspace, table=args.table)
            .options(**credentials_options(account)).load())


def jdbc_frame(spark, args, account: dict):
    # the table name is a validated identifier ([a-z][a-z0-9_]*), backquoted for MariaDB
    return (spark.read.format("jdbc").option("driver", JDBC_DRIVER).option("url", args.url)
            .option("dbtable", f"`{args.table}`").option("user", account["user"])
            .option("password", account["password"]).option("connectTimeout", "15000").load())


def summarize(frame) -> dict:
    """What a CQL or SQL aggregate can check: rows, total amount and quantity, the ids' digest;
    and per region, which Spark can group by and CQL cannot (region is not the partition key)."""
    from pyspark.sql import functions as F  # deferred, as in session()

    totals = frame.agg(F.count(F.lit(1)).alias("rows"), F.sum("amount").alias("amount"),
                       F.sum("quantity").alias("quantity")).first()
    by_region = {row["region"]: row["orders"] for row in
                 frame.groupBy("region").agg(F.count(F.lit(1)).alias("orders")).collect()}
    ids = sorted(row["order_id"] for row in frame.select("order_id").collect())
    return {"rows": totals["rows"], "amount": plain(totals["amount"]), "quantity": int(totals["quantity"] or 0),
            "ids_sha256": digest(ids), "by_region": dict(sorted(by_region.items())),
            "partitions": frame.rdd.getNumPartitions()}


def scan(frame) -> dict:
    """Read every row and every column and throw them away (Spark's `noop` sink): a scan rate.
    A small job first, so that the executors are up before the clock starts; then two scans: the
    first pays for the connector's sessions and code generation in each executor, the second not."""
    frame.sparkSession.range(0, 1000, 1, 2).count()
    seconds = []
    for _ in range(2):
        started = time.monotonic()
        frame.write.format("noop").mode("overwrite").save()
        seconds.append(round(time.monotonic() - started, 3))
    return {"scan_seconds": seconds[1], "first_scan_seconds": seconds[0], "partitions": frame.rdd.getNumPartitions()}


def plain(value) -> str:
    """A decimal as plain text without trailing zeros: 12.30 and 12.3 read the same."""
    if value is None:
        return "0"
    text = format(Decimal(value).normalize(), "f")
    return text


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def root_cause(error: BaseException) -> str:
    """The innermost Java exception's one-line message (or Python's), not a stack trace."""
    java = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    message = ""
    try:
        while java is not None:
            message = f"{java.getClass().getSimpleName()}: {java.getMessage()}"
            java = java.getCause()
    except Exception:  # noqa: BLE001 - py4j gone: fall back to the Python text
        pass
    text = " ".join((message or str(error) or type(error).__name__).split())
    # the driver wraps the server's refusal in a list of every contact point's error: keep the refusal
    replied = re.search(r"(\w+Exception): Authentication error on node (\S+): server replied with '([^']*)'", text)
    if replied:
        text = f"{replied[1]} from {replied[2]}: {replied[3]}"
    return text[:600]


def failure(message: str, user: str) -> str:
    """The root cause, saying first what it means when it is a refusal of the account or a
    missing table."""
    lowered = message.lower()
    if any(word in lowered for word in CREDENTIAL_WORDS):
        return f"wrong credentials for {user}: {message}"
    if any(word in lowered for word in MISSING_WORDS):
        return f"no such table: {message}"
    return message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", required=True)
    parser.add_argument("--jars-dir", default=str(JARS_DIR))
    parser.add_argument("--scan", action="store_true", help="time a full scan instead of summing up")
    parser.add_argument("--area", help="the work area whose Spark cap applies (none: uncapped)")
    parser.add_argument("--profile", help="where the area's cap is declared (default: the default profile, if readable)")
    parser.add_argument("--cores", type=int, help="spark.cores.max (default 2, cut to the area's cap)")
    parser.add_argument("--memory", help="executor memory, e.g. 512m (default 512m, cut to the area's cap)")
    sources = parser.add_subparsers(dest="source", required=True)
    cassandra = sources.add_parser("cassandra")
    cassandra.add_argument("--hosts", required=True, help="the Cassandra nodes' addresses inside the cluster")
    cassandra.add_argument("--port", type=int, default=9042)
    cassandra.add_argument("--keyspace", required=True)
    cassandra.add_argument("--table", required=True)
    jdbc = sources.add_parser("jdbc")
    jdbc.add_argument("--url", required=True)
    jdbc.add_argument("--table", required=True)
    args = parser.parse_args(argv)
    account = edge_jobs.read_secrets()  # {"user": ..., "password": ...}: never on the command line
    edge_jobs.spark_kerberos_login(account.pop("kerberos", None))  # a cluster with Kerberos: YARN and HDFS
    started = time.monotonic()
    spark = None
    try:
        check_dataset(args.table)
        resources = session_settings(args.area, args.cores, args.memory, args.profile)  # refused above the cap
        cassandra = args.source == "cassandra"
        spark = session(args.master, f"agility-{args.source}-{'scan' if args.scan else 'summary'}",
                        connector_settings(args) if cassandra else {}, Path(args.jars_dir), resources)
        frame = cassandra_frame(spark, args, account) if cassandra else jdbc_frame(spark, args, account)
        result = scan(frame) if args.scan else summarize(frame)
        result.update(source=args.source, table=args.table, application_id=spark.sparkContext.applicationId,
                      seconds=round(time.monotonic() - started, 2))
        edge_jobs.print_result(result)
        return 0
    except Exception as error:  # noqa: BLE001 - every failure becomes one clear line for the host
        return edge_jobs.print_failure(edge_jobs.job_name(MODULE), failure(root_cause(error), account["user"]))
    finally:
        if spark is not None:
            spark.stop()


# --- on the host ---------------------------------------------------------------------------
def run_on_edge(shell, profile, source: str, area, dataset: str, account=None, scan_only: bool = False,
                timeout: float = 600) -> dict:
    """Run the job on the profile's edge node as the shell's user, reading the store as `account`
    (the area's own by default); the account goes over the SSH channel's stdin. Returns the job's summary; raises AgilityError with the root cause."""

    if source == "cassandra":
        account = account or profile.account("cassandra", area.name)
        endpoints = [split(endpoint) for endpoint in profile.cassandra["contact_points"]]
        target = ["cassandra", "--hosts", ",".join(host for host, _ in endpoints), "--port", str(endpoints[0][1]),
                  "--keyspace", area.keyspace, "--table", check_dataset(dataset)]
    elif source == "jdbc":
        account = account or profile.account("mysql", area.name)
        target = ["jdbc", "--url", f"jdbc:mysql://{profile.mysql['address']}/{area.database}?permitMysqlScheme",
                  "--table", check_dataset(dataset)]
    else:
        raise AgilityError(f"unknown Spark source '{source}': cassandra or jdbc")
    args = ["--master", profile.spark["master"], "--jars-dir", profile.spark.get("jars_dir", str(JARS_DIR)),
            "--area", area.name, "--profile", profile.name, *(["--scan"] if scan_only else []), *target]
    secrets = {"user": account.user, "password": account.password.reveal()}
    if kerberos := edge_jobs.kerberos_secret(profile, area.hdfs_account):  # Spark on YARN logs in as the area
        secrets["kerberos"] = kerberos
    return edge_jobs.run_module(shell, MODULE, args, what=f"the Spark {source} job ({target[-1]})", timeout=timeout,
                                secrets=secrets, node=profile.edge).checked()


def cql_summary(clients, area, dataset: str) -> dict:
    """CQL's own aggregate of the table (count and sums over the whole table), and its ids, paged."""
    table = f"{area.keyspace}.{check_dataset(dataset)}"
    session = clients.cassandra_session()
    try:
        session.default_timeout = 60
        totals = session.execute(f"SELECT count(*), sum(amount), sum(quantity) FROM {table}").one()
        statement = session.prepare(f"SELECT order_id FROM {table}")
        statement.fetch_size = 5000
        ids = sorted(row.order_id for row in session.execute(statement))
    finally:
        session.cluster.shutdown()
    return {"rows": totals[0], "amount": plain(totals[1]), "quantity": int(totals[2] or 0), "ids_sha256": digest(ids),
            "statement": f"SELECT count(*), sum(amount), sum(quantity) FROM {table}"}


def mysql_summary(clients, area, dataset: str) -> dict:
    """The same summary of the MySQL table, read with PyMySQL through the tunnel."""
    table = f"`{area.database}`.`{check_dataset(dataset)}`"
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), sum(amount), sum(quantity) FROM {table}")
            rows, amount, quantity = cursor.fetchone()
            cursor.execute(f"SELECT order_id FROM {table}")
            ids = sorted(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
    return {"rows": rows, "amount": plain(amount), "quantity": int(quantity or 0), "ids_sha256": digest(ids),
            "statement": f"SELECT count(*), sum(amount), sum(quantity) FROM {table}"}


COMPARED = ("rows", "amount", "quantity", "ids_sha256")


def differences(spark: dict, reference: dict) -> dict:
    """What Spark and the reference disagree on (empty when they agree)."""
    return {key: (spark.get(key), reference.get(key)) for key in COMPARED if spark.get(key) != reference.get(key)}


if __name__ == "__main__":
    sys.exit(main())
