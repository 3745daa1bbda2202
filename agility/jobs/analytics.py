"""Retail analytics over the orders on HDFS, in SparkSQL: what a data engineer shows off.

    python -m agility.jobs.analytics --area dev --dataset orders [--master spark://HOST:7077 | local[*] | yarn | k8s://...]
                                     [--hdfs hdfs://NAMENODE:8020] [--hdfs-user USER] [--output PATH]

Reads the hourly JSON-lines batches the HDFS sink wrote under `<area root>/<dataset>` (every
`date=…/hour=…` folder), and computes with SparkSQL and window functions:

1. revenue by region and hour — a PIVOT of hours × regions, each region's running revenue
   (SUM OVER … ROWS UNBOUNDED PRECEDING) and its RANK within the hour;
2. top customers — revenue RANK, and each one's favourite category (ROW_NUMBER per customer);
3. hour over hour — every region × hour from the first to the last (sequence + explode, LEFT
   JOIN, 0 where empty), LAG for the previous hour, the z-score of each hour within its region
   (AVG and STDDEV_POP OVER the region): |z| ≥ 2 is an anomaly;
4. basket pairs — products one customer bought within the same hour, the pairs found together
   most often, with their lift.

Duplicates (a record written twice) are dropped first with ROW_NUMBER over the order id. The
exact definitions are in agility/jobs/analytics_reference.py, which computes the same tables
from the producer's ledger. Prints readable tables, then its result as one JSON line;
writes each table back to HDFS as Parquet under `<area root>/_analytics/<dataset>/<table>`.

The master defaults to the profile's Spark master and the file system to its NameNode (when the
profile can be read here, e.g. on a sandbox node); the job itself runs on any Spark master. It
reads and writes HDFS as the area's HDFS account (`--hdfs-user`, default the area's
`hdfs_account`, the owner of the area's directory), by simple authentication: without Kerberos
HDFS takes the name it is given.
Exit status 2 with a one-line message when the dataset has no data on HDFS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal

from agility.clients import edge_jobs
from agility.config import areas, profiles
from agility.core.errors import AgilityError
from agility.jobs import spark_limits

MODULE = "agility.jobs.analytics"
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
TOP = 10
ANOMALY_Z = 2.0

SCHEMA = ("order_id STRING, customer_id STRING, customer_name STRING, product STRING, category STRING, "
          "region STRING, quantity INT, unit_price DECIMAL(10,2), currency STRING, ts STRING, "
          "kafka_partition INT, kafka_offset BIGINT")

# One order once, its exact amount and its UTC event hour (the session time zone is UTC).
ORDERS = """
SELECT order_id, customer_id, customer_name, product, category, region, quantity, unit_price,
       CAST(quantity * unit_price AS DECIMAL(18,2)) AS amount,
       date_trunc('HOUR', CAST(ts AS TIMESTAMP))   AS event_hour
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY kafka_partition, kafka_offset DESC) AS copy
      FROM raw_orders)
WHERE copy = 1
"""

REVENUE_BY_REGION_HOUR = """
WITH cells AS (
  SELECT region, event_hour, COUNT(*) AS orders, SUM(amount) AS revenue
  FROM orders GROUP BY region, event_hour)
SELECT region, date_format(event_hour, 'yyyy-MM-dd HH:00') AS hour, orders, revenue,
       SUM(revenue) OVER (PARTITION BY region ORDER BY event_hour
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_revenue,
       RANK() OVER (PARTITION BY event_hour ORDER BY revenue DESC) AS rank_in_hour
FROM cells
ORDER BY hour, region
"""

TOP_CUSTOMERS = f"""
WITH spend AS (
  SELECT customer_id, customer_name, COUNT(*) AS orders, SUM(amount) AS revenue
  FROM orders GROUP BY customer_id, customer_name),
favourite AS (
  SELECT customer_id, category AS favourite_category FROM (
    SELECT customer_id, category,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY SUM(amount) DESC, category) AS n
    FROM orders GROUP BY customer_id, category)
  WHERE n = 1),
ranked AS (
  SELECT RANK() OVER (ORDER BY revenue DESC) AS rank,
         ROW_NUMBER() OVER (ORDER BY revenue DESC, s.customer_id) AS position,
         s.customer_id, customer_name, orders, revenue, favourite_category
  FROM spend s JOIN favourite f ON f.customer_id = s.customer_id)
