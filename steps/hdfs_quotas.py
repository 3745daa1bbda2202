"""The prod area's HDFS quotas, each exceeded as the area's own HDFS account."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_bdd import given, then, when

from agility.checks import hdfs_quotas
from agility.provisioning.hdfs import Usage, usage


@dataclass
class Folder:
    path: str
    before: Usage  # the prod directory before the folder was made


@given("the prod area's HDFS quotas are applied as declared", target_fixture="hdfs_quota")
def quotas_applied(clients, narrate):
    applied = hdfs_quotas.apply_declared(clients, "prod")
    narrate("; ".join(applied.changes) or "the directory and its quotas were already as declared")
    narrate(f"declared: namespace {applied.limits['namespace']} names, space {applied.limits['space']} raw bytes; "
            f"HDFS reports {applied.usage.line()}")
    assert (applied.usage.namespace_quota, applied.usage.space_quota) == (
        applied.limits["namespace"], applied.limits["space"])
    return applied


@given("a fresh folder in the prod area's HDFS directory", target_fixture="folder")
def fresh_folder(request, clients, hdfs_quota, unique, narrate):
    area = hdfs_quota.area
    before = usage(clients, area.hdfs_root)
    path = hdfs_quotas.make_folder(clients, area, unique("quota_check"))
    request.addfinalizer(lambda: hdfs_quotas.remove_folder(clients, area, path))  # also when a step fails
    narrate(f"usage before: {before.line()}; {path} made by {area.hdfs_account}")
    return Folder(path, before)


@when("the prod account creates every name the quota leaves, and one more", target_fixture="refusal")
def create_names(clients, cluster_shell, hdfs_quota, folder, narrate):
    refusal = hdfs_quotas.exceed_namespace(clients, cluster_shell, hdfs_quota.area, folder.path)
    narrate(f"{refusal.at_start.names} names in use of {refusal.at_start.namespace_quota}: the quota leaves "
            f"{refusal.allowed}; {refusal.attempted} empty files asked for with one `hdfs dfs -touchz` run as "
            f"{hdfs_quota.area.hdfs_account}: {refusal.created} created before the refusal, in {refusal.seconds} s")
    narrate(f"HDFS: {refusal.message}")
    return refusal


@then("HDFS refuses the last name, naming the namespace quota")
def namespace_refused(hdfs_quota, refusal):
    quota = hdfs_quota.limits["namespace"]
    assert refusal.message is not None, "every name was created: the quota did not hold"
    assert "NameSpace quota" in refusal.message and f"quota={quota}" in refusal.message, refusal.message
    assert f"file count={quota + 1}" in refusal.message and hdfs_quota.area.hdfs_root in refusal.message
    assert len(refusal.message.splitlines()) == 1 and "Exception" not in refusal.message


@then("every name up to the quota exists and the refused one does not")
def names_up_to_quota(clients, hdfs_quota, refusal, narrate):
    now = usage(clients, hdfs_quota.area.hdfs_root)
    narrate(f"now: {now.line()}; missing: {', '.join(refusal.missing) or 'none'}")
    assert refusal.created == refusal.allowed > 0
    assert refusal.missing == [refusal.last]
    assert now.names == hdfs_quota.limits["namespace"]


@when("the prod account writes one file larger than the space the quota leaves", target_fixture="refusal")
def write_too_much(clients, hdfs_quota, folder, narrate):
    refusal = hdfs_quotas.exceed_space(clients, hdfs_quota.area, folder.path)
    narrate(f"{refusal.at_start.space} raw bytes in use of {refusal.at_start.space_quota}: the quota leaves "
            f"{refusal.space_left}; {refusal.size} bytes written to {refusal.path} as {hdfs_quota.area.hdfs_account}, "
            f"refused after {refusal.seconds} s")
    narrate(f"HDFS: {refusal.message}")
    return refusal


@then("HDFS refuses the write, naming the space quota")
def space_refused(hdfs_quota, refusal):
    assert refusal.message is not None, "the whole file was written: the quota did not hold"
    assert "DiskSpace quota" in refusal.message and hdfs_quota.area.hdfs_root in refusal.message, refusal.message
    assert f"quota = {hdfs_quota.limits['space']} B" in refusal.message, refusal.message
    assert len(refusal.message.splitlines()) == 1 and "Exception" not in refusal.message


@then("the refused file does not exist, not even in part")
def nothing_left(refusal, narrate):
    narrate(f"{refusal.path}: {'EXISTS' if refusal.exists_after else 'absent'}; usage now {refusal.after.line()}")
    assert refusal.remainder is None and not refusal.exists_after
    assert (refusal.after.names, refusal.after.space) == (refusal.at_start.names, refusal.at_start.space)


@then("removing the folder gives the prod directory back the usage it had")
def usage_restored(clients, hdfs_quota, folder, narrate):
    after = hdfs_quotas.remove_folder(clients, hdfs_quota.area, folder.path)
    narrate(f"{folder.path} removed: {after.line()}")
    assert (after.names, after.space, after.length) == (folder.before.names, folder.before.space, folder.before.length)
