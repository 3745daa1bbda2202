"""The presenter's Kafka act (`pytest -k kafka --verbose`). Only the Kafka act lives in this
module: its name is part of what `-k kafka` matches."""

from pytest_bdd import scenarios

scenarios("kafka.feature")
