"""Linux users and groups on cluster nodes, made over SSH with sudo as an operator's script would.
Planning reads each node first; applying the plan twice changes nothing the second time."""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass, field, replace

from agility.core.errors import AgilityError
from agility.provisioning.plan import Action, Plan
from agility.reach.ssh import ClusterShell


@dataclass(frozen=True)
class LinuxUser:
    name: str
    uid: int  # the same on every node, so files keep their owner wherever they go
    groups: tuple[str, ...]
    public_key: str
    shell: str = "/bin/bash"
    # a login password (the notebooks' hub checks it with PAM), set on the hub's node only; never shown
    password: str | None = field(default=None, repr=False, compare=False)

    def without_password(self) -> LinuxUser:
        return replace(self, password=None)


# One SSH command per node reads what planning needs, for every group and user at once (a command
# per fact made `agility provision all` cost a round trip through the bastion and a sudo per line).
# Tab-separated lines: G name gid | U name uid groups home home-owner key(base64) password-status
# (passwd -S: P usable, L locked, NP none) | N name (absent).
READ_ACCOUNTS = r"""
for group in $GROUPS_WANTED; do
  printf 'G\t%s\t%s\n' "$group" "$(getent group "$group" | cut -d: -f3)"
done
for user in $USERS_WANTED; do
  if entry=$(getent passwd "$user"); then
    home=$(printf %s "$entry" | cut -d: -f6)
    key=$(sudo -n -u "$user" cat "$home/.ssh/authorized_keys" 2>/dev/null | base64 -w0)
    printf 'U\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$user" "$(id -u "$user")" "$(id -nG "$user" | tr ' ' ,)" \
      "$home" "$(stat -c %u "$home" 2>/dev/null)" "$key" "$(sudo -n passwd -S "$user" 2>/dev/null | cut -d' ' -f2)"
  else
    printf 'N\t%s\n' "$user"
  fi
done
"""


@dataclass(frozen=True)
class Account:
    """A user as a node has it (the key read as the user: as root, a planted link would be followed)."""

    uid: int
    groups: frozenset[str]
    home: str
    home_owner: str
    authorized_keys: str
    password_status: str = ""  # P: a usable password is set


@dataclass(frozen=True)
class NodeAccounts:
    groups: dict[str, int | None]  # gid, None: no such group
    users: dict[str, Account | None]  # None: no such user


def read_accounts(shell: ClusterShell, node: str, users: list[LinuxUser], groups: list[str]) -> NodeAccounts:
    """The node's groups and users of interest, in one command (names are validated, space-free)."""
    script = (f"GROUPS_WANTED={shlex.quote(' '.join(groups))}\nUSERS_WANTED={shlex.quote(' '.join(u.name for u in users))}\n"
              + READ_ACCOUNTS)
    found = NodeAccounts({}, {})
    for line in shell.run(node, ["sh", "-c", script], timeout=120).stdout.splitlines():
        kind, *fields = line.split("\t")
        if kind == "G":
            found.groups[fields[0]] = int(fields[1]) if fields[1] else None
        elif kind == "N":
            found.users[fields[0]] = None
        elif kind == "U":
            name, uid, member_of, home, owner, key, password_status = fields
            found.users[name] = Account(int(uid), frozenset(filter(None, member_of.split(","))), home, owner,
                                        base64.b64decode(key).decode("utf-8", "replace"), password_status)
    return found


def plan_group(shell: ClusterShell, node: str, name: str, gid: int, seen: NodeAccounts | None = None) -> list[Action]:
    current = (seen or read_accounts(shell, node, [], [name])).groups.get(name)
    if current is None:
        return [Action(f"node {node}", f"create group {name} (gid {gid})",
                       lambda: shell.run(node, ["sudo", "-n", "groupadd", "--gid", str(gid), name]))]
    if current != gid:
        return [Action(f"node {node}", f"gid of group {name} {current} → {gid}",
                       lambda: shell.run(node, ["sudo", "-n", "groupmod", "--gid", str(gid), name]))]
    return []


def plan_user(shell: ClusterShell, node: str, user: LinuxUser, seen: NodeAccounts | None = None) -> list[Action]:
    """What `node` lacks for `user`: the account, its uid and groups, its home, exactly this key."""
    plan = Plan()
    target = f"node {node}"
    account = (seen or read_accounts(shell, node, [user], [])).users.get(user.name)
    if account is None:
        plan.add(target, f"create user {user.name} (uid {user.uid}) in {', '.join(user.groups)} with its key"
                 + (" and its password" if user.password else ""), lambda: _create(shell, node, user))
        return plan.actions
    if account.uid != user.uid:
        plan.add(target, f"uid of {user.name} {account.uid} → {user.uid}",
                 lambda: shell.run(node, ["sudo", "-n", "usermod", "--uid", str(user.uid), user.name]))
    missing = [group for group in user.groups if group not in account.groups]
    if missing:
        plan.add(target, f"add {user.name} to {', '.join(missing)}",
                 lambda: shell.run(node, ["sudo", "-n", "usermod", "--append", "--groups", ",".join(missing), user.name]))
    if account.home_owner != str(user.uid):
        plan.add(target, f"home {account.home} owned by {user.name}", lambda: _own_home(shell, node, user, account.home))
    if account.authorized_keys.strip() != user.public_key.strip():
        plan.add(target, f"authorized key of {user.name}", lambda: _install_key(shell, node, user, account.home))
    if user.password and account.password_status != "P":
        plan.add(target, f"password of {user.name}", lambda: _set_password(shell, node, user))
    return plan.actions


