"""The security act: what the bastion refuses and what never leaks."""

from pytest_bdd import scenarios

scenarios("security.feature")
