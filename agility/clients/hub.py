"""JupyterHub as its users and agility meet it: the login form (what a browser posts), the hub's
REST API (agility's own service token: start, watch and stop a user's server, make a user a
short-lived token), and a kernel on a user's server driven over its websocket, as JupyterLab
drives it. Everything goes through the hub's proxy, through the tunnel."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field

from agility.core.errors import AgilityError
from agility.core.waiting import wait_until

REFUSED_TEXT = "Invalid username or password"  # the hub's own login page, when PAM says no


@dataclass(frozen=True)
class Login:
    user: str
    status: int
    location: str  # where the hub sends the browser next
    cookies: tuple[str, ...]
    page: str  # the page the hub answered with (the refusal's text)
    seconds: float

    @property
    def let_in(self) -> bool:
        return self.status == 302 and any(name.startswith("jupyterhub-session-id") for name in self.cookies)

    @property
    def refusal(self) -> str | None:
        """The hub's own refusal, when it refused: its status and the message on its page."""
        if self.status == 403 and REFUSED_TEXT in self.page:
            return f"HTTP 403, “{REFUSED_TEXT}”"
        return None


@dataclass
class Cell:
    """What one execute_request gave: the kernel's reply, its printed text, its images (PNG)."""

    reply: str | None = None
    stdout: str = ""
    images: list[bytes] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


class Hub:
    def __init__(self, url: str, api_token: str | None = None):
        import requests
        from urllib3.util.retry import Retry

        self.url = url.rstrip("/")
        self.api = requests.Session()
        # a dropped connection is asked again for what may be asked twice (reads, stopping a server)
        retry = Retry(total=3, connect=3, read=2, status=0, backoff_factor=0.5, allowed_methods={"GET", "DELETE"})
        self.api.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))
        if api_token:
            self.api.headers["Authorization"] = f"token {api_token}"

    # --- the login form ---------------------------------------------------------------------
    def login(self, user: str, password: str) -> Login:
        """Post the login form as a browser does (with its _xsrf cookie), not following the redirect."""
        import requests

        browser = requests.Session()
        browser.get(f"{self.url}/hub/login", timeout=30).raise_for_status()
        started = time.monotonic()
        answer = browser.post(f"{self.url}/hub/login", timeout=60, allow_redirects=False,
                              data={"username": user, "password": password, "_xsrf": browser.cookies.get("_xsrf")})
        return Login(user, answer.status_code, answer.headers.get("Location", ""),
                     tuple(sorted(cookie.name for cookie in browser.cookies)), answer.text,
                     round(time.monotonic() - started, 2))

    # --- the REST API -------------------------------------------------------------------------
    def _call(self, method: str, path: str, expect: tuple[int, ...], **options):
        answer = self.api.request(method, f"{self.url}/hub/api{path}", timeout=90, **options)
        if answer.status_code not in expect:
            raise AgilityError(f"JupyterHub: {method} /hub/api{path} answered {answer.status_code}: "
                               f"{answer.text.strip()[:300]}")
        return answer.json() if answer.content else {}

    def user(self, name: str) -> dict | None:
        answer = self.api.get(f"{self.url}/hub/api/users/{name}", timeout=30)
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise AgilityError(f"JupyterHub: GET /hub/api/users/{name} answered {answer.status_code}")
        return answer.json()

    def server(self, name: str) -> dict | None:
        """The user's default server as the hub knows it (None: not running)."""
        model = self.user(name) or {}
        return (model.get("servers") or {}).get("")

    def start_server(self, name: str, timeout: float = 120.0) -> dict:
        """Start the user's server (the hub spawns it as the user) and wait until the hub says ready."""
        if not self.user(name):
            self._call("POST", f"/users/{name}", (201, 409))
        self._call("POST", f"/users/{name}/server", (201, 202, 400))  # 400: already running
        wait_until(lambda: (self.server(name) or {}).get("ready"), timeout=timeout,
                   what=f"{name}'s server to be ready", service="jupyterhub", interval=0.25)
        return self.server(name)

    def stop_server(self, name: str, timeout: float = 60.0) -> None:
        if self.server(name) is None:
            return
        self._call("DELETE", f"/users/{name}/server", (202, 204))
        wait_until(lambda: self.server(name) is None, timeout=timeout, what=f"{name}'s server to stop",
                   service="jupyterhub", interval=0.25)

    def user_token(self, name: str, seconds: int = 900) -> str:
        """A token of the user's, for their own server only, that expires."""
        made = self._call("POST", f"/users/{name}/tokens", (200, 201),
                          json={"note": "agility", "expires_in": seconds, "scopes": [f"access:servers!user={name}"]})
        return made["token"]

    def upload(self, name: str, filename: str, notebook: dict) -> str:
        """Put a notebook into the user's home through their server (as the user); its path there."""
        import requests

        headers = {"Authorization": f"token {self.user_token(name, 120)}"}
        answer = requests.put(f"{self.url}/user/{name}/api/contents/{filename}", headers=headers, timeout=60,
                              json={"type": "notebook", "format": "json", "content": notebook})
        if answer.status_code not in (200, 201):
            raise AgilityError(f"{name}'s server did not take {filename}: HTTP {answer.status_code} {answer.text[:200]}")
        return answer.json()["path"]

    def kernel(self, name: str, timeout: float = 60.0) -> Kernel:
        """A new kernel on the user's running server, reached through the proxy as the user."""
        return Kernel(self.url, name, self.user_token(name), timeout)


class Kernel:
    """A Python kernel on a user's server: started over the server's REST API, its cells executed
    over the kernel's websocket channels (the Jupyter messaging protocol)."""

    def __init__(self, url: str, user: str, token: str, timeout: float):
        import requests
        import websocket

        self.user, self.base = user, f"{url}/user/{user}/api/kernels"
        self.headers = {"Authorization": f"token {token}"}
        answer = requests.post(self.base, headers=self.headers, json={"name": "python3"}, timeout=timeout)
        if answer.status_code != 201:
            raise AgilityError(f"{user}'s server did not start a kernel: HTTP {answer.status_code} {answer.text[:200]}")
        self.id = answer.json()["id"]
        self.socket = websocket.create_connection(
            f"{self.base.replace('http://', 'ws://', 1)}/{self.id}/channels",
            header=[f"Authorization: token {token}"], timeout=timeout)
        self.session = uuid.uuid4().hex

    def execute(self, code: str, timeout: float = 300.0) -> Cell:
        """Run one cell; what it printed, drew and answered, once the kernel is idle again."""
        message_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": message_id, "username": self.user, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        cell, idle, started = Cell(), False, time.monotonic()
        deadline = started + timeout
        while not (idle and cell.reply):
            if time.monotonic() > deadline:
                raise AgilityError(f"a cell on {self.user}'s kernel did not finish within {timeout:.0f} s")
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != message_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                cell.stdout += content["text"]
            elif kind in ("display_data", "execute_result") and "image/png" in content.get("data", {}):
                cell.images.append(base64.b64decode(content["data"]["image/png"]))
            elif kind == "error":
                cell.error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                cell.reply = content["status"]
        cell.seconds = round(time.monotonic() - started, 2)
        return cell

    def close(self) -> None:
        import requests

        self.socket.close()
        requests.delete(f"{self.base}/{self.id}", headers=self.headers, timeout=30)
