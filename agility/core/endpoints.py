"""Endpoints `host:port`, and where a cluster endpoint is forwarded to on this host.

An IPv4 address a.b.c.d is forwarded from 127.b.c.d on the same port, so each cluster node keeps a
distinct local address: Kafka brokers advertise exactly that address on their external listener,
and a Cassandra driver can map every node it discovers."""

from __future__ import annotations

import ipaddress


def local_address(remote_host: str) -> str:
    """Where a cluster address is forwarded to on this host."""
    try:
        address = ipaddress.ip_address(remote_host)
    except ValueError:
        # a host name: a stable loopback address derived from the name
        digest = sum(remote_host.encode()) % 250
        return f"127.0.200.{digest + 2}"
    octets = str(address).split(".")
    return ".".join(["127", *octets[1:]])


def split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def local_endpoint(endpoint: str) -> str:
    host, port = split(endpoint)
    return f"{local_address(host)}:{port}"
