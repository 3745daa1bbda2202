"""Kerberos principals and keytabs for the people of a cluster whose HDFS uses Kerberos.

Each HDFS developer (a user in `hdfs-developers`) gets a principal of their own name with a random
key, made with `kadmin.local` on the KDC's node as the KDC's account (the profile's
`hdfs.kerberos.admin`), and that key in a keytab in their home on the edge node, `~/<name>.keytab`,
readable by them only: `kinit -kt ~/<name>.keytab <name>` gets them a ticket. The keytab goes from
the KDC's node to the edge through this process's SSH sessions, never through a file elsewhere,
a command line or a log. A removed developer's principal is deleted.
"""

from __future__ import annotations

import shlex

from agility.clients.kerberos_login import KerberosSettings
from agility.core.errors import AgilityError
from agility.provisioning.linux import LinuxUser
from agility.provisioning.plan import Action, Plan
from agility.provisioning.target import Target

HDFS_DEVELOPERS = "hdfs-developers"

# As the KDC's account, in its home: the principal's key into a keytab that only that account
# reads, printed in base64 and removed. -norandkey: exporting does not change the key.
EXPORT_KEYTAB = """set -e
umask 077
cd
kadmin.local -q "ktadd -norandkey -k $HOME/.agility-export.keytab $1" >/dev/null
base64 -w0 .agility-export.keytab
rm -f .agility-export.keytab
"""

# As the user, in their home: a link planted at the keytab's name is refused, not followed.
INSTALL_KEYTAB = """set -e
umask 077
cd
if [ -L "$1" ]; then echo "refusing to write through the link $HOME/$1 → $(readlink "$1")" >&2; exit 3; fi
base64 -d > ".$1.agility"
chmod 400 ".$1.agility"
mv -f ".$1.agility" "$1"
"""

# For each user: whether their keytab is there, theirs and theirs only (N: no such user).
READ_KEYTABS = r"""
for user in "$@"; do
  if getent passwd "$user" >/dev/null; then
    printf '%s\t%s\n' "$user" "$(sudo -n -H -u "$user" sh -c 'stat -c "%U %a %s" "$HOME/$1.keytab" 2>/dev/null' sh "$user")"
  else
    printf '%s\tN\n' "$user"
  fi
done
"""


def hdfs_people(users: list[LinuxUser]) -> list[LinuxUser]:
    return [user for user in users if HDFS_DEVELOPERS in user.groups]


def keytab_name(user: str) -> str:
    return f"{user}.keytab"


def plan_people(target: Target, users: list[LinuxUser]) -> list[Action]:
    """Each HDFS developer's principal, and their keytab on the edge node."""
    settings = KerberosSettings.of(target.profile.hdfs)
    people = hdfs_people(users)
    if settings is None or not people:
        return []
    admin = settings.admin
    known = set(kadmin(target, settings, "listprincs").split())
    keytabs = keytabs_on_edge(target, [user.name for user in people])
    plan = Plan()
    for user in people:
        principal = settings.principal(user.name)
        if principal not in known:
            plan.add(f"kerberos {settings.realm}", f"create principal {principal} (random key) on {admin['node']}",
                     lambda principal=principal: kadmin(target, settings, f"addprinc -randkey {principal}"))
        if principal not in known or keytabs.get(user.name) != user.name + " 400":
            plan.add(f"node {target.profile.edge}", f"keytab of {principal} in ~{user.name}/{keytab_name(user.name)}, mode 400",
                     lambda user=user, principal=principal: install_keytab(target, settings, user.name, principal))
    return plan.actions


def plan_removal(target: Target, name: str) -> list[Action]:
    settings = KerberosSettings.of(target.profile.hdfs)
    if settings is None:
        return []
    principal = settings.principal(name)
    if principal not in kadmin(target, settings, "listprincs").split():
        return []
    return [Action(f"kerberos {settings.realm}", f"delete principal {principal}",
                   lambda: kadmin(target, settings, f"delprinc -force {principal}"))]


def kadmin(target: Target, settings: KerberosSettings, query: str) -> str:
    admin = settings.admin
    done = target.shell.run(admin["node"], ["sudo", "-n", "-H", "-u", admin["user"], "kadmin.local", "-q", query],
                            check=False)
    if not done.ok or "error" in done.stderr.lower():
        raise AgilityError(f"kerberos: `kadmin.local -q {shlex.quote(query)}` on {admin['node']}: "
                           f"{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def keytabs_on_edge(target: Target, names: list[str]) -> dict[str, str]:
    """user → "<owner> <mode>" of their keytab on the edge ("" when there is none)."""
    done = target.shell.run(target.profile.edge, ["sh", "-c", READ_KEYTABS, "read-keytabs", *names])
    found = {}
    for line in done.stdout.splitlines():
        user, _, state = line.partition("\t")
        owner_mode = " ".join(state.split()[:2])
        found[user] = owner_mode if owner_mode != "N" else ""
    return found


def install_keytab(target: Target, settings: KerberosSettings, user: str, principal: str) -> None:
    admin = settings.admin
    exported = target.shell.run(admin["node"], ["sudo", "-n", "-H", "-u", admin["user"], "sh", "-c", EXPORT_KEYTAB,
                                                "export-keytab", principal], check=False)
    if not exported.ok or not exported.stdout.strip():
        raise AgilityError(f"kerberos: the keytab of {principal} was not exported on {admin['node']}: {exported.stderr.strip()}")
    done = target.shell.run(target.profile.edge, ["sudo", "-n", "-H", "-u", user, "sh", "-c", INSTALL_KEYTAB,
                                                  "install-keytab", keytab_name(user)],
                            input=exported.stdout.strip() + "\n", check=False)
    if not done.ok:
        raise AgilityError(f"node {target.profile.edge}: the keytab of {user} was not written: {done.stderr.strip()}")
