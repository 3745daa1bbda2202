"""JupyterHub (PyPI `jupyterhub`, npm `configurable-http-proxy`) on the edge node, where the YARN
and Spark client settings are: the platform's notebooks.

Nothing of it runs as root. The hub runs as its own account `jupyterhub`, a member of `shadow` so
that PAM (pam_unix) can check the node's own users' passwords. It starts each user's server as that
user through SudoSpawner: the hub may sudo exactly one root-owned program (the mediator), only as
a member of the users' group (`notebook-users`). The mediator runs a root-owned wrapper beside it,
which turns the hub's `mem_limit` into an address-space limit and caps the user's processes
(prlimit; soft = hard). Both files live outside the hub's home, which belongs to the hub's account:
were they the hub's to edit, it could run anything as any of its users.

The public side is the proxy on the node's address (the bastion forwards to it); the proxy's API
and the hub listen on the node's loopback. Stopping the hub stops every user's server and the
proxy (cleanup_servers); the sandbox's teardown ends whatever else is left on the node.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from agility.core import paths
from agility.sandbox import service_users
from agility.sandbox.node import Node
from agility.sandbox.service import Service
from agility.sandbox.services import templates

PORT, PROXY_API_PORT, HUB_PORT = 8000, 8001, 8081
USERS_GROUP = "notebook-users"  # the Linux group whose members the hub lets in (operator.DEVELOPER_GROUPS)
VENV_BIN = Path(paths.NODE_PYTHON).parent
PROXY = paths.CACHE_DIR / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
SERVICE_TOKEN = "jupyterhub-api"  # the sandbox secret agility's API client uses (secrets_store)
DEFAULT_MEM_LIMIT = "4G"  # per process of a user's server: a Spark driver JVM maps its jars and buffers in it
NPROC = 1024  # the user's tasks (threads count): a kernel, its Spark driver JVM, the server


class JupyterHub(Service):
    name = "jupyterhub"
    user = "jupyterhub"
    ready_timeout = 90.0

    def ports(self, node: Node) -> dict[str, int]:
        return {"http": PORT}

    def bin_dir(self, node: Node) -> Path:
        """The root-owned folder of the mediator and the limits wrapper (not in the hub's home)."""
        return node.root / "jupyterhub-bin"

    def prepare(self, node: Node) -> None:
        home, bin_dir = self.home(node), self.bin_dir(node)
        service_users.add_to_group(node.etc, "shadow", self.user)
        bin_dir.mkdir(mode=0o755, exist_ok=True)
        os.chown(bin_dir, 0, 0)
        for name, text in (("sudospawner", templates.render("jupyterhub", "sudospawner", python=paths.NODE_PYTHON)),
                           ("sudospawner-singleuser", templates.render(
                               "jupyterhub", "sudospawner-singleuser", nproc=NPROC,
                               singleuser=VENV_BIN / "jupyterhub-singleuser"))):
            (bin_dir / name).write_text(text)
            os.chown(bin_dir / name, 0, 0)
            (bin_dir / name).chmod(0o755)
        # JupyterLab's platform-wide settings: no news or update checks (they would call out of the
        # cluster), every cell rendered (a notebook reads whole, also to a browser that checks it)
        lab_settings = VENV_BIN.parent / "share" / "jupyter" / "lab" / "settings"
        lab_settings.mkdir(parents=True, exist_ok=True)
        (lab_settings / "overrides.json").write_text(templates.text("jupyterhub", "overrides.json"))
        sudoers = node.etc / "sudoers.d" / "agility-jupyterhub"
        sudoers.write_text(templates.render("jupyterhub", "sudoers", users_group=USERS_GROUP, bin=bin_dir,
                                            hub_user=self.user))
        sudoers.chmod(0o440)
        token = home / "agility-service.token"
        token.touch(mode=0o600)
        token.write_text(self.context.secrets[SERVICE_TOKEN] + "\n")
        (home / "jupyterhub_config.py").write_text(templates.render(
            "jupyterhub", "jupyterhub_config.tmpl", address=node.address, port=PORT, proxy_api_port=PROXY_API_PORT,
            hub_port=HUB_PORT, proxy=PROXY, home=home, users_group=USERS_GROUP, bin=bin_dir,
            mem_limit=self.context.settings.get(self.name, {}).get("mem_limit", DEFAULT_MEM_LIMIT),
            java_home=paths.JAVA_HOME, yarn_conf=paths.YARN_CLIENT_CONF, spark_conf=paths.SPARK_CLIENT_CONF))

    def command(self, node: Node) -> list[str]:
        return [str(VENV_BIN / "jupyterhub"), "-f", str(self.home(node) / "jupyterhub_config.py")]

    def environment(self, node: Node) -> dict:
        # node (for the proxy) and sudo from the system; nothing of the caller's environment
        return {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

    def url(self, node: Node) -> str:
        return f"http://{node.address}:{PORT}"

    def is_ready(self, node: Node) -> bool:
        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{self.url(node)}/hub/api", timeout=3) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False

        return bool(node.call_in_network(answers))

    def readiness(self, node: Node) -> str:
        return f"GET {self.url(node)}/hub/api to answer 200 through the proxy"
