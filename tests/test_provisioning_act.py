"""The provisioning act: users on every node, verified with testinfra; idempotent provisioning."""

from pytest_bdd import scenarios

scenarios("provisioning.feature")
