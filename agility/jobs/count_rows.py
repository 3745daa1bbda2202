"""The smallest real Spark job: count generated rows on a Spark master, report who counted.

    python -m agility.jobs.count_rows --master spark://198.51.100.11:7077 --rows 100000

Prints one JSON line: rows counted, partitions, the executors that ran, the application id.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time

JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]", help="any Spark master URL")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    args = parser.parse_args(argv)
    os.environ.setdefault("JAVA_HOME", JAVA_HOME)
    os.environ.setdefault("SPARK_LOCAL_IP", socket.gethostbyname(socket.gethostname()))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    started = time.monotonic()
    spark = (
        SparkSession.builder.master(args.master).appName("agility-count-rows")
        .config("spark.driver.memory", "512m").config("spark.executor.memory", "512m")
        .config("spark.executor.cores", "1").config("spark.cores.max", "2")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frame = spark.range(0, args.rows, numPartitions=args.partitions)
        counted = frame.count()
        even = frame.filter("id % 2 = 0").count()
        executors = sorted(
            {host for host in spark.sparkContext.parallelize(range(args.partitions), args.partitions)
             .map(lambda _: socket.gethostname()).collect()}
        )
        print(json.dumps({
            "rows": counted, "even": even, "partitions": frame.rdd.getNumPartitions(),
            "executor_hosts": executors, "master": spark.sparkContext.master,
            "application_id": spark.sparkContext.applicationId, "seconds": round(time.monotonic() - started, 2),
        }))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
