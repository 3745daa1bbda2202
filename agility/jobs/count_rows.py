"""The smallest real Spark job: count generated rows on a Spark master, report who counted.

    python -m agility.jobs.count_rows --master yarn --rows 100000 \\
        [--area prod] [--cores N] [--memory 512m] [--queue QUEUE] [--app-name NAME] [--python-rows N]
        [--hdfs-file PATH] [--kerberos]

Prints one JSON line: rows counted, partitions, the executors that ran, the application id.
With --python-rows the job also sums the squares of 0..N-1 in the executors' Python workers: CPU
work that keeps the executors busy for a while, whose exact answer is known (N(N-1)(2N-1)/6). With
--area the job is that area's and keeps to its Spark cap (agility/jobs/spark_limits.py): a request
above it is refused before the session starts (exit status 2, one line `count_rows: ...`). On YARN
it goes to the area's queue, or to --queue: without --area that is a developer's own session,
held by nothing but YARN's queue.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from agility.clients import edge_jobs
from agility.core.errors import AgilityError
from agility.jobs.spark_limits import session_settings

MODULE = "agility.jobs.count_rows"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]", help="any Spark master URL")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--area", help="the work area whose Spark cap applies (none: uncapped)")
    parser.add_argument("--cores", type=int, help="spark.cores.max (default 2, cut to the area's cap)")
    parser.add_argument("--memory", help="executor memory, e.g. 512m (default 512m, cut to the area's cap)")
    parser.add_argument("--queue", help="the YARN queue (default: the area's)")
    parser.add_argument("--app-name", default="agility-count-rows")
    parser.add_argument("--python-rows", type=int, default=0,
                        help="also sum the squares of this many numbers in the Python workers")
    parser.add_argument("--profile", help="where the area's cap is declared (default: the default profile, if readable)")
    parser.add_argument("--hdfs-file", help="also count the lines of this HDFS file (hdfs://... or a path)")
    parser.add_argument("--kerberos", action="store_true",
                        help="log in with the principal and keytab sent on stdin (a cluster with Kerberos)")
    args = parser.parse_args(argv)
    secret = edge_jobs.read_secrets().get("kerberos") if args.kerberos else None
    try:
        resources = session_settings(args.area, args.cores, args.memory, args.profile)
    except AgilityError as error:
        return edge_jobs.print_failure(edge_jobs.job_name(MODULE), error)
    if args.queue:
        resources["spark.yarn.queue"] = args.queue
    edge_jobs.spark_driver_environment(args.master)
    edge_jobs.spark_kerberos_login(secret)
    from pyspark.sql import SparkSession  # deferred: heavy, and a refused job never starts a session

    started = time.monotonic()
    builder = (
        SparkSession.builder.master(args.master).appName(args.app_name).config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
    )
    for key, value in resources.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frame = spark.range(0, args.rows, numPartitions=args.partitions)
        counted = frame.count()
        even = frame.filter("id % 2 = 0").count()
        square_sum = (spark.sparkContext.range(0, args.python_rows, numSlices=args.partitions)
                      .map(lambda number: number * number).sum()) if args.python_rows else None
        executors = sorted(
            {host for host in spark.sparkContext.parallelize(range(args.partitions), args.partitions)
             .map(lambda _: socket.gethostname()).collect()}
        )
        lines = spark.read.text(args.hdfs_file).count() if args.hdfs_file else None
        edge_jobs.print_result({
            "rows": counted, "hdfs_file": args.hdfs_file, "lines": lines,
            "user": spark.sparkContext.sparkUser(), "even": even, "python_rows": args.python_rows, "square_sum": square_sum,
            "partitions": frame.rdd.getNumPartitions(),
            "executor_hosts": executors, "master": spark.sparkContext.master,
            "application_id": spark.sparkContext.applicationId, "seconds": round(time.monotonic() - started, 2),
            "area": args.area, "requested": resources,
        })
    finally:
        spark.stop()
    return 0


def run_on_edge(shell, profile, area=None, cores: int | None = None, memory: str | None = None, rows: int = 100_000,
                app_name: str = "agility-count-rows", timeout: float = 300, master: str | None = None,
                node: str | None = None, python_rows: int = 0, partitions: int | None = None,
                hdfs_file: str | None = None) -> dict:
    """Run the job on `node` (default the profile's edge node) as the shell's user, as `area`'s
    job if given, on `master` (default the profile's); its result, or an AgilityError with the
    job's own one-line refusal or failure. On a cluster with Kerberos an area's job logs in as the
    area's HDFS account, with its principal and keytab."""
    secret = edge_jobs.kerberos_secret(profile, area.hdfs_account) if area is not None else None
    args = ["--master", master or profile.spark["master"], "--rows", str(rows), "--app-name", app_name,
            *(["--area", area.name, "--profile", profile.name] if area is not None else []),
            *(["--cores", str(cores)] if cores is not None else []), *(["--memory", memory] if memory else []),
            *(["--python-rows", str(python_rows)] if python_rows else []),
            *(["--partitions", str(partitions)] if partitions else []),
            *(["--hdfs-file", hdfs_file] if hdfs_file else []), *(["--kerberos"] if secret else [])]
    return edge_jobs.run_module(shell, MODULE, args, what=f"the Spark job {app_name}", timeout=timeout,
                                node=node or profile.edge, secrets={"kerberos": secret} if secret else None).checked()


if __name__ == "__main__":
    sys.exit(main())
