"""Binds every feature file of the demo to pytest."""

from pytest_bdd import scenarios

scenarios("sandbox.feature")
