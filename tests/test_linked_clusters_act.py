"""The linked-clusters act (`pytest -m linked_clusters --verbose`): two clusters named, listed,
attached, linked one way, and one that cannot be reached shown as such."""

from pytest_bdd import scenarios

scenarios("linked_clusters.feature")
