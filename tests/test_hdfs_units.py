"""HDFS areas without a cluster: the planners against an in-memory namespace (apply, then plan
again: nothing), quota summaries, the whole-or-nothing writer, FsShell's messages."""

from __future__ import annotations

import posixpath
from types import SimpleNamespace

import pytest
import requests
from hdfs.util import HdfsError

from agility.clients.edge_hdfs import EdgeHdfs, failure_message
from agility.clients.hdfs_write import WriteRefused, hidden, write_whole
from agility.config import areas
from agility.core.errors import AgilityError
from agility.provisioning import hdfs

pytestmark = pytest.mark.unit


class FakeHdfs:
    """The few WebHDFS calls the package makes, on a dict of path → status."""

    def __init__(self):
        self.entries = {"/": self._entry("DIRECTORY", "root", "supergroup", "755")}
        self.quotas: dict[str, tuple[int, int]] = {}

    @staticmethod
    def _entry(kind, owner, group, permission, data=b""):
        return {"type": kind, "owner": owner, "group": group, "permission": permission, "data": data}

    def add(self, path, kind="DIRECTORY", owner="root", group="supergroup", permission="755", data=b""):
        self.entries[path] = self._entry(kind, owner, group, permission, data)

    def status(self, path, strict=True):
        if path not in self.entries:
            if strict:
                raise HdfsError(f"File does not exist: {path}", exception="FileNotFoundException")
            return None
        return {key: value for key, value in self.entries[path].items() if key != "data"}

    def list(self, path, status=False):
        names = sorted(name.rsplit("/", 1)[1] for name in self.entries if name != "/" and posixpath.dirname(name) == path)
        return [(name, self.status(f"{path}/{name}")) for name in names] if status else names

    def makedirs(self, path, permission=None):
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            self.entries.setdefault("/" + "/".join(parts[:depth]), self._entry("DIRECTORY", "root", "supergroup", "755"))

    def set_owner(self, path, owner=None, group=None):
        self.entries[path].update({key: value for key, value in (("owner", owner), ("group", group)) if value})

    def set_permission(self, path, permission):
        self.entries[path]["permission"] = permission

    def content(self, path):
        inside = [entry for name, entry in self.entries.items() if name == path or name.startswith(path + "/")]
        namespace, space = self.quotas.get(path, (-1, -1))
        length = sum(len(entry["data"]) for entry in inside)
        return {"directoryCount": sum(entry["type"] == "DIRECTORY" for entry in inside),
                "fileCount": sum(entry["type"] == "FILE" for entry in inside),
                "length": length, "spaceConsumed": length, "quota": namespace, "spaceQuota": space}

    def delete(self, path, recursive=False):
        for name in [name for name in self.entries if name == path or name.startswith(path + "/")]:
            del self.entries[name]

    def write(self, path, data=None, overwrite=False, encoding=None):
        if path in self.entries and not overwrite:
            raise HdfsError(f"{path} already exists", exception="FileAlreadyExistsException")
        self.add(path, kind="FILE", data=data.encode(encoding) if isinstance(data, str) else data)

    def rename(self, source, destination):
        if destination in self.entries or source not in self.entries:
            raise HdfsError(f"Unable to rename {source!r} to {destination!r}.")
        self.entries[destination] = self.entries.pop(source)


def fake_clients(fake: FakeHdfs):
    profile = SimpleNamespace(name="unit", hdfs={"user": "root", "namenode_web": "192.0.2.1:9870"})
    return SimpleNamespace(profile=profile, hdfs_client=lambda user=None: fake)


@pytest.fixture
def dev():
    return areas.get("dev")


@pytest.fixture
def cluster(monkeypatch):
    fake = FakeHdfs()

    def hand_over(clients, paths, owner, group):
        for path in paths:
            for name in [n for n in fake.entries if n == path or n.startswith(path + "/")]:
                fake.set_owner(name, owner, group)

    def set_quota(clients, path, namespace=None, space=None):
        current = fake.quotas.get(path, (-1, -1))
        fake.quotas[path] = (current[0] if namespace is None else namespace, current[1] if space is None else space)

    monkeypatch.setattr(hdfs, "hand_over", hand_over)
    monkeypatch.setattr(hdfs, "set_quota", set_quota)
    return fake


