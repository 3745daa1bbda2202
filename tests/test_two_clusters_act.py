"""The closing acts, on two clusters at once (`pytest -m "linked_clusters or failure" --verbose`):
the operator's clusters named, listed, attached and linked; then instances of the pure-production
cluster killed under load. One module, so the production cluster it starts is stopped after it."""

from pytest_bdd import scenarios

scenarios("linked_clusters.feature")
scenarios("failure.feature")
