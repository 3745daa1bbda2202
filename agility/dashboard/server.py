"""The dashboard's web server: this host's loopback only, a page and two JSON answers.

    GET /                      the page (page.html), which asks for the rest every second
    GET /api/clusters          the home cluster and the clusters its switch control lists
    GET /api/cluster/<name>    one of those clusters' state (404 for any other)
"""

from __future__ import annotations

import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

from agility.dashboard.state import Board

PAGE = Path(__file__).with_name("page.html")
LOOPBACK = "127.0.0.1"


def handler_for(board: Board) -> type[BaseHTTPRequestHandler]:
    page = PAGE.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            path = urlparse(self.path).path
            if path == "/":
                self.answer(200, page, "text/html; charset=utf-8")
            elif path == "/api/clusters":
                self.answer_json(200, board.overview())
            elif path.startswith("/api/cluster/"):
                found = board.cluster(unquote(path.removeprefix("/api/cluster/")))
                self.answer_json(200 if found else 404, found or {"error": "not a cluster this dashboard shows"})
            else:
                self.answer_json(404, {"error": f"no page {path}"})

        def answer_json(self, code: int, body: object) -> None:
            self.answer(code, json.dumps(body).encode(), "application/json")

        def answer(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # a request per second: not worth a line each
            pass

    return Handler


def serve(board: Board, port: int, ready=print) -> None:
    """Serve until interrupted (^C or SIGTERM); `ready(url)` once listening. The board is stopped on
    the way out: its bastion sessions closed, its tunnels left."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    server = ThreadingHTTPServer((LOOPBACK, port), handler_for(board))
    server.daemon_threads = True
    ready(f"http://{LOOPBACK}:{server.server_address[1]}/")
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        board.stop()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt
