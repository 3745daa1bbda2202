"""What a Spark driver of the jobs does, in a few seconds and in local mode: run by spark-submit to
learn the classes Spark's JVMs load (spark_class_data.py). A local session runs the executors' side
too: tasks, shuffles, the Python workers' protocol. Writes only under the folder it is given."""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F


def main(scratch: str) -> None:
    spark = SparkSession.builder.appName("agility-class-training").getOrCreate()
    orders = spark.range(2000).select(
        F.col("id").alias("order_id"), (F.col("id") % 7).alias("region"), (F.col("id") * 1.5).alias("total"),
        F.concat(F.lit("c"), (F.col("id") % 50).cast("string")).alias("customer"), F.current_timestamp().alias("at"),
    )
    ranked = orders.withColumn("rank", F.rank().over(Window.partitionBy("region").orderBy(F.desc("total"))))
    summary = ranked.groupBy("region", F.window("at", "1 hour")).agg(F.sum("total"), F.count("*"), F.max("rank"))
    for fmt in ("json", "parquet", "csv"):
        summary.drop("window").write.mode("overwrite").format(fmt).save(f"{scratch}/{fmt}")
        spark.read.format(fmt).load(f"{scratch}/{fmt}").collect()
    orders.join(summary, "region").orderBy("order_id").limit(5).collect()
    spark.sparkContext.parallelize(range(10_000), 2).map(lambda n: n * n).sum()
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
