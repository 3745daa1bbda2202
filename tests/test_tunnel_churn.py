"""A tunnel keeps its SSH session while clients connect to a forward and leave at once, as a
readiness probe or an impatient client does, where the service behind it speaks first. paramiko
(3.5) lets its transport thread write into a channel's pipe while the forward closes it; the error
ended the session, and every forward of the tunnel failed until it was back (CI: the Kerberos
act's first request through HttpFS, "Remote end closed connection without response").

What counts as lost is a connection that heard nothing from MariaDB. Its own refusal when the
churn outruns it (1040, too many connections: seen once in a gate, 1 of 132 waiting clients) came
through the tunnel, so the session held; it is counted and shown, not lost."""

from __future__ import annotations

import pytest

from agility.checks import tunnel_churn
from agility.reach import connect, tunnel

pytestmark = pytest.mark.pipeline

CHURN_S = 12  # before the guard: the session was lost every 3 s or so, on an idle sandbox
STORES = ("cassandra", "hdfs", "mysql", "spark")


def test_a_tunnel_keeps_its_session_while_clients_connect_and_leave_at_once(platform, sole_tunnels, narrate):
    user = platform.bastion.user
    log = tunnel.log_file(platform, user, STORES)
    with connect.forwards(platform) as forwards:
        said_before = log.stat().st_size if log.exists() else 0
        mysql = forwards[tunnel.service_endpoints(platform)["mysql"][0]]
        found = tunnel_churn.churn(mysql, CHURN_S)
        said = log.read_bytes()[said_before:].decode(errors="replace") if log.exists() else ""
    narrate(found.line())
    assert found.left > 100 and found.greeted > 10, found.line()
    assert found.lost == 0, found.line()
    assert "ended" not in said, f"the tunnel lost its SSH session:\n{said[-1500:]}"

