"""Where agility keeps downloaded artifacts and sandbox state.

Both live outside the repository and outside /root so that the per-node Linux users of the
sandbox can read the jars and the Python environment.
"""

import os
from pathlib import Path

CACHE_DIR = Path(os.environ.get("AGILITY_CACHE", "/var/cache/agility"))
STATE_DIR = Path(os.environ.get("AGILITY_STATE", "/var/lib/agility"))
ARTIFACTS_DIR = CACHE_DIR / "artifacts"
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
