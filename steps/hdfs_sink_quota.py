"""The prod HDFS sink against the area's space quota: one call into agility.checks.hdfs_sink_quota per step."""

from pytest_bdd import given, then, when

from agility.checks import hdfs_sink_quota


@given("the prod area's space quota leaves room for about two batch files", target_fixture="squeezed")
def quota_squeezed(request, developer, narrate):
    request.addfinalizer(lambda: hdfs_sink_quota.restore(developer.clients, developer.area, narrate))
    return hdfs_sink_quota.squeeze(developer.clients, developer.area, narrate)


@when("the prod HDFS sink job runs into the space quota", target_fixture="sink_stop")
def sink_into_quota(developer, dataset, squeezed, narrate):
    return hdfs_sink_quota.run_into_quota(developer.clients, developer.area, dataset, narrate)


@then("it stops with HDFS's own space quota message")
def stops_at_quota(sink_stop):
    assert not hdfs_sink_quota.stop_problems(sink_stop)


@then("it left whole ledger orders only, and its group committed exactly those")
def left_whole_orders(platform, developer, dataset, narrate):
    assert not hdfs_sink_quota.left_behind_problems(platform.name, developer.clients, developer.area, dataset, narrate)


@when("the prod area's HDFS quotas are restored as declared")
def quotas_restored(developer, narrate):
    hdfs_sink_quota.restore(developer.clients, developer.area, narrate)
