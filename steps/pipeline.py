"""Sink jobs and their reconciliation, for any area: the Kafka act and the pipeline checks."""

from pytest_bdd import given, parsers, then, when

from agility.checks import pipeline


@given(parsers.parse("the {area_name} area's developer is provisioned"), target_fixture="developer")
def area_developer(connections, area_name, narrate):
    return connections.open(area_name, narrate)


@given(parsers.re(r"a fresh prod dataset with (?P<count>\d+) orders(?: and (?P<bad>\d+) bad records)? from the producer job"),
       target_fixture="dataset")
def fresh_orders(request, platform, developer, fresh_dataset, count, bad, narrate):
    return pipeline.fresh_orders(platform.name, developer.clients, developer.area, fresh_dataset(), int(count),
                                 int(bad or 0), narrate, cleanup=request.addfinalizer)


@when(parsers.parse("I run the {sink} sink job in the {area_name} area"), target_fixture="sink_run")
@when(parsers.parse("I run the {sink} sink job in the {area_name} area again"), target_fixture="sink_run")
def run_sink(developer, dataset, sink, area_name, narrate):
    assert developer.area.name == area_name
    return pipeline.run_sink_and_say(sink, developer.clients, developer.area, dataset, narrate)


@when("I run the cassandra, mysql and hdfs sink jobs in the prod area")
def run_every_sink(developer, dataset, narrate):
    pipeline.run_every_sink(developer.clients, developer.area, dataset, narrate)


@then(parsers.parse("the {sink} sink reconciles with the ledger field by field: nothing missing, nothing twice"))
def sink_reconciles(platform, developer, dataset, sink, narrate):
    assert not pipeline.sink_problems(platform.name, developer.clients, developer.area, dataset, sink, narrate)


@then(parsers.parse("every sink reconciles with the ledger field by field: nothing missing, nothing twice, "
                    "dead-lettered {bad:d}"))
def every_sink_reconciles(platform, developer, dataset, bad, narrate):
    assert not pipeline.every_sink_problems(platform.name, developer.clients, developer.area, dataset, bad, narrate)


@then("the dead-letter topic holds each bad record once per sink with its reason")
def dead_letters_with_reason(platform, developer, dataset, narrate):
    assert not pipeline.dead_letter_problems(platform.name, developer.clients, developer.area, dataset, narrate)


@then("the orders sit in hourly batch files under the area's HDFS folder")
def hourly_files(developer, dataset, narrate):
    assert not pipeline.hourly_file_problems(developer.clients, developer.area, dataset, narrate)


@when(parsers.parse("the {sink} sink job runs as a process and is killed with SIGKILL after its first commit"),
      target_fixture="killed")
def kill_mid_stream(platform, developer, dataset, sink, narrate):
    return pipeline.kill_after_first_commit(platform, developer.clients, developer.area, dataset, sink, narrate)


@then("Kafka shows the dead sink's group committed part of the topic, not all of it")
def killed_mid_stream(killed):
    assert killed.mid_stream, killed.summary()


@then("the restarted sink read exactly the records the dead one had not committed")
def restart_read_the_rest(killed, sink_run, narrate):
    assert not pipeline.restart_problems(killed, sink_run, narrate)
