"""The prod area's HDFS quotas, each exceeded as the area's own HDFS account: one call into the
package per step (agility/checks/hdfs_quotas.py)."""

from __future__ import annotations

from pytest_bdd import given, then, when

from agility.checks import hdfs_quotas


@given("the prod area's HDFS quotas are applied as declared", target_fixture="hdfs_quota")
def quotas_applied(clients, narrate):
    return hdfs_quotas.applied_as_declared(clients, "prod", narrate)


@given("a fresh folder in the prod area's HDFS directory", target_fixture="folder")
def fresh_folder(request, clients, hdfs_quota, unique, narrate):
    # the finalizer removes the folder also when a step fails
    return hdfs_quotas.fresh_folder(clients, hdfs_quota.area, unique("quota_check"), request.addfinalizer, narrate)


@when("the prod account creates every name the quota leaves, and one more", target_fixture="refusal")
def create_names(clients, cluster_shell, hdfs_quota, folder, narrate):
    return hdfs_quotas.exceed_namespace(clients, cluster_shell, hdfs_quota.area, folder.path, narrate)


@then("HDFS refuses the last name, naming the namespace quota")
def namespace_refused(hdfs_quota, refusal):
    assert not hdfs_quotas.namespace_refusal_problems(hdfs_quota, refusal)


@then("every name up to the quota exists and the refused one does not")
def names_up_to_quota(clients, hdfs_quota, refusal, narrate):
    assert not hdfs_quotas.names_problems(clients, hdfs_quota, refusal, narrate)


@when("the prod account writes one file larger than the space the quota leaves", target_fixture="refusal")
def write_too_much(clients, hdfs_quota, folder, narrate):
    return hdfs_quotas.exceed_space(clients, hdfs_quota.area, folder.path, narrate)


@then("HDFS refuses the write, naming the space quota")
def space_refused(hdfs_quota, refusal):
    assert not hdfs_quotas.space_refusal_problems(hdfs_quota, refusal)


@then("the refused file does not exist, not even in part")
def nothing_left(refusal, narrate):
    assert not hdfs_quotas.remainder_problems(refusal, narrate)


@then("removing the folder gives the prod directory back the usage it had")
def usage_restored(clients, hdfs_quota, folder, narrate):
    assert not hdfs_quotas.restored_problems(clients, hdfs_quota.area, folder, narrate)
