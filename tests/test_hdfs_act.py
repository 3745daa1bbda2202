"""The HDFS act (`pytest -m hdfs --verbose`): the sink's files seen with `hdfs dfs` on the edge
node, then analysed by the pySpark job and checked against the producer's ledger."""

from pytest_bdd import scenarios

scenarios("hdfs.feature")
