"""The checks behind the demo, in the prod area."""

from pytest_bdd import scenarios

scenarios("pipeline.feature")
