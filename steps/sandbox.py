"""The sandbox act: one round trip per service, from the workstation through the bastion."""

from pytest_bdd import parsers, then, when

from agility.checks import roundtrip


@when("I produce one message with a unique key to a fresh topic", target_fixture="sent")
def produce_one(clients, unique, narrate):
    return roundtrip.sent_message(clients, unique("roundtrip"), unique("key"), narrate)


@then("I consume that same message from the topic")
def consume_same(clients, sent, narrate):
    assert not roundtrip.message_problems(clients, sent, narrate)


@when("I write a row to a fresh CQL table", target_fixture="written")
def cql_write(clients, unique, narrate):
    return roundtrip.cql_written(clients, unique("roundtrip"), unique("id"), narrate)


@then("I read the same row back with CQL")
def cql_read(clients, written, narrate):
    assert not roundtrip.cql_problems(clients, written, narrate)


@when("I write a file to a fresh HDFS path through WebHDFS", target_fixture="stored")
def hdfs_write(clients, unique, narrate):
    return roundtrip.hdfs_written(clients, f"/tmp/{unique('roundtrip')}.txt", narrate)


@then("I read the same bytes back and the file is listed")
def hdfs_read(clients, stored, narrate):
    assert not roundtrip.hdfs_problems(clients, stored, narrate)


@when("I insert a row into a fresh MariaDB table", target_fixture="inserted")
def mysql_insert(clients, unique, narrate):
    return roundtrip.mysql_inserted(clients, unique("roundtrip"), unique("id"), narrate)


@then("I select the same row back")
def mysql_select(clients, inserted, narrate):
    assert not roundtrip.mysql_problems(clients, inserted, narrate)


@when(parsers.parse("the dev developer runs a Spark job on the edge node that counts {rows:d} rows"),
      target_fixture="counted")
def spark_count(dev_shell, platform, rows, narrate):
    return roundtrip.spark_counted(dev_shell, platform, platform.area("dev"), rows, narrate)


@then(parsers.parse("the job counted {rows:d} rows on the cluster's workers"))
def spark_counted(counted, platform, rows):
    assert not roundtrip.count_problems(platform, counted, rows)


@when("I run hostname on every node through the bastion", target_fixture="answers")
def ssh_everywhere(cluster_shell, platform, narrate):
    return roundtrip.node_names(cluster_shell, platform, narrate)


@then("every node answers with its own name")
def own_names(answers):
    assert not roundtrip.name_problems(answers)
