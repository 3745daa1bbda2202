"""Linux users on cluster nodes, created over SSH with sudo as an operator's script would:
idempotent (a second run changes nothing) and reporting each change it makes."""

from __future__ import annotations

from dataclasses import dataclass

from agility.errors import AgilityError
from agility.remote import ClusterShell


@dataclass(frozen=True)
class LinuxUser:
    name: str
    uid: int  # the same on every node, so files keep their owner wherever they go
    groups: tuple[str, ...]
    public_key: str
    shell: str = "/bin/bash"


def ensure_user(shell: ClusterShell, node: str, user: LinuxUser) -> list[str]:
    """The user exists on `node` with its groups, shell and exactly this authorized key."""
    changes = []
    exists = shell.run(node, ["getent", "passwd", user.name], check=False).ok
    if not exists:
        shell.run(node, ["sudo", "-n", "useradd", "--create-home", "--shell", user.shell, "--uid", str(user.uid),
                         "--groups", ",".join(user.groups), user.name])
        # useradd locks the password ("!"); a locked account may not log in even by key, so
        # set "*": no password can match, but the account is not locked.
        shell.run(node, ["sudo", "-n", "usermod", "--password", "*", user.name])
        changes.append(f"{node}: created user {user.name} in {', '.join(user.groups)}")
    else:
        uid = int(shell.run(node, ["id", "-u", user.name]).stdout)
        if uid != user.uid:
            shell.run(node, ["sudo", "-n", "usermod", "--uid", str(user.uid), user.name])
            changes.append(f"{node}: uid of {user.name} {uid} → {user.uid}")
        current = set(shell.run(node, ["id", "-nG", user.name]).stdout.split())
        missing = [group for group in user.groups if group not in current]
        if missing:
            shell.run(node, ["sudo", "-n", "usermod", "--append", "--groups", ",".join(missing), user.name])
            changes.append(f"{node}: added {user.name} to {', '.join(missing)}")
    home = shell.run(node, ["getent", "passwd", user.name]).stdout.split(":")[5]
    owner = shell.run(node, ["stat", "-c", "%u", home], check=False).stdout.strip()
    if owner != str(user.uid):
        shell.run(node, ["sudo", "-n", "install", "-d", "-m", "750", "-o", user.name, "-g", user.name, home])
        shell.run(node, ["sudo", "-n", "chown", "-R", f"{user.name}:{user.name}", home])
        changes.append(f"{node}: home {home} owned by {user.name}")
    keys = f"{home}/.ssh/authorized_keys"
    present = shell.run(node, ["sudo", "-n", "cat", keys], check=False).stdout
    if present.strip() != user.public_key.strip():
        shell.run(node, ["sudo", "-n", "install", "-d", "-m", "700", "-o", user.name, "-g", user.name, f"{home}/.ssh"])
        shell.run(node, ["sudo", "-n", "tee", keys], input=user.public_key.strip() + "\n")
        shell.run(node, ["sudo", "-n", "chown", f"{user.name}:{user.name}", keys])
        shell.run(node, ["sudo", "-n", "chmod", "600", keys])
        changes.append(f"{node}: authorized key of {user.name}")
    return changes


def remove_user(shell: ClusterShell, node: str, name: str) -> list[str]:
    if not shell.run(node, ["getent", "passwd", name], check=False).ok:
        return []
    # only this node's processes of the user: sandbox nodes share one process namespace, so a
    # plain `pkill -u` would end the user's sessions on every node (the node's network namespace
    # is what tells them apart; on a real host it is simply the host's)
    shell.run(node, ["sh", "-c", 'sudo -n pkill -KILL --ns $$ --nslist net -u "$1"', "sh", name], check=False)
    # --force: userdel looks for the user's processes in the whole process namespace, which on
    # the sandbox includes the other nodes' (their sessions there are not this node's business)
    done = shell.run(node, ["sudo", "-n", "userdel", "--force", "--remove", name], check=False)
    if not done.ok:
        raise AgilityError(f"{node}: could not remove user {name}: {done.stderr.strip()}")
    return [f"{node}: removed user {name}"]
