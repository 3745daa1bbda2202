"""The presenter's Kafka act: the six steps of the live demo, each one call into the package."""

import json

from pytest_bdd import given, parsers, then, when

from agility.checks import reconcile
from agility.checks.roundtrip import create_topic
from agility.clients.edge_kafka import advertised_brokers, topic_offsets
from agility.core import sockets
from agility.jobs import producer
from agility.jobs.ledger import Ledger
from agility.provisioning.kafka import topics_seen_by
from agility.reach import tunnel

DEMO_ORDERS = 2000


@given("the dev Kafka developer is provisioned", target_fixture="developer")
def dev_developer(connections, narrate):
    return connections.open("dev", narrate)


@when("the dev Kafka developer opens an SSH tunnel through the bastion", target_fixture="opened")
def developer_tunnel(platform, developer, narrate):
    user = developer.area.kafka_account
    state = tunnel.running(platform, user, ("kafka",))
    assert state is not None, f"no tunnel of {user} is running"
    bastion = f"{platform.bastion.host}:{platform.bastion.port}"
    narrate(f"{state['user']}@{bastion} with key {platform.ssh_user(user).key}, pid {state['pid']} "
            f"(connected to {', '.join(sockets.peers(state['pid']))}), listening on "
            + ", ".join(sockets.listening(state["pid"])))
    assert bastion in sockets.peers(state["pid"]), f"the tunnel process has no SSH connection to {bastion}"
    return state


@then("the tunnel forwards every broker's external listener and nothing else")
def forwards_brokers(developer, opened, narrate):
    # the kernel's sockets of the tunnel process against the addresses the brokers advertise to us
    listening = sockets.listening(opened["pid"])
    advertised = advertised_brokers(developer.clients, developer.clients.kafka_account(developer.area.name))
    narrate(f"brokers advertise {', '.join(advertised)}; the tunnel listens on {', '.join(listening)}")
    assert listening == advertised


@then("the dev Kafka user is authenticated by SCRAM and sees only dev topics")
def sees_only_own_topics(developer, narrate):
    clients, area = developer.clients, developer.area
    create_topic(clients, "prod.visibility_check")  # as admin: a topic the dev user must not see
    seen = topics_seen_by(clients, clients.kafka_account(area.name))
    everything = topics_seen_by(clients, clients.kafka_account(None))
    narrate(f"SCRAM-SHA-512 as {clients.kafka_account(area.name).user}: sees {len(seen)} of {len(everything)} topics")
    assert seen == [topic for topic in everything if topic.startswith(area.kafka_prefix)]
    assert "prod.visibility_check" in everything and "prod.visibility_check" not in seen


@then("the bastion refuses the dev Kafka developer a forward to the MySQL server")
def refuses_mysql(platform, developer, narrate):
    refusal = developer.shell.forward_refusal(platform.mysql["address"])
    narrate(f"forward to {platform.mysql['address']} as {developer.area.kafka_account}: {refusal or 'GRANTED'}")
    # code 1 is sshd's "administratively prohibited": a policy refusal, not a target that did not answer
    assert refusal is not None and refusal.endswith("(code 1)"), refusal


@when(parsers.parse("I run the producer job for {count:d} orders in the dev area"), target_fixture="produced")
def run_producer(platform, developer, demo, count, narrate):
    result = producer.run(developer.clients, developer.area, demo.dataset, count,
                          seed=demo.seed + len(demo.produced), profile_name=platform.name, progress=False)
    demo.produced.append(result)
    narrate(result.summary())
    return result


@then(parsers.parse("the brokers hold all {count:d} orders and the ledger records each one at its offset"))
def acknowledged(platform, developer, demo, produced, count, narrate):
    ledger = Ledger.for_dataset(platform.name, developer.area, demo.dataset)
    offsets = topic_offsets(developer.clients, developer.clients.kafka_account(developer.area.name), produced.topic)
    held = sum(end - earliest for earliest, end in offsets.values())
    narrate(f"{produced.topic} on the brokers: " + ", ".join(f"p{p} [{first}, {end})" for p, (first, end) in
                                                              sorted(offsets.items())) + f", {held} records")
    assert produced.produced == count
    sent = sum(result.produced + result.bad for result in demo.produced)
    assert held == sent, f"the brokers hold {held} records, the producer's runs had {sent} acknowledged"
    ids = ledger.ids()
    assert len(ids) == len(set(ids)) == sum(result.produced for result in demo.produced)
    problems = reconcile.ledger_against_topic(ledger.positions(), offsets)
    assert not problems, "; ".join(problems)


@given("the dev orders topic holds the demo's orders")
def topic_holds_orders(platform, developer, demo, narrate):
    if not demo.produced:
        demo.produced.append(producer.run(developer.clients, developer.area, demo.dataset, DEMO_ORDERS,
                                          seed=demo.seed, profile_name=platform.name, progress=False))
    narrate(f"{developer.area.topic(demo.dataset)}: {sum(result.produced for result in demo.produced)} orders")


@when("I describe the topic with kafka-topics on the edge node", target_fixture="partitions")
def describe_topic(developer, dataset, narrate):
    partitions = developer.tools.describe_topic(developer.area.topic(dataset))
    for info in partitions:
        narrate(f"partition {info.partition}: leader {info.leader}, replicas {info.replicas}, in sync {info.isr}")
    return partitions


@then("every partition has a leader and its replicas in sync")
def partitions_healthy(partitions, demo):
    assert len(partitions) == demo.produced[0].partitions
    assert all(info.leader >= 0 and sorted(info.isr) == sorted(info.replicas) for info in partitions)


@then(parsers.parse("kafka-console-consumer on the edge node shows {count:d} of the orders"))
def console_sample(platform, developer, dataset, count, narrate):
    lines = developer.tools.sample(developer.area.topic(dataset), count)
    for line in lines:
        narrate(line[:150])
    sent = {order["order_id"]: order for order in Ledger.for_dataset(platform.name, developer.area, dataset).orders()}
    assert len(lines) == count
    for line in lines:
        key, value = line.split(" | ", 1)
        assert json.loads(value) == sent.get(key), f"{key}: the topic holds {value[:200]}, the ledger {sent.get(key)}"


@then(parsers.parse("kafka-consumer-groups on the edge node shows the {sink} sink's lag at 0"))
def lag_zero(developer, dataset, sink, narrate):
    lag = developer.tools.group_lag(developer.area.group(dataset, sink))
    narrate(f"group {lag.group}: lag " + ", ".join(f"p{p}={n}" for p, n in sorted(lag.lag_by_partition.items())))
    assert lag.total == 0
