"""The databases act (`pytest -m "mysql or cassandra" --verbose`): MySQL and Cassandra from the
developer's workstation, the query job, and PySpark on both stores."""

from pytest_bdd import scenarios

scenarios("databases.feature")
