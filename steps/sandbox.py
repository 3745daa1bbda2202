"""The sandbox act: one round trip per service, from the workstation through the bastion."""

from pytest_bdd import parsers, then, when

from agility.checks import roundtrip


@when("I produce one message with a unique key to a fresh topic", target_fixture="sent")
def produce_one(clients, unique, narrate):
    topic, key = unique("roundtrip"), unique("key")
    replication = roundtrip.create_topic(clients, topic)
    metadata = roundtrip.produce_one(clients, topic, key, f"hello from {key}")
    narrate(f"topic {topic} (replication {replication}): offset {metadata.offset} acknowledged by all replicas")
    return {"topic": topic, "key": key, "value": f"hello from {key}"}


@then("I consume that same message from the topic")
def consume_same(clients, sent, narrate):
    key, value, offset = roundtrip.consume_one(clients, sent["topic"])
    narrate(f"consumed key {key} at offset {offset}")
    assert (key, value) == (sent["key"], sent["value"])


@when("I write a row to a fresh CQL table", target_fixture="written")
def cql_write(clients, unique, narrate):
    table, key = unique("roundtrip"), unique("id")
    roundtrip.cql_write(clients, table, key, "kept by Cassandra")
    narrate(f"INSERT into {roundtrip.CHECKS_KEYSPACE}.{table}")
    return {"table": table, "key": key, "body": "kept by Cassandra"}


@then("I read the same row back with CQL")
def cql_read(clients, written, narrate):
    body = roundtrip.cql_read(clients, written["table"], written["key"])
    narrate(f"SELECT returned {body!r}")
    assert body == written["body"]


@when("I write a file to a fresh HDFS path through WebHDFS", target_fixture="stored")
def hdfs_write(clients, unique, narrate):
    path, data = f"/tmp/{unique('roundtrip')}.txt", b"kept by HDFS\n" * 100
    roundtrip.hdfs_write(clients, path, data)
    narrate(f"wrote {len(data)} bytes to {path}")
    return {"path": path, "data": data}


@then("I read the same bytes back and the file is listed")
def hdfs_read(clients, stored, narrate):
    data, listing = roundtrip.hdfs_read(clients, stored["path"])
    narrate(f"read {len(data)} bytes; {len(listing)} entries listed in the folder")
    assert data == stored["data"]
    assert stored["path"].rsplit("/", 1)[1] in listing


@when("I insert a row into a fresh MariaDB table", target_fixture="inserted")
def mysql_insert(clients, unique, narrate):
    table, key = unique("roundtrip"), unique("id")
    roundtrip.mysql_insert(clients, table, key, "kept by MariaDB")
    narrate(f"INSERT into {roundtrip.CHECKS_DATABASE}.{table}")
    return {"table": table, "key": key, "body": "kept by MariaDB"}


@then("I select the same row back")
def mysql_select(clients, inserted, narrate):
    body = roundtrip.mysql_select(clients, inserted["table"], inserted["key"])
    narrate(f"SELECT returned {body!r}")
    assert body == inserted["body"]


@when(parsers.parse("I run a Spark job on the edge node that counts {rows:d} rows on the standalone master"),
      target_fixture="counted")
def spark_count(cluster_shell, platform, rows, narrate):
    result = roundtrip.spark_count(cluster_shell, platform.edge, platform.spark["master"], rows)
    narrate(f"{result['application_id']} on {result['master']}: {result['rows']} rows in {result['seconds']} s")
    return result


@then(parsers.parse("the job counted {rows:d} rows on the cluster's workers"))
def spark_counted(counted, platform, rows):
    assert counted["rows"] == rows
    assert counted["even"] == rows // 2
    workers = set(platform.nodes) - {platform.edge}  # the driver ran on the edge, the work elsewhere
    assert counted["executor_hosts"] and set(counted["executor_hosts"]) <= workers, counted["executor_hosts"]


@when("I run hostname on every node through the bastion", target_fixture="answers")
def ssh_everywhere(cluster_shell, platform, narrate):
    answers = roundtrip.hostnames(cluster_shell, list(platform.nodes))
    narrate(", ".join(f"{node}→{name}" for node, name in answers.items()))
    return answers


@then("every node answers with its own name")
def own_names(answers):
    assert answers == {node: node for node in answers}
