"""The JupyterHub act (`pytest -m jupyterhub --verbose`): the data scientist's login, the production
notebook run through the hub against the stores, and the prod area's borders."""

from pytest_bdd import scenarios

scenarios("jupyterhub.feature")
