"""SSH host keys are checked against the profile's known_hosts, never accepted blindly: the real
bastion and nodes of the sandbox, reached with a known_hosts file that holds other keys (or none)
for them, must be refused with a one-line reason — by the cluster shell, the tunnel, the bastion
login checks and testinfra alike."""

import dataclasses
import subprocess
from pathlib import Path

import paramiko
import pytest

from agility.checks import security
from agility.checks.users import check_user
from agility.core.errors import AgilityError
from agility.provisioning.linux import LinuxUser
from agility.reach.ssh import ClusterShell
from agility.reach.tunnel import Tunnel
from agility.sandbox.operator import OPERATOR, OPERATOR_UID

pytestmark = pytest.mark.security
REFUSED_KEY = r"showed the host key ssh-ed25519 SHA256:\S+, but .* holds ssh-ed25519 SHA256:\S+: refusing to connect"


def known_hosts(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "known_hosts"
    path.write_text("".join(f"{line}\n" for line in lines))
    return str(path)


def with_known_hosts(profile, path: str):
    return dataclasses.replace(profile, bastion=dataclasses.replace(profile.bastion, known_hosts=path))


def entries(profile) -> dict[str, str]:
    """Address → `type key` of the profile's own known_hosts (the sandbox wrote it)."""
    lines = Path(profile.bastion.known_hosts).read_text().splitlines()
    return {line.split()[0]: " ".join(line.split()[1:3]) for line in lines if line.strip()}


@pytest.fixture(scope="module")
def stranger_key(tmp_path_factory) -> str:
    """A host key no node of the sandbox has."""
    folder = tmp_path_factory.mktemp("stranger")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "key")], check=True)
    return " ".join((folder / "key.pub").read_text().split()[:2])


def test_the_sandbox_profile_holds_the_key_of_the_bastion_and_of_every_node(platform):
    found = entries(platform)
    assert set(found) == {platform.bastion.host, *platform.nodes.values()}
    with ClusterShell(platform) as shell:  # each key is the one its sshd shows: every node answers
        for node in platform.nodes:
            assert shell.run(node, ["hostname"]).stdout.strip() == node


def test_a_bastion_showing_another_key_is_refused_everywhere(platform, tmp_path, stranger_key):
    lines = [f"{address} {stranger_key if address == platform.bastion.host else key}"
             for address, key in entries(platform).items()]
    profile = with_known_hosts(platform, known_hosts(tmp_path, lines))
    with pytest.raises(AgilityError, match=REFUSED_KEY), ClusterShell(profile) as shell:
        shell.run(profile.edge, ["true"])
    with pytest.raises((AgilityError, paramiko.BadHostKeyException), match="[Hh]ost key"):  # no password offered
        security.password_login_refusal(profile, profile.bastion.user)
    with pytest.raises(AgilityError, match=REFUSED_KEY):
        check_user(profile, LinuxUser(OPERATOR, OPERATOR_UID, (), ""), nodes=[profile.edge])


def test_the_tunnel_refuses_a_bastion_showing_another_key(platform, tmp_path, stranger_key):
    # one forward to an address no other tunnel holds, so only the SSH session can fail
    spark = {"master": platform.spark["master"], "ui": "198.51.100.250:9"}  # (and no YARN UI)
    lines = [f"{address} {stranger_key if address == platform.bastion.host else key}"
             for address, key in entries(platform).items()]
    refused = dataclasses.replace(with_known_hosts(platform, known_hosts(tmp_path, lines)), spark=spark)
    with pytest.raises(AgilityError, match=f"cannot open the SSH tunnel as {platform.bastion.user}: .*{REFUSED_KEY}"):
        Tunnel(refused, services=("spark",)).start()
    trusted = Tunnel(dataclasses.replace(platform, spark=spark), services=("spark",))
    try:  # the same tunnel with the sandbox's own known_hosts opens
        assert trusted.start() == {"198.51.100.250:9": "127.51.100.250:9"}
    finally:
        trusted.stop()


def test_a_node_missing_from_known_hosts_is_refused_and_named(platform, tmp_path):
    edge = platform.node_address(platform.edge)
    profile = with_known_hosts(platform, known_hosts(tmp_path, [
        f"{address} {key}" for address, key in entries(platform).items() if address != edge]))
    with ClusterShell(profile) as shell:
        assert shell.bastion().get_transport().is_active()  # the bastion is known: its session opens
        with pytest.raises(AgilityError, match=rf"{edge} is not in {profile.bastion.known_hosts} \(it showed "
                                               r"ssh-ed25519 SHA256:\S+\): refusing"):
            shell.run(platform.edge, ["true"])


def test_a_profile_whose_known_hosts_file_is_missing_says_so(platform, tmp_path):
    profile = with_known_hosts(platform, str(tmp_path / "nowhere"))
    with pytest.raises(AgilityError, match=r"bastion.known_hosts .*/nowhere does not exist"), ClusterShell(profile) as shell:
        shell.run(platform.edge, ["true"])
