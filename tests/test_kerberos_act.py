"""The Kerberos act (`pytest -m kerberos --verbose`): HDFS on a cluster that uses Kerberos (the
sandbox's `kerberized` cluster, or --kerberos-profile), with and without tickets."""

from pytest_bdd import scenarios

scenarios("kerberos.feature")
