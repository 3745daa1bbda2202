"""Kerberos principals and keytabs for the people of a cluster whose HDFS uses Kerberos.

Each person provisioning makes a Linux user for gets a principal of their own name with a random
key, made with `kadmin.local` on the KDC's node as the KDC's account (the profile's
`hdfs.kerberos.admin`), and that key in a keytab in their home on the edge node, `~/<name>.keytab`,
readable by them only: `kinit -kt ~/<name>.keytab <name>` gets them a ticket. The keytab goes from
the KDC's node to the edge through this process's SSH sessions, never through a file elsewhere,
a command line or a log. A removed developer's principal is deleted.

An area's people also get the keytab of their area's HDFS account (`~/.agility/<account>.keytab`),
as they get its passwords: their jobs and `hdfs dfs` act as the area's account, which with simple
authentication took only its name (HADOOP_USER_NAME) and with Kerberos takes its key.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass
from pathlib import Path

from agility.clients.kerberos_login import KerberosSettings
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.provisioning.linux import LinuxUser
from agility.provisioning.plan import Action, Plan
from agility.reach.ssh import ClusterShell

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
folder=$(dirname "$1")
if [ -L "$folder" ] || [ -L "$1" ]; then echo "refusing to write through a link at $HOME/$1" >&2; exit 3; fi
mkdir -p "$folder"
base64 -d > "$1.writing"
chmod 400 "$1.writing"
mv -f "$1.writing" "$1"
"""

AREA_KEYTABS = ".agility"  # in the user's home, beside the area's other secrets

# For each user:account pair: the area account's keytab in the user's home (owner, mode; N: no user).
READ_AREA_KEYTABS = r"""
for pair in "$@"; do
  user=${pair%%:*}; account=${pair#*:}
  if getent passwd "$user" >/dev/null; then
    printf '%s\t%s\n' "$pair" "$(sudo -n -H -u "$user" sh -c 'stat -c "%U %a" "$HOME/.agility/$1.keytab" 2>/dev/null' sh "$account")"
  else
    printf '%s\tN\n' "$pair"
  fi
done
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


def keytab_name(user: str) -> str:
    return f"{user}.keytab"


def plan_people(profile: Profile, shell: ClusterShell, people: list[LinuxUser]) -> list[Action]:
    """Each person's principal and their keytab on the edge node, the keytab of their area's
    account beside it, and the operator's keytabs of every area's account."""
    settings = KerberosSettings.of(profile.hdfs)
    if settings is None or not people:
        return []
    admin = settings.admin
    target = Reach(profile, shell)
    known = set(kadmin(target, settings, "listprincs").split())
    keytabs = keytabs_on_edge(target, [user.name for user in people])
    plan = Plan()
    area_accounts = {area.linux_group: area.hdfs_account for area in profile.work_areas().values()}
    wanted = {user.name: [area_accounts[group] for group in user.groups if group in area_accounts] for user in people}
    # the operator acts as the HDFS superuser and any area's account (provisioning, the quota checks),
    # as it may without Kerberos
    wanted[profile.bastion.user] = sorted(settings.keytabs)
    present = area_keytabs_on_edge(target, wanted)
    for name, accounts in wanted.items():
        for account in accounts:
            if present.get((name, account)) != name + " 400":
                plan.add(f"node {profile.edge}", f"keytab of {settings.principal(account)} (their area's) in "
                         f"~{name}/{AREA_KEYTABS}/{keytab_name(account)}, mode 400",
                         lambda name=name, account=account: install_area_keytab(target, settings, name, account))
    for user in people:
        principal = settings.principal(user.name)
        if principal not in known:
            plan.add(f"kerberos {settings.realm}", f"create principal {principal} (random key) on {admin['node']}",
                     lambda principal=principal: kadmin(target, settings, f"addprinc -randkey {principal}"))
        if principal not in known or keytabs.get(user.name) != user.name + " 400":
            plan.add(f"node {target.profile.edge}", f"keytab of {principal} in ~{user.name}/{keytab_name(user.name)}, mode 400",
                     lambda user=user, principal=principal: install_keytab(target, settings, user.name, principal))
    return plan.actions


def plan_removal(profile: Profile, shell: ClusterShell, name: str) -> list[Action]:
    settings = KerberosSettings.of(profile.hdfs)
    if settings is None:
        return []
    target = Reach(profile, shell)
    principal = settings.principal(name)
    if principal not in kadmin(target, settings, "listprincs").split():
        return []
    return [Action(f"kerberos {settings.realm}", f"delete principal {principal}",
                   lambda: kadmin(target, settings, f"delprinc -force {principal}"))]


@dataclass(frozen=True)
class Reach:
    """The cluster as provisioning reaches it: its profile, and the operator's shell on its nodes."""

    profile: Profile
    shell: ClusterShell


def kadmin(target: Reach, settings: KerberosSettings, query: str) -> str:
    admin = settings.admin
    done = target.shell.run(admin["node"], ["sudo", "-n", "-H", "-u", admin["user"], "kadmin.local", "-q", query],
                            check=False)
    if not done.ok or "error" in done.stderr.lower():
        raise AgilityError(f"kerberos: `kadmin.local -q {shlex.quote(query)}` on {admin['node']}: "
                           f"{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def keytabs_on_edge(target: Reach, names: list[str]) -> dict[str, str]:
    """user → "<owner> <mode>" of their keytab on the edge ("" when there is none)."""
    done = target.shell.run(target.profile.edge, ["sh", "-c", READ_KEYTABS, "read-keytabs", *names])
    found = {}
    for line in done.stdout.splitlines():
        user, _, state = line.partition("\t")
        owner_mode = " ".join(state.split()[:2])
        found[user] = owner_mode if owner_mode != "N" else ""
    return found


def area_keytabs_on_edge(target: Reach, wanted: dict[str, list[str]]) -> dict[tuple[str, str], str]:
    """(user, account) → "<owner> <mode>" of the area account's keytab in the user's home."""
    pairs = [f"{user}:{account}" for user, accounts in wanted.items() for account in accounts]
    if not pairs:
        return {}
    done = target.shell.run(target.profile.edge, ["sh", "-c", READ_AREA_KEYTABS, "read-area-keytabs", *pairs])
    found = {}
    for line in done.stdout.splitlines():
        pair, _, state = line.partition("\t")
        user, _, account = pair.partition(":")
        found[(user, account)] = " ".join(state.split()[:2])
    return found


def install_area_keytab(target: Reach, settings: KerberosSettings, user: str, account: str) -> None:
    keytab = base64.b64encode(Path(settings.keytab(account)).read_bytes()).decode()
    done = target.shell.run(target.profile.edge, ["sudo", "-n", "-H", "-u", user, "sh", "-c", INSTALL_KEYTAB,
                                                  "install-keytab", f"{AREA_KEYTABS}/{keytab_name(account)}"],
                            input=keytab + "\n", check=False)
    if not done.ok:
        raise AgilityError(f"node {target.profile.edge}: the keytab of {account} for {user} was not written: "
                           f"{done.stderr.strip()}")


def install_keytab(target: Reach, settings: KerberosSettings, user: str, principal: str) -> None:
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
