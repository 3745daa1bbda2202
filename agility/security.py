"""Checks of the cluster's door: what the bastion refuses, and what the host cannot reach."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import paramiko

from agility.profiles import Profile


def password_login_refusal(profile: Profile, user: str, password: str = "not-the-password") -> str | None:
    """Try a password login on the bastion; None if it was accepted (it must not be), else why not."""
    return _login_refusal(profile, user, password=password)


def login_refusal(profile: Profile, user: str, key: str) -> str | None:
    """Try a key login as `user` on the bastion; None if accepted, else why not."""
    return _login_refusal(profile, user, key_filename=os.path.expanduser(key))


def _login_refusal(profile: Profile, user: str, **credentials) -> str | None:
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(profile.bastion.host, port=profile.bastion.port, username=user, allow_agent=False,
                       look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15, **credentials)
    except paramiko.BadAuthenticationType as error:
        return f"only {', '.join(error.allowed_types)} authentication is allowed"
    except paramiko.AuthenticationException as error:
        return f"authentication refused ({error})"
    finally:
        client.close()
    return None


def direct_connection_refusal(endpoint: str, timeout: float = 3) -> str | None:
    """Connect straight from this host to a service inside the cluster, bypassing the bastion:
    None if that worked (it must not), else the error the host's network gave."""
    host, _, port = endpoint.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as error:
        return f"{type(error).__name__}: {error.strerror or error}"
    return None


def files_containing(secrets: list[str], roots: list[Path], limit_bytes: int = 5_000_000) -> list[str]:
    """Every file under `roots` (logs, reports) whose text contains one of the secrets."""
    needles = [secret.encode() for secret in secrets if len(secret) >= 8]
    found = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if not path.is_file() or path.stat().st_size > limit_bytes:
                continue
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path))
    return found


def cluster_passwords(profile: Profile) -> list[str]:
    """Every password the profile references, and every developer's generated one."""
    from agility.provisioning.developers import registry

    known = registry(profile)
    return [account.password.reveal() for service in ("kafka", "cassandra", "mysql")
            for account in getattr(profile, service)["accounts"].values()] + [
        known.account(name).password.reveal() for name in known.all()]
