"""Where agility keeps downloaded artifacts and sandbox state, and the checkout it runs in.

Artifacts and state live outside the repository and outside /root so that the per-node Linux
users of the sandbox can read the jars and the Python environment.
"""

import os
import tomllib
from pathlib import Path

CACHE_DIR = Path(os.environ.get("AGILITY_CACHE", "/var/cache/agility"))
STATE_DIR = Path(os.environ.get("AGILITY_STATE", "/var/lib/agility"))
ARTIFACTS_DIR = CACHE_DIR / "artifacts"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # agility/, above core/

# On the cluster's nodes: the venv the package is installed in (the jobs that run there, e.g. the
# Spark drivers on the edge node; a profile may name another as spark.python) and the JVM Spark uses.
NODE_PYTHON = "/opt/agility/venv/bin/python"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
# On the edge node, where packaged clients keep them: a YARN client's Hadoop configuration
# (YARN_CONF_DIR) and Spark's spark-defaults.conf for YARN (SPARK_CONF_DIR). The sandbox writes both.
YARN_CLIENT_CONF = "/etc/hadoop/conf"
SPARK_CLIENT_CONF = "/etc/spark/conf"


def is_checkout(folder: Path) -> bool:
    """A checkout of this project: a profiles/ folder next to a pyproject.toml naming agility."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return (folder / "profiles").is_dir() and project.get("name") == "agility"


def checkout_dir(start: Path | None = None) -> Path | None:
    """The checkout a command runs in: `start` (the working directory) or the first folder above it
    that is one. The copy installed in the venv (the `agility` command) lies in no checkout, so it
    must look where the user is, as `python -m agility.cli` run from the checkout does."""
    try:
        start = (start or Path.cwd()).resolve()
    except FileNotFoundError:  # the working directory was removed under us
        return None
    return next((folder for folder in (start, *start.parents) if is_checkout(folder)), None)


# the checkout of the working directory, else the one this package was imported from
REPO_DIR = checkout_dir() or PACKAGE_DIR.parent