SELECT rank, customer_id, customer_name, orders, revenue, favourite_category
FROM ranked WHERE position <= {TOP} ORDER BY position
"""

HOUR_OVER_HOUR = """
WITH hours AS (
  SELECT explode(sequence(MIN(event_hour), MAX(event_hour), INTERVAL 1 HOUR)) AS event_hour FROM orders),
grid AS (
  SELECT r.region, h.event_hour FROM (SELECT DISTINCT region FROM orders) r CROSS JOIN hours h),
cells AS (
  SELECT g.region, g.event_hour, COUNT(o.order_id) AS orders, COALESCE(SUM(o.amount), 0) AS revenue
  FROM grid g LEFT JOIN orders o ON o.region = g.region AND o.event_hour = g.event_hour
  GROUP BY g.region, g.event_hour)
SELECT region, date_format(event_hour, 'yyyy-MM-dd HH:00') AS hour, orders, revenue,
       LAG(revenue) OVER (PARTITION BY region ORDER BY event_hour) AS previous_revenue,
       (CAST(revenue AS DOUBLE) - AVG(CAST(revenue AS DOUBLE)) OVER (PARTITION BY region))
         / STDDEV_POP(CAST(revenue AS DOUBLE)) OVER (PARTITION BY region) AS z_score
FROM cells
ORDER BY region, hour
"""

BASKET_PAIRS = f"""
WITH baskets AS (SELECT DISTINCT customer_id, event_hour, product FROM orders),
basket_count AS (SELECT COUNT(*) AS total FROM (SELECT DISTINCT customer_id, event_hour FROM baskets)),
with_product AS (SELECT product, COUNT(*) AS baskets FROM baskets GROUP BY product),
pairs AS (
  SELECT a.product AS product_a, b.product AS product_b,
         COUNT(*) AS baskets, COUNT(DISTINCT a.customer_id) AS customers
  FROM baskets a JOIN baskets b
    ON a.customer_id = b.customer_id AND a.event_hour = b.event_hour AND a.product < b.product
  GROUP BY a.product, b.product)
SELECT product_a, product_b, p.baskets, customers,
       CAST(p.baskets * t.total AS DOUBLE) / CAST(pa.baskets * pb.baskets AS DOUBLE) AS lift
FROM pairs p CROSS JOIN basket_count t
  JOIN with_product pa ON pa.product = p.product_a
  JOIN with_product pb ON pb.product = p.product_b
ORDER BY p.baskets DESC, product_a, product_b
LIMIT {TOP}
"""

TABLES = {
    "revenue_by_region_hour": REVENUE_BY_REGION_HOUR,
    "top_customers": TOP_CUSTOMERS,
    "hour_over_hour": HOUR_OVER_HOUR,
    "basket_pairs": BASKET_PAIRS,
}


class NoData(Exception):
    """The dataset has nothing to analyse on HDFS (a clear one-line message, exit status 2)."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # the area's Spark cap, checked before any session starts (agility/jobs/spark_limits.py)
        args.resources = spark_limits.session_settings(args.area, args.cores, args.memory, args.profile)
        result = analyse(args)
    except (NoData, AgilityError) as error:
        return edge_jobs.print_failure(edge_jobs.job_name(MODULE), error)
    edge_jobs.print_result(result, default=_json_value)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="sandbox", help="where --master, --hdfs and the areas default from")
    parser.add_argument("--area", default="dev")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--master", help="yarn, spark://HOST:7077, k8s://..., local[*] (default: the profile's)")
    parser.add_argument("--hdfs", help="the file system, hdfs://NAMENODE:PORT (default: the profile's NameNode)")
    parser.add_argument("--hdfs-user", help="HDFS user for simple authentication (default: the area's HDFS account)")
    parser.add_argument("--output", help="HDFS folder of the results (default <area root>/_analytics/<dataset>)")
    parser.add_argument("--cores", type=int, help="cores to take from the cluster at most (default 2, cut to the area's cap)")
    parser.add_argument("--memory", help="memory per executor, e.g. 512m (default 512m, cut to the area's cap)")
    parser.add_argument("--quiet", action="store_true", help="no tables, only the result line")
    parser.add_argument("--kerberos", action="store_true",
                        help="log in with the principal and keytab sent on stdin (a cluster with Kerberos)")
    args = parser.parse_args(argv)
    defaults, areas_override = _profile_defaults(args.profile)
    args.master = args.master or defaults.get("master")
    args.hdfs = args.hdfs or defaults.get("hdfs")
    args.hadoop_conf_dir = defaults.get("hadoop_conf_dir")
    if not args.master or not args.hdfs:
        parser.error(f"the profile {args.profile} cannot be read here: give --master and --hdfs")

    area = areas.get(args.area, areas_override)
    args.hdfs_user = args.hdfs_user or area.hdfs_account
    args.input = f"{args.hdfs.rstrip('/')}{area.hdfs_path(args.dataset)}"
    args.output = args.output or f"{args.hdfs.rstrip('/')}{area.hdfs_root}/_analytics/{args.dataset}"
    return args


