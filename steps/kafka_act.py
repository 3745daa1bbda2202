"""The presenter's Kafka act: the six steps of the live demo, each one call into the package."""

from pytest_bdd import given, parsers, then, when

from agility.checks import event_stream
from agility.jobs import producer
from agility.jobs.ledger import Ledger

DEMO_ORDERS = 2000


@given("the dev Kafka developer is provisioned", target_fixture="developer")
def dev_developer(connections, narrate):
    return connections.open("dev", narrate)


@when("the dev Kafka developer opens an SSH tunnel through the bastion", target_fixture="opened")
def developer_tunnel(platform, developer, narrate):
    return event_stream.developer_tunnel(platform, developer.area, narrate)


@then("the tunnel forwards every broker's external listener and nothing else")
def forwards_brokers(developer, opened, narrate):
    assert not event_stream.forwards_problems(developer.clients, developer.area, opened, narrate)


@then("the dev Kafka user is authenticated by SCRAM and sees only dev topics")
def sees_only_own_topics(developer, narrate):
    assert not event_stream.visibility_problems(developer.clients, developer.area, narrate)


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
def acknowledged(platform, developer, demo, count, narrate):
    ledger = Ledger.for_dataset(platform.name, developer.area, demo.dataset)
    assert not event_stream.produced_problems(developer.clients, developer.area, ledger, demo.produced, count, narrate)


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
    ledger = Ledger.for_dataset(platform.name, developer.area, dataset)
    assert not event_stream.sample_problems(developer.tools, developer.area, dataset, ledger, count, narrate)


@then(parsers.parse("kafka-consumer-groups on the edge node shows the {sink} sink's lag at 0"))
def lag_zero(developer, dataset, sink, narrate):
    assert not event_stream.lag_problems(developer.tools, developer.area, dataset, sink, narrate)
