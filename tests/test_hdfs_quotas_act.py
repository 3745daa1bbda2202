"""The prod area's HDFS quotas (`pytest -m quotas`): namespace and space, each proven by exceeding it."""

from pytest_bdd import scenarios

scenarios("hdfs_quotas.feature")
