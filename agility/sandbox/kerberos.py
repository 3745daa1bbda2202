"""Kerberos for a sandbox cluster: its realm, the krb5.conf its nodes and JVMs read, and which
principals and keytabs its HDFS daemons and accounts get.

A cluster started with Kerberos (`agility sandbox up --kerberos`, or `kerberos: true` in
clusters.yaml) runs an MIT KDC on its NameNode's node. Principals use the nodes' own host names
(`nn/master@REALM`), which every node's /etc/hosts maps to its address both ways, so Hadoop's
`_HOST` resolves to the name in the keytab. Keys are random (`addprinc -randkey`): no password is
ever typed, and the keytabs are the only way to a ticket.

Where the files are: `kerberos/krb5.conf` in the cluster's state folder (mode 644, every node user
reads it); the keytabs as the KDC exported them in `kerberos/keytabs` (root only); each daemon's
own copy in its home (its account only, mode 400).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agility.sandbox.services import templates

KDC_PORT = 1088  # not 88: the KDC runs as its own unprivileged account
CLOCK_SKEW_S = 10  # how far a ticket's times may be off: the nodes share this machine's clock
# Each Hadoop daemon's principal name (the part before the /host) and Linux account
DAEMON_PRINCIPALS = {"namenode": "nn", "datanode": "dn", "httpfs": "httpfs", "resourcemanager": "rm", "nodemanager": "nm"}
HTTP = "HTTP"  # SPNEGO's service name: every web endpoint's principal is HTTP/<host>


@dataclass(frozen=True)
class Realm:
    name: str
    kdc: str  # host:port of the KDC, as the cluster's nodes reach it
    hosts: tuple[str, ...]  # the cluster's node names: each maps to this realm

    def principal(self, user: str, host: str | None = None) -> str:
        return f"{user}/{host}@{self.name}" if host else f"{user}@{self.name}"


def realm_name(cluster: str) -> str:
    return f"{cluster.upper().replace('-', '_')}.AGILITY"


def folder(state_dir: Path) -> Path:
    return state_dir / "kerberos"


def krb5_conf_path(state_dir: Path) -> Path:
    return folder(state_dir) / "krb5.conf"


def keytab_store(state_dir: Path) -> Path:
    return folder(state_dir) / "keytabs"


def user_keytab(state_dir: Path, user: str) -> Path:
    """The keytab of an account (a user principal) as the KDC exported it: root only."""
    return keytab_store(state_dir) / f"user-{user}.keytab"


def daemon_keytab(state_dir: Path, service: str, host: str) -> Path:
    return keytab_store(state_dir) / f"{service}-{host}.keytab"


def krb5_conf(realm: Realm, kdc: str | None = None) -> str:
    """The client settings for `realm`, its KDC at `kdc` (default: the cluster's own address)."""
    mapping = "".join(f"    {host} = {realm.name}\n" for host in realm.hosts)
    return templates.render("kerberos", "krb5.conf", realm=realm.name, kdc=kdc or realm.kdc, hosts=mapping,
                            clockskew=CLOCK_SKEW_S)


def write_krb5_conf(state_dir: Path, realm: Realm) -> Path:
    path = krb5_conf_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    path.write_text(krb5_conf(realm))
    path.chmod(0o644)
    return path


def install(source: Path, target: Path, uid: int, gid: int) -> None:
    """A copy of the keytab `source` at `target`, readable by its owner only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(descriptor, "wb") as out, open(source, "rb") as keytab:
        shutil.copyfileobj(keytab, out)
    os.chown(target, uid, gid)