def plan_node(shell: ClusterShell, node: str, groups: list[tuple[str, int]], users: list[LinuxUser]) -> list[Action]:
    """Every group, then every user, that `node` lacks or has wrong: read in one command."""
    seen = read_accounts(shell, node, users, [name for name, _ in groups])
    return [*(action for name, gid in groups for action in plan_group(shell, node, name, gid, seen)),
            *(action for user in users for action in plan_user(shell, node, user, seen))]


def _create(shell: ClusterShell, node: str, user: LinuxUser) -> None:
    shell.run(node, ["sudo", "-n", "useradd", "--create-home", "--shell", user.shell, "--uid", str(user.uid),
                     "--groups", ",".join(user.groups), user.name])
    # useradd locks the password ("!"); a locked account may not log in even by key, so set "*":
    # no password can match, but the account is not locked.
    shell.run(node, ["sudo", "-n", "usermod", "--password", "*", user.name])
    home = shell.run(node, ["getent", "passwd", user.name]).stdout.split(":")[5]
    _install_key(shell, node, user, home)
    if user.password:
        _set_password(shell, node, user)


def _set_password(shell: ClusterShell, node: str, user: LinuxUser) -> None:
    # on stdin: a command line is visible to every user of the node
    done = shell.run(node, ["sudo", "-n", "chpasswd"], input=f"{user.name}:{user.password}\n", check=False)
    if not done.ok:
        raise AgilityError(f"node {node}: password of {user.name} not set: {done.stderr.strip()}")


def _own_home(shell: ClusterShell, node: str, user: LinuxUser, home: str) -> None:
    shell.run(node, ["sudo", "-n", "install", "-d", "-m", "750", "-o", user.name, "-g", user.name, home])
    # -h and -P: a link inside the home is re-owned itself, never what it points to
    shell.run(node, ["sudo", "-n", "chown", "-R", "-h", "-P", f"{user.name}:{user.name}", home])


# Runs as the user, in the user's home: what the user controls is never written by root. A link
# planted at .ssh or at the key file is refused (and left alone), not followed nor replaced.
INSTALL_KEY = """set -e
umask 077
cd "$1"
for path in .ssh .ssh/authorized_keys; do
  if [ -L "$path" ]; then echo "refusing to write through the link $1/$path → $(readlink "$path")" >&2; exit 3; fi
done
mkdir -p .ssh
cat > .ssh/.authorized_keys.agility
mv -f .ssh/.authorized_keys.agility .ssh/authorized_keys
"""


def _install_key(shell: ClusterShell, node: str, user: LinuxUser, home: str) -> None:
    done = shell.run(node, ["sudo", "-n", "-u", user.name, "sh", "-c", INSTALL_KEY, "install-key", home],
                     input=user.public_key.strip() + "\n", check=False)
    if not done.ok:
        raise AgilityError(f"node {node}: authorized key of {user.name} not written: {done.stderr.strip()}")


def plan_removal(shell: ClusterShell, node: str, name: str) -> list[Action]:
    if not shell.run(node, ["getent", "passwd", name], check=False).ok:
        return []
    return [Action(f"node {node}", f"remove user {name}, its home and its sessions",
                   lambda: _remove(shell, node, name))]


def _remove(shell: ClusterShell, node: str, name: str) -> None:
    # only this node's processes of the user: sandbox nodes share one process namespace, so a
    # plain `pkill -u` would end the user's sessions on every node (the node's network namespace
    # is what tells them apart; on a real host it is simply the host's)
    shell.run(node, ["sh", "-c", 'sudo -n pkill -KILL --ns $$ --nslist net -u "$1"', "sh", name], check=False)
    # --force: userdel looks for the user's processes in the whole process namespace, which on
    # the sandbox includes the other nodes' (their sessions there are not this node's business)
    done = shell.run(node, ["sudo", "-n", "userdel", "--force", "--remove", name], check=False)
    if not done.ok:
        raise AgilityError(f"{node}: could not remove user {name}: {done.stderr.strip()}")


def remove_user(shell: ClusterShell, node: str, name: str) -> list[str]:
    return Plan(plan_removal(shell, node, name)).apply()
