"""Provisioning reads a node's groups and users in one command: the script, run on this host."""

import subprocess
from types import SimpleNamespace

import pytest

from agility.provisioning.linux import LinuxUser, plan_node, read_accounts

pytestmark = pytest.mark.unit


class HostShell:
    """Runs the command here, as a node's shell would there."""

    def run(self, node, argv, timeout=60, input=None, check=True):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input, check=check)
        return SimpleNamespace(stdout=done.stdout, stderr=done.stderr, ok=done.returncode == 0)


ROOT = LinuxUser("root", 0, ("root",), "ssh-ed25519 AAAA-not-roots-key")
NOBODY_HERE = LinuxUser("agility-no-such-user", 4999, ("root",), "ssh-ed25519 AAAA")


def test_one_command_reads_groups_and_users_present_and_absent():
    seen = read_accounts(HostShell(), "host", [ROOT, NOBODY_HERE], ["root", "agility-no-such-group"])
    assert seen.groups == {"root": 0, "agility-no-such-group": None}
    assert seen.users["agility-no-such-user"] is None
    root = seen.users["root"]
    assert (root.uid, root.home, root.home_owner) == (0, "/root", "0") and "root" in root.groups


def test_the_plan_from_one_read_names_what_is_missing_or_different():
    plan = plan_node(HostShell(), "host", [("root", 7), ("agility-no-such-group", 4998)], [ROOT, NOBODY_HERE])
    said = [action.description for action in plan]
    assert "gid of group root 0 → 7" in said and "create group agility-no-such-group (gid 4998)" in said
    assert "authorized key of root" in said  # this host's root does not hold that key
    assert any(line.startswith("create user agility-no-such-user") for line in said)
