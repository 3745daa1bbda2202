"""HDFS for the work areas: each area's directory owned by the area's HDFS account and group,
mode 750 (the account writes, the area's people read, nobody else gets in), under a parent that
the HDFS superuser owns (755); and the namespace and space quotas the declaration gives an area.

Everything is read and changed as the HDFS superuser (the profile's `hdfs.user`) through WebHDFS.
A cluster that authenticates HDFS users simply (the sandbox's default) takes a client for whoever
it says it is: these permissions then keep honest jobs of one area out of another area's files,
they do not stop a client that claims another name. With Kerberos (`sandbox up --kerberos`) a
client is who its ticket says, and they do (features/kerberos.feature).

Quotas: HttpFS cannot set them (no SETQUOTA), the NameNode's own WebHDFS can; a profile without
the NameNode's HTTP address (`hdfs.namenode_web`) sets them with `hdfs dfsadmin` on the edge node.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from agility.clients.edge_hdfs import EdgeHdfs
from agility.clients.hdfs_write import one_line
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.provisioning.plan import Action, Plan
from agility.provisioning.target import Target
from agility.reach.ssh import ClusterShell

AREA_MODE = "750"
PARENT_MODE = "755"
NO_QUOTA = -1  # what HDFS reports, and takes to clear a quota


@dataclass(frozen=True)
class Usage:
    """A directory's quotas and what counts against them (GETCONTENTSUMMARY)."""

    path: str
    namespace_quota: int  # names (directories and files, the directory itself included); -1: none
    space_quota: int  # raw bytes, every replica counted; -1: none
    names: int
    space: int  # raw bytes consumed
    length: int  # bytes of data (one replica)

    @property
    def names_left(self) -> int | None:
        return None if self.namespace_quota < 0 else self.namespace_quota - self.names

    @property
    def space_left(self) -> int | None:
        return None if self.space_quota < 0 else self.space_quota - self.space

    def line(self) -> str:
        def of(used: int, quota: int, unit: str) -> str:
            return f"{used}{unit} of {quota if quota >= 0 else 'no quota'}"

        return (f"{self.path}: names {of(self.names, self.namespace_quota, '')}, "
                f"space {of(self.space, self.space_quota, ' B')} ({self.length} B of data)")


def parse_summary(path: str, summary: dict) -> Usage:
    """A Usage from WebHDFS's ContentSummary JSON."""
    return Usage(path, int(summary.get("quota", NO_QUOTA)), int(summary.get("spaceQuota", NO_QUOTA)),
                 int(summary["directoryCount"]) + int(summary["fileCount"]), int(summary["spaceConsumed"]),
                 int(summary["length"]))


def usage(clients: Clients, path: str) -> Usage:
    from hdfs.util import HdfsError

    try:
        return parse_summary(path, clients.hdfs_client().content(path))
    except HdfsError as error:
        raise AgilityError(f"hdfs: the content summary of {path}: {one_line(error)}") from None


def superuser(clients: Clients) -> str:
    return clients.profile.hdfs.get("user", "root")


# --- directories ---------------------------------------------------------------------------------
def plan_accounts(target: Target) -> list[Action]:
    """Each HDFS area's directory: its parent, owner, group, mode, and the entries in it."""
    found = target.areas_with("hdfs")
    actions = []
    for parent in sorted({posixpath.dirname(area.hdfs_root) for area in found}):
        actions += plan_parent(target.clients, parent)
    for area in found:
        actions += plan_area_directory(target.clients, area, parent_planned=True)
    return actions


def plan_parent(clients: Clients, parent: str) -> list[Action]:
    """The folder holding the areas' directories: the superuser's, 755."""
    if parent == "/":
        return []
    client, owner = clients.hdfs_client(), superuser(clients)
    status = client.status(parent, strict=False)
    if status is None:
        return [Action("hdfs", f"create {parent} owned by {owner}, mode {PARENT_MODE}",
                       lambda: _make(client, parent, owner, None, PARENT_MODE))]
    actions = []
    if status["owner"] != owner:
        actions.append(Action("hdfs", f"owner of {parent} {owner} (now: {status['owner']})",
                              lambda: client.set_owner(parent, owner=owner)))
    if status["permission"] != PARENT_MODE:
        actions.append(Action("hdfs", f"mode of {parent} {PARENT_MODE} (now: {status['permission']})",
                              lambda: client.set_permission(parent, PARENT_MODE)))
    return actions


