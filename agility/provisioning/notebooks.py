"""What a notebooks' user finds in their home on the hub's node: the cluster's profile as its nodes
see it (`~/.agility/profile.yaml`) and their area's own service-account passwords
(`~/.agility/secrets.yaml`), both readable by them only. A notebook opens them with
`agility.jobs.notebook.open_workspace()`: it works with the area's accounts, never an
administrator's, and no password is typed into a notebook, an environment or a command line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from agility.config import declaration
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.provisioning.linux import plan_node
from agility.provisioning.people import as_on_node, declared_user, hub_node
from agility.provisioning.plan import Action, Plan
from agility.reach.ssh import ClusterShell

SERVICES = ("kafka", "cassandra", "mysql")  # the area accounts a notebook signs in with (HDFS: by name)
FILES = ("profile.yaml", "secrets.yaml")
# Runs as the user, in their home: a link planted at .agility or at a file is refused, not followed.
WRITE_FILE = """set -e
umask 077
cd "$1"
for path in .agility ".agility/$2"; do
  if [ -L "$path" ]; then echo "refusing to write through the link $1/$path" >&2; exit 3; fi
done
mkdir -p .agility
cat > ".agility/.$2.agility"
mv -f ".agility/.$2.agility" ".agility/$2"
"""
READ_FILES = 'cd "$1" && cat .agility/profile.yaml .agility/secrets.yaml 2>/dev/null || true'


def files_for(profile: Profile, area: Area, home: str) -> dict[str, str]:
    """profile.yaml and secrets.yaml of a user of `area` whose home is `home` on the hub's node."""
    data = yaml.safe_load(Path(profile.source).read_text())
    secrets_file = f"{home}/.agility/secrets.yaml"
    secrets = {}
    for service in SERVICES:
        account = profile.account(service, area.name)  # says which accounts there are if the area has none
        secrets[service] = account.password.reveal()
        data[service]["accounts"] = {area.name: {"user": account.user,
                                                 "password": {"file": secrets_file, "key": service}}}
    for key in ("ssh_users", "data_folders", "sandbox", "jupyterhub"):  # the operator's, not the notebook's
        data.pop(key, None)
    data["description"] = f"{profile.name} as its nodes see it, for the {area.name} area's notebooks (agility provision)"
    data["notebook_area"] = area.name
    return {"profile.yaml": yaml.safe_dump(data, sort_keys=False), "secrets.yaml": yaml.safe_dump(secrets)}


def plan_files(shell: ClusterShell, node: str, profile: Profile, user: str, area: Area) -> list[Action]:
    """Write the user's files on the hub's node unless they are there as they should be."""
    home = _home(shell, node, user)
    if home is not None:
        wanted = files_for(profile, area, home)
        found = shell.run(node, ["sudo", "-n", "-u", user, "sh", "-c", READ_FILES, "read", home], check=False).stdout
        if _digest(found) == _digest("".join(wanted[name] for name in FILES)):
            return []
    return [Action(f"node {node}", f"notebook profile of {user} ({area.name} area accounts) in ~{user}/.agility",
                   lambda: _write(shell, node, profile, user, area))]


def _write(shell: ClusterShell, node: str, profile: Profile, user: str, area: Area) -> None:
    home = _home(shell, node, user)
    if home is None:
        raise AgilityError(f"node {node}: no user {user} to write a notebook profile for")
    for name, text in files_for(profile, area, home).items():
        done = shell.run(node, ["sudo", "-n", "-u", user, "sh", "-c", WRITE_FILE, "write", home, name],
                         input=text, check=False)
        if not done.ok:
            raise AgilityError(f"node {node}: {name} of {user} not written: {done.stderr.strip()}")


def _home(shell: ClusterShell, node: str, user: str) -> str | None:
    done = shell.run(node, ["getent", "passwd", user], check=False)
    return done.stdout.split(":")[5] if done.ok else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def provision_hub_user(profile: Profile, name: str) -> list[str]:
    """A declared hub user end to end, as `agility provision users` makes them: the Linux user on
    every node (their password on the hub's node only) and their notebook profile there. The
    changes made (none when all is in place)."""
    spec = declaration.load(profile)
    person = declared_user(profile, spec.user(name), spec.source)
    area, hub = profile.area(spec.user(name).area), hub_node(profile)
    if hub is None:
        raise AgilityError(f"profile {profile.name}: jupyterhub.url names no node of the cluster")
    with ClusterShell(profile) as operator:
        actions = [action for node in profile.nodes for action in plan_node(
            operator, node, [(area.linux_group, area.linux_gid)], as_on_node([person], node, hub))]
        return Plan([*actions, *plan_files(operator, hub, profile, name, area)]).apply()