def descriptions(actions) -> list[str]:
    return [action.description for action in actions]


def test_a_missing_area_directory_is_planned_then_nothing_is_left_to_do(cluster, dev):
    clients = fake_clients(cluster)
    actions = hdfs.plan_area_directory(clients, dev)
    assert descriptions(actions) == ["create /areas owned by root, mode 755",
                                     "create /areas/dev owned by dev_hdfs:dev-area, mode 750"]
    assert cluster.status("/areas/dev", strict=False) is None  # planning changes nothing
    for action in actions:
        action.apply()
    assert {key: cluster.status("/areas/dev")[key] for key in ("owner", "group", "permission")} == {
        "owner": "dev_hdfs", "group": "dev-area", "permission": "750"}
    assert hdfs.plan_area_directory(clients, dev) == []


def test_a_directory_written_before_the_area_had_its_account_is_handed_over(cluster, dev):
    cluster.add("/areas")
    cluster.add("/areas/dev")
    cluster.add("/areas/dev/_analytics")
    cluster.add("/areas/dev/_analytics/x", kind="FILE", permission="644", data=b"1")
    cluster.add("/areas/dev/orders", owner="dev_hdfs", group="dev-area")
    clients = fake_clients(cluster)
    actions = hdfs.plan_area_directory(clients, dev)
    assert descriptions(actions) == [
        "owner of /areas/dev dev_hdfs:dev-area (now: root:supergroup)",
        "mode of /areas/dev 750 (now: 755)",
        "hand over 1 entry in /areas/dev (and all under them) to dev_hdfs:dev-area (now another owner or group)"]
    for action in actions:
        action.apply()
    assert cluster.status("/areas/dev/_analytics/x")["owner"] == "dev_hdfs"
    assert hdfs.plan_area_directory(clients, dev) == []


def test_quotas_follow_the_declaration_and_an_undeclared_one_is_cleared(cluster, dev):
    cluster.makedirs("/areas/dev")
    clients = fake_clients(cluster)
    actions = hdfs.plan_area_quota(clients, dev, {"namespace": 2000, "space": 64 * 1024 * 1024})
    assert descriptions(actions) == ["namespace quota of /areas/dev 2000 (now: none)",
                                     "space quota of /areas/dev 67108864 (now: none)"]
    for action in actions:
        action.apply()
    assert hdfs.plan_area_quota(clients, dev, {"namespace": 2000, "space": 64 * 1024 * 1024}) == []
    cleared = hdfs.plan_area_quota(clients, dev, {})
    assert descriptions(cleared) == ["namespace quota of /areas/dev none (now: 2000)",
                                     "space quota of /areas/dev none (now: 67108864)"]
    for action in cleared:
        action.apply()
    assert cluster.quotas["/areas/dev"] == (-1, -1)


def test_a_content_summary_tells_what_a_quota_leaves():
    summary = {"directoryCount": 183, "fileCount": 378, "length": 10372953, "quota": 2000,
               "spaceConsumed": 10372953, "spaceQuota": 67108864, "typeQuota": {}}
    usage = hdfs.parse_summary("/areas/prod", summary)
    assert (usage.names, usage.names_left, usage.space_left) == (561, 1439, 67108864 - 10372953)
    assert usage.line() == "/areas/prod: names 561 of 2000, space 10372953 B of 67108864 (10372953 B of data)"
    unlimited = hdfs.parse_summary("/areas/dev", {**summary, "quota": -1, "spaceQuota": -1})
    assert unlimited.names_left is None and unlimited.space_left is None and "no quota" in unlimited.line()


class PartialWriter(FakeHdfs):
    """HttpFS's way with a refused write: the file is created, gets some blocks, then the error."""

    def __init__(self, error: HdfsError, keeps: int = 4):
        super().__init__()
        self.error, self.keeps = error, keeps

    def write(self, path, data=None, overwrite=False, encoding=None):
        if path in self.entries and not overwrite:
            raise HdfsError(f"{path} already exists", exception="FileAlreadyExistsException")
        if getattr(self.error, "exception", None) != "AccessControlException":
            self.add(path, kind="FILE", data=data[: self.keeps])
        raise self.error


