"""The tunnel churn check's reading of what MariaDB says first (agility/checks/tunnel_churn.py)."""

import pytest

from agility.checks import tunnel_churn

pytestmark = pytest.mark.unit

# MariaDB 10.11's answer, byte for byte, to a client beyond max_connections (seen through the tunnel)
TOO_MANY = b"\x17\x00\x00\x00\xff\x10\x04Too many connections"


def test_an_error_packet_instead_of_a_greeting_reads_as_the_services_own_refusal():
    assert tunnel_churn.error_packet(TOO_MANY[5:]) == "1040 Too many connections"


def test_an_error_packet_with_a_sql_state_drops_the_marker_and_the_state():
    assert tunnel_churn.error_packet(b"\x10\x04#08004Too many connections") == "1040 Too many connections"
