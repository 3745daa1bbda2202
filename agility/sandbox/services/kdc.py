"""An MIT Kerberos KDC (Debian's krb5-kdc) for a cluster started with Kerberos.

It runs in the foreground (`krb5kdc -n`) as its own account on an unprivileged TCP port, with its
database in its home. The database is made on the first start: its master password is random,
given to `kdb5_util` on stdin and kept nowhere but in the stash file the KDC unlocks it with.
Once it serves, after_ready adds the principals the cluster needs (random keys) and exports their
keytabs for the daemons and accounts (kerberos.py).
"""

from __future__ import annotations

import os
import secrets

from agility.core.errors import AgilityError
from agility.sandbox import kerberos, service_users
from agility.sandbox.node import Node
from agility.sandbox.service import Service
from agility.sandbox.services import templates


class Kdc(Service):
    name = "kdc"
    user = "kdc"
    ready_timeout = 30.0

    @property
    def realm(self) -> kerberos.Realm:
        return self.context.settings["kerberos"]

    def ports(self, node: Node) -> dict[str, int]:
        return {"kdc": kerberos.KDC_PORT}

    def environment(self, node: Node) -> dict:
        return {**os.environ, "KRB5_CONFIG": str(kerberos.krb5_conf_path(self.context.state_dir)),
                "KRB5_KDC_PROFILE": str(self.home(node) / "kdc.conf")}

    def prepare(self, node: Node) -> None:
        home = self.home(node)
        shared = kerberos.write_krb5_conf(self.context.state_dir, self.realm)
        for each in self.context.nodes.values():  # as on a real cluster: `kinit` and Java find the realm
            (each.etc / "krb5.conf").write_text(shared.read_text())
            (each.etc / "krb5.conf").chmod(0o644)
        settings = templates.render("kerberos", "kdc.conf", address=node.address, port=kerberos.KDC_PORT,
                                    realm=self.realm.name, home=home)
        # where Debian's krb5-kdc has it, in the node's own /etc: `kadmin.local` on the node finds it
        (node.etc / "krb5kdc").mkdir(exist_ok=True)
        (node.etc / "krb5kdc").chmod(0o755)  # the package's is root's only: the KDC's account reads it
        for path in (home / "kdc.conf", node.etc / "krb5kdc" / "kdc.conf"):
            path.write_text(settings)
            path.chmod(0o644)
        (home / "kadm5.acl").write_text("")  # no remote administration: kadmin.local on this node only
        if not (home / "db" / "principal").exists():
            (home / "db").mkdir(mode=0o700, parents=True, exist_ok=True)
            password = secrets.token_urlsafe(24)
            node.run(["kdb5_util", "create", "-s", "-r", self.realm.name], input=f"{password}\n{password}\n",
                     env=self.environment(node), timeout=60)

    def command(self, node: Node) -> list[str]:
        return ["/usr/sbin/krb5kdc", "-n"]

    def readiness(self, node: Node) -> str:
        return f"the KDC of {self.realm.name} to listen on {node.address}:{kerberos.KDC_PORT}"

    def after_ready(self) -> None:
        """The principals of the HDFS daemons (per host, with HTTP/<host> for their web endpoints)
        and of the HDFS service accounts, and a keytab for each; re-runnable, and a key never
        changes once made."""
        node = self.nodes[0]
        store = kerberos.keytab_store(self.context.state_dir)
        store.mkdir(parents=True, exist_ok=True)
        store.chmod(0o700)
        wanted = self.keytabs()
        principals = sorted({principal for names in wanted.values() for principal in names})
        script = "".join(f"addprinc -randkey {principal}\n" for principal in principals)
        for path in wanted:
            path.unlink(missing_ok=True)  # ktadd appends: a fresh file holds each key once
        # -norandkey: HTTP/<host> goes into several keytabs, and exporting must not change its key
        script += "".join(f"ktadd -norandkey -k {path} {' '.join(names)}\n" for path, names in wanted.items())
        done = node.run(["kadmin.local"], input=script, env=self.environment(node), timeout=60, check=False)
        missing = [str(path) for path in wanted if not path.exists() or not path.stat().st_size]
        if missing:
            raise AgilityError(f"kdc: kadmin.local made no keytab {', '.join(missing)}: {done.stderr.strip()[-600:]}")
        for path in wanted:
            path.chmod(0o600)
        service_users.own(self.home(node), self.account(node))  # kadmin.local ran as root

    def keytabs(self) -> dict:
        """Keytab path → the principals it holds."""
        state, realm = self.context.state_dir, self.realm
        found = {}
        for service, short in kerberos.DAEMON_PRINCIPALS.items():
            for host in self.context.nodes_running(service):
                found[kerberos.daemon_keytab(state, service, host.hostname)] = [
                    realm.principal(short, host.hostname), realm.principal(kerberos.HTTP, host.hostname)]
        for user in self.accounts():
            found[kerberos.user_keytab(state, user)] = [realm.principal(user)]
        return found

    def accounts(self) -> list[str]:
        """The HDFS service accounts: the superuser and each hosted area's (the jobs write as it).
        People get theirs when provisioning makes them (provisioning/kerberos.py)."""
        return sorted({"hdfs", *(area.hdfs_account for area in self.context.work_areas.values())})