def _profile_defaults(name: str) -> tuple[dict, dict | None]:

    try:
        profile = profiles.load(name)
    except (AgilityError, OSError):
        return {}, None
    return ({"master": profile.spark.get("master"), "hdfs": profile.hdfs.get("namenode"),
             "hadoop_conf_dir": profile.hdfs.get("conf_dir")}, profile.extra.get("areas"))


def spark_session(args):
    edge_jobs.spark_driver_environment(args.master)
    if args.hadoop_conf_dir:
        # the cluster's client settings (block size, replication): a write reserves block size x
        # replication against the area's space quota, so Hadoop's 128 MiB x 3 would not fit it
        os.environ.setdefault("HADOOP_CONF_DIR", args.hadoop_conf_dir)
    if args.hdfs_user:
        os.environ["HADOOP_USER_NAME"] = args.hdfs_user  # simple auth; Spark passes it to the executors
    if args.kerberos:  # the cluster uses Kerberos: log in as the account instead, from its keytab
        edge_jobs.spark_kerberos_login(edge_jobs.read_secrets().get("kerberos"))
    from pyspark.sql import SparkSession  # deferred: heavy, and the host that starts the job never needs it

    cores = int(args.resources["spark.cores.max"])
    builder = SparkSession.builder.master(args.master).appName(f"agility-analytics-{args.dataset}")
    for key, value in args.resources.items():  # cores and executor memory, within the area's cap
        builder = builder.config(key, value)
    if args.master != "yarn":
        # short-lived JVMs on small machines: the C1 compiler alone warms up faster. On YARN the client's
        # spark-defaults.conf says how the JVMs start (the sandbox's: so, and from a class-data archive).
        builder = builder.config("spark.driver.extraJavaOptions", QUICK_JVM).config("spark.executor.extraJavaOptions",
                                                                                     QUICK_JVM)
    spark = (
        builder.config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.hadoop.fs.defaultFS", args.hdfs)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def analyse(args) -> dict:
    started = time.monotonic()
    spark = spark_session(args)
    try:
        session_seconds = time.monotonic() - started
        began = time.monotonic()
        raw = read_orders(spark, args.input)
        files = len(raw.inputFiles())
        spark.sql(ORDERS).createOrReplaceTempView("orders")
        spark.catalog.cacheTable("orders")
        counts = spark.sql("SELECT (SELECT COUNT(*) FROM raw_orders) AS records, COUNT(*) AS orders FROM orders").first()
        # cached: collected here, then shown and written back without being computed again
        frames = {name: spark.sql(query).cache() for name, query in TABLES.items()}
        tables = {name: [list(row) for row in frame.collect()] for name, frame in frames.items()}
        analysis_seconds = time.monotonic() - began
        if not args.quiet:
            show(spark, args, counts, files, frames, tables)
        written = write_back(frames, tables, args.output)
        return {
            "input": args.input, "files": files, "records": counts["records"], "orders": counts["orders"],
            "duplicates_dropped": counts["records"] - counts["orders"], **tables, "written": written,
            "columns": {name: list(frame.columns) for name, frame in frames.items()},
            "master": spark.sparkContext.master, "application_id": spark.sparkContext.applicationId,
            "session_seconds": round(session_seconds, 2), "analysis_seconds": round(analysis_seconds, 2),
            "records_per_second": round(counts["records"] / analysis_seconds, 1) if analysis_seconds else None,
        }
    finally:
        spark.stop()


def read_orders(spark, path: str):
    """The dataset's JSON lines as the view `raw_orders`, or NoData saying why there are none."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    file_system = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not file_system.exists(hadoop_path):
        raise NoData(f"{path} does not exist: no HDFS sink has written this dataset (run sink_hdfs for it first)")
    raw = spark.read.schema(SCHEMA).option("mode", "FAILFAST").json(path)
    if not raw.inputFiles():
        raise NoData(f"{path} holds no batch files yet (run sink_hdfs for this dataset first)")
    raw.createOrReplaceTempView("raw_orders")
    return raw


def write_back(frames: dict, tables: dict, output: str) -> dict:
    """Each table as Parquet under `output` (from the cache: nothing is computed again)."""
    written = {}
    for name, frame in frames.items():
        path = f"{output}/{name}"
        frame.coalesce(1).write.mode("overwrite").parquet(path)
        written[name] = {"path": path, "rows": len(tables[name])}
    return written


# --- what a person reads ------------------------------------------------------------------------
def show(spark, args, counts, files: int, frames: dict, tables: dict) -> None:
    print(f"\n{args.input}: {files} files, {counts['records']} records, {counts['orders']} orders "
          f"({counts['records'] - counts['orders']} duplicates dropped) — Spark {spark.version} on {args.master}")
    regions = sorted({row[0] for row in tables["revenue_by_region_hour"]})
    frames["revenue_by_region_hour"].createOrReplaceTempView("revenue_by_region_hour")
    pivot = spark.sql(f"""
        SELECT * FROM (SELECT hour, region, revenue FROM revenue_by_region_hour)
        PIVOT (FIRST(revenue) FOR region IN ({', '.join(f"'{region}'" for region in regions)}))
        ORDER BY hour""")
    heading("1. Revenue (EUR) by event hour (UTC) and region — PIVOT")
    pivot.show(100, truncate=False)
    heading("   Each region's running revenue and rank within the hour (last hour)")
    last_hour = max(row[1] for row in tables["revenue_by_region_hour"])
    frames["revenue_by_region_hour"].where(f"hour = '{last_hour}'").orderBy("rank_in_hour").show(truncate=False)
    heading(f"2. Top {TOP} customers by revenue — RANK, favourite category by ROW_NUMBER")
    frames["top_customers"].show(TOP, truncate=False)
    heading(f"3. Hour over hour: the largest z-scores of hourly revenue within each region (|z| ≥ {ANOMALY_Z:g} is an anomaly)")
    frames["hour_over_hour"].selectExpr(
        "region", "hour", "orders", "revenue", "previous_revenue",
        "ROUND(revenue - previous_revenue, 2) AS change", "ROUND(z_score, 2) AS z",
        f"CASE WHEN ABS(z_score) >= {ANOMALY_Z} THEN 'ANOMALY' ELSE '' END AS flag",
    ).orderBy(spark_abs_desc("z_score")).show(8, truncate=False)
    heading(f"4. Basket pairs: products one customer ordered within the same hour, top {TOP}")
    frames["basket_pairs"].selectExpr("product_a", "product_b", "baskets", "customers", "ROUND(lift, 2) AS lift").show(
        TOP, truncate=False)


def spark_abs_desc(column: str):
    from pyspark.sql import functions  # deferred, as in spark_session()

    return functions.abs(functions.col(column)).desc_nulls_last()


def heading(text: str) -> None:
    print(f"\n{text}")


def _json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not JSON")


# --- run from the workstation: the job on the edge node, over SSH ----------------------------------
def run_on_edge(shell, profile, area, dataset: str, master: str | None = None, cores: int | None = None,
                quiet: bool = False, timeout: float = 900, memory: str | None = None) -> dict:
    """Run the job on the profile's edge node (driver there, executors on the cluster's workers)
    as the shell's user; its result, with the tables it printed under "printed". An AgilityError
    with the job's own one-line message when it fails, or when it asks for more than the area's
    Spark cap (the job refuses before it starts a session)."""
    args = ["--area", area.name, "--dataset", dataset,
            "--master", master or profile.spark["master"], "--hdfs", profile.hdfs["namenode"],
            "--hdfs-user", area.hdfs_account, "--profile", profile.name,
            *(["--cores", str(cores)] if cores is not None else []), *(["--memory", memory] if memory else []),
            "--output", f"{profile.hdfs['namenode']}{area.hdfs_root}/_analytics/{dataset}",
            *(["--quiet"] if quiet else [])]
    secret = edge_jobs.kerberos_secret(profile, area.hdfs_account)
    args += ["--kerberos"] if secret else []
    run = edge_jobs.run_module(shell, MODULE, args, what="the analytics job", timeout=timeout, node=profile.edge,
                               secrets={"kerberos": secret} if secret else None)
    return {**run.checked(), "printed": run.printed, "wall_seconds": run.seconds}


if __name__ == "__main__":
    sys.exit(main())
