"""Pure functions of the security act: root's key on a node's own /etc and /home."""

import os

import pytest

from agility.sandbox import operator

pytestmark = pytest.mark.unit


def test_root_gets_a_key_a_home_of_the_node_and_allowgroups_once(tmp_path):
    etc, home = tmp_path / "etc", tmp_path / "home"
    etc.mkdir()
    home.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\nagility:x:2000:2000::/home/agility:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\noperators:x:2001:agility\n")
    changes = operator.give_root_a_key(etc, home, "ssh-ed25519 AAAAkey root@sandbox\n")
    assert changes == ["root's home is /home/root", "root is in the group operators",
                       "root's authorized key root@sandbox"]
    assert (etc / "passwd").read_text().splitlines()[0] == "root:x:0:0:root:/home/root:/bin/bash"
    assert "operators:x:2001:agility,root" in (etc / "group").read_text()
    keys = home / "root" / ".ssh" / "authorized_keys"
    assert keys.read_text() == "ssh-ed25519 AAAAkey root@sandbox\n"
    assert [oct(os.stat(path).st_mode & 0o777) for path in (home / "root", keys.parent, keys)] == ["0o700", "0o700", "0o600"]
    assert operator.give_root_a_key(etc, home, "ssh-ed25519 AAAAkey root@sandbox") == []
