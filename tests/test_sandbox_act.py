"""The sandbox act: every service answers a round trip through the bastion."""

from pytest_bdd import scenarios

scenarios("sandbox.feature")
