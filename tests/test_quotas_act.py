"""The prod area's quotas on the event stream, MariaDB and Spark (`pytest -m quotas`), each proven
by exceeding it."""

from pytest_bdd import scenarios

scenarios("quotas.feature")