def plan_area_directory(clients: Clients, area: Area, parent_planned: bool = False) -> list[Action]:
    """The area's directory exists, is `hdfs_account:linux_group` with mode 750, and so is all
    that is in it (entries written before the area had its own account are handed over)."""
    client, root = clients.hdfs_client(), area.hdfs_root
    owner, group = area.hdfs_account, area.linux_group
    actions = [] if parent_planned else plan_parent(clients, posixpath.dirname(root))
    status = client.status(root, strict=False)
    if status is None:
        return [*actions, Action("hdfs", f"create {root} owned by {owner}:{group}, mode {AREA_MODE}",
                                 lambda: _make(client, root, owner, group, AREA_MODE))]
    if (status["owner"], status["group"]) != (owner, group):
        actions.append(Action("hdfs", f"owner of {root} {owner}:{group} (now: {status['owner']}:{status['group']})",
                              lambda: client.set_owner(root, owner=owner, group=group)))
    if status["permission"] != AREA_MODE:
        actions.append(Action("hdfs", f"mode of {root} {AREA_MODE} (now: {status['permission']})",
                              lambda: client.set_permission(root, AREA_MODE)))
    strangers = sorted(f"{root}/{name}" for name, entry in client.list(root, status=True)
                       if (entry["owner"], entry["group"]) != (owner, group))
    if strangers:
        entries = f"{len(strangers)} {'entry' if len(strangers) == 1 else 'entries'}"
        actions.append(Action("hdfs", f"hand over {entries} in {root} (and all under them) to {owner}:{group} "
                                      "(now another owner or group)",
                              lambda: hand_over(clients, strangers, owner, group)))
    return actions


def _make(client, path: str, owner: str, group: str | None, mode: str) -> None:
    client.makedirs(path, permission=mode)
    client.set_owner(path, owner=owner, group=group)
    client.set_permission(path, mode)  # makedirs' permission is masked by the umask


def hand_over(clients: Clients, paths: list[str], owner: str, group: str) -> None:
    """`hdfs dfs -chown -R` on the edge node as the superuser: one command for whole trees (WebHDFS
    would take one request per file)."""

    with ClusterShell(clients.profile) as operator:
        EdgeHdfs(clients.profile, operator, hdfs_user=superuser(clients)).dfs("-chown", "-R", f"{owner}:{group}",
                                                                             *paths, timeout=600)


def ensure_area_directory(clients: Clients, area: Area) -> list[str]:
    """Plan and apply at once for one area (what the acts' fixtures provision); the changes made."""
    return Plan(plan_area_directory(clients, area)).apply()


# --- quotas --------------------------------------------------------------------------------------
def plan_quotas(target: Target) -> list[Action]:
    """The declared namespace and space quota on each HDFS area's directory; a quota the
    declaration does not give is cleared (the declaration is the whole truth)."""
    return [action for area in target.areas_with("hdfs")
            for action in plan_area_quota(target.clients, area, target.declaration.quota(area.name, "hdfs"))]


def plan_area_quota(clients: Clients, area: Area, limits: dict) -> list[Action]:
    root = area.hdfs_root
    wanted = {"namespace": limits.get("namespace", NO_QUOTA), "space": limits.get("space", NO_QUOTA)}
    if clients.hdfs_client().status(root, strict=False) is None:
        current = {"namespace": NO_QUOTA, "space": NO_QUOTA}
    else:
        found = usage(clients, root)
        current = {"namespace": found.namespace_quota, "space": found.space_quota}
    actions = []
    for kind, value in wanted.items():
        if current[kind] != value:
            shown = {NO_QUOTA: "none"}
            actions.append(Action("hdfs", f"{kind} quota of {root} {shown.get(value, value)} "
                                          f"(now: {shown.get(current[kind], current[kind])})",
                                  lambda kind=kind, value=value: set_quota(clients, root, **{kind: value})))
    return actions


def ensure_area_quota(clients: Clients, area: Area, limits: dict) -> list[str]:
    """The area's directory, then its quotas, planned and applied; the changes made."""
    return ensure_area_directory(clients, area) + Plan(plan_area_quota(clients, area, limits)).apply()


def set_quota(clients: Clients, path: str, namespace: int | None = None, space: int | None = None) -> None:
    """Set (or with -1 clear) the namespace and/or space quota of `path`, as the superuser."""
    if clients.profile.hdfs.get("namenode_web"):
        _set_quota_webhdfs(clients, path, namespace, space)
    else:
        _set_quota_dfsadmin(clients, path, namespace, space)


def _set_quota_webhdfs(clients: Clients, path: str, namespace: int | None, space: int | None) -> None:
    import requests

    params = {"op": "SETQUOTA"}
    if namespace is not None:
        params["namespacequota"] = str(namespace)
    if space is not None:
        params["storagespacequota"] = str(space)
    url = f"http://{clients.local(clients.profile.hdfs['namenode_web'])}/webhdfs/v1{path}"
    try:
        answer = clients.webhdfs_session(superuser(clients)).put(url, params=params, timeout=30)
    except requests.RequestException as error:
        raise AgilityError(f"hdfs: setting the quota of {path} through the NameNode's WebHDFS: {error}") from None
    if answer.status_code != 200:
        try:
            said = answer.json()["RemoteException"]["message"]
        except (ValueError, KeyError):
            said = answer.text.strip()[:200] or f"HTTP {answer.status_code}"
        raise AgilityError(f"hdfs: setting the quota of {path}: {said}")


def _set_quota_dfsadmin(clients: Clients, path: str, namespace: int | None, space: int | None) -> None:

    with ClusterShell(clients.profile) as operator:
        admin = EdgeHdfs(clients.profile, operator, hdfs_user=superuser(clients))
        for value, (set_it, clear_it) in ((namespace, ("-setQuota", "-clrQuota")),
                                          (space, ("-setSpaceQuota", "-clrSpaceQuota"))):
            if value is not None:
                admin.dfsadmin(*((clear_it,) if value == NO_QUOTA else (set_it, str(value))), path)
