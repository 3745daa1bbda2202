"""The presenter's Kafka act: the six steps of the live demo, each one call into the package."""

from pytest_bdd import given, parsers, then, when

from agility.checks import event_stream


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
    assert not event_stream.forward_refusal_problems(platform, developer.shell, developer.area, narrate)


@when(parsers.parse("I run the producer job for {count:d} orders in the dev area"), target_fixture="produced")
def run_producer(platform, developer, demo, count, narrate):
    return event_stream.produce_orders(platform.name, developer.clients, developer.area, demo.dataset, count,
                                       demo.seed, demo.produced, narrate)


@then(parsers.parse("the brokers hold all {count:d} orders and the ledger records each one at its offset"))
def acknowledged(platform, developer, demo, count, narrate):
    assert not event_stream.produced_problems(platform.name, developer.clients, developer.area, demo.dataset,
                                              demo.produced, count, narrate)


@given("the dev orders topic holds the demo's orders")
def topic_holds_orders(platform, developer, demo, narrate):
    event_stream.ensure_demo_orders(platform.name, developer.clients, developer.area, demo.dataset, demo.seed,
                                    demo.produced, narrate)


@when("I describe the topic with kafka-topics on the edge node", target_fixture="partitions")
def describe_topic(developer, dataset, narrate):
    return event_stream.described_topic(developer.tools, developer.area, dataset, narrate)


@then("every partition has a leader and its replicas in sync")
def partitions_healthy(partitions, demo):
    assert not event_stream.partition_problems(partitions, demo.produced)


@then(parsers.parse("kafka-console-consumer on the edge node shows {count:d} of the orders"))
def console_sample(platform, developer, dataset, count, narrate):
    assert not event_stream.sample_problems(platform.name, developer.tools, developer.area, dataset, count, narrate)


@then(parsers.parse("kafka-consumer-groups on the edge node shows the {sink} sink's lag at 0"))
def lag_zero(developer, dataset, sink, narrate):
    assert not event_stream.lag_problems(developer.tools, developer.area, dataset, sink, narrate)