QUOTA = ("The DiskSpace quota of /areas/prod is exceeded: quota = 67108864 B = 64 MB but diskspace consumed = "
         "69093209 B = 65.89 MB")


def test_a_write_refused_part_way_leaves_nothing_and_says_why_in_one_line():
    client = PartialWriter(HdfsError(QUOTA, exception="DSQuotaExceededException"))
    with pytest.raises(WriteRefused) as refused:
        write_whole(client, "/areas/prod/x.bin", b"0123456789")
    assert client.status("/areas/prod/x.bin", strict=False) is None
    assert str(refused.value) == f"writing /areas/prod/x.bin (10 bytes) was refused: {QUOTA}; nothing of it is left"
    assert refused.value.left is None and isinstance(refused.value, AgilityError)


class CutOffWriter(PartialWriter):
    """HttpFS stopped mid-body: the file it created keeps the bytes it got, and it cannot be removed."""

    def __init__(self):
        super().__init__(requests.exceptions.ConnectionError("HttpFS closed the connection"))

    def delete(self, path, recursive=False):
        raise requests.exceptions.ConnectionError("Connection refused")


def test_an_interrupted_write_leaves_readers_the_old_file_and_a_retry_replaces_it():
    client = CutOffWriter()
    client.add("/areas/prod/orders/part-1.jsonl", kind="FILE", data=b"old whole file\n")
    with pytest.raises(WriteRefused, match="was interrupted: HttpFS closed") as interrupted:
        write_whole(client, "/areas/prod/orders/part-1.jsonl", b"new whole file\n")
    assert interrupted.value.left == "Connection refused"
    assert client.entries["/areas/prod/orders/part-1.jsonl"]["data"] == b"old whole file\n"
    assert [name for name in client.list("/areas/prod/orders") if not hidden(name)] == ["part-1.jsonl"]
    retried = FakeHdfs()
    retried.entries = client.entries
    assert write_whole(retried, "/areas/prod/orders/part-1.jsonl", b"new whole file\n") == 15
    assert retried.list("/areas/prod/orders") == ["part-1.jsonl"]
    assert retried.entries["/areas/prod/orders/part-1.jsonl"]["data"] == b"new whole file\n"


def test_a_denied_write_touches_nothing_and_an_existing_file_is_kept():
    denied = PartialWriter(HdfsError("Permission denied: user=dev_hdfs, access=EXECUTE", exception="AccessControlException"))
    denied.delete = lambda *args, **kwargs: pytest.fail("nothing was created, nothing may be deleted")
    with pytest.raises(WriteRefused, match="Permission denied: user=dev_hdfs"):
        write_whole(denied, "/areas/prod/x", b"data")
    existing = PartialWriter(HdfsError("unused"))
    existing.add("/areas/dev/kept", kind="FILE", data=b"old")
    with pytest.raises(WriteRefused, match="already exists"):
        write_whole(existing, "/areas/dev/kept", b"new", overwrite=False)
    assert existing.entries["/areas/dev/kept"]["data"] == b"old"


def test_the_namespace_refusal_is_fsshells_own_line():
    stderr = ("touchz: The NameSpace quota (directories and files) of directory /areas/prod is exceeded: quota=2000 "
              "file count=2001\n") * 2
    assert failure_message(stderr) == ("The NameSpace quota (directories and files) of directory /areas/prod is "
                                       "exceeded: quota=2000 file count=2001")


def test_the_edge_shell_acts_as_another_hdfs_user_only_when_asked():
    profile = SimpleNamespace(name="remote", edge="edge", hdfs={"cli": {"dfs": ["hdfs", "dfs"]}})
    shell = SimpleNamespace(user="dev-kafka")
    assert EdgeHdfs(profile, shell).command("-ls", "/") == ["hdfs", "dfs", "-ls", "/"]
    as_account = EdgeHdfs(profile, shell, hdfs_user="dev_hdfs")
    assert as_account.command("-touchz", "/x") == ["env", "HADOOP_USER_NAME=dev_hdfs", "hdfs", "dfs", "-touchz", "/x"]
    assert as_account.user == "dev_hdfs"
    with pytest.raises(AgilityError, match=r"hdfs.cli.dfsadmin is missing .* \[hdfs, dfsadmin\]"):
        as_account.dfsadmin("-setQuota", "10", "/x")
