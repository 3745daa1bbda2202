"""Sink jobs and their reconciliation, for any area: the Kafka act and the pipeline checks."""

from pytest_bdd import given, parsers, then, when

from agility.checks import pipeline, reconcile
from agility.config.areas import SINKS
from agility.jobs import producer
from agility.jobs.ledger import Ledger


@given(parsers.parse("the {area_name} area's developer is provisioned"), target_fixture="developer")
def area_developer(connections, area_name, narrate):
    return connections.open(area_name, narrate)


@given(parsers.re(r"a fresh prod dataset with (?P<count>\d+) orders(?: and (?P<bad>\d+) bad records)? from the producer job"),
       target_fixture="dataset")
def fresh_orders(request, platform, developer, fresh_dataset, count, bad, narrate):
    name = fresh_dataset()
    # the prod area's HDFS quotas bound what it holds: each scenario takes its files away again
    request.addfinalizer(lambda: developer.clients.hdfs_client(user=developer.area.hdfs_account).delete(
        developer.area.hdfs_path(name), recursive=True))
    result = producer.run(developer.clients, developer.area, name, int(count), seed=7, bad=int(bad or 0),
                          profile_name=platform.name, progress=False)
    narrate(result.summary())
    return name


@when(parsers.parse("I run the {sink} sink job in the {area_name} area"), target_fixture="sink_run")
@when(parsers.parse("I run the {sink} sink job in the {area_name} area again"), target_fixture="sink_run")
def run_sink(developer, dataset, sink, area_name, narrate):
    assert developer.area.name == area_name
    result = pipeline.run_sink(sink, developer.clients, developer.area, dataset)
    narrate(result.summary())
    return result


@when("I run the cassandra, mysql and hdfs sink jobs in the prod area")
def run_every_sink(developer, dataset, narrate):
    for sink in SINKS:
        narrate(pipeline.run_sink(sink, developer.clients, developer.area, dataset).summary())


@then(parsers.parse("the {sink} sink reconciles with the ledger field by field: nothing missing, nothing twice"))
def sink_reconciles(platform, developer, dataset, sink, narrate):
    ledger = Ledger.for_dataset(platform.name, developer.area, dataset)
    result = pipeline.check_sink(sink, developer.clients, developer.area, dataset, ledger)
    narrate(result.summary())
    assert result.ok, result.summary()


@then(parsers.parse("every sink reconciles with the ledger field by field: nothing missing, nothing twice, "
                    "dead-lettered {bad:d}"))
def every_sink_reconciles(platform, developer, dataset, bad, narrate):
    ledger = Ledger.for_dataset(platform.name, developer.area, dataset)
    for sink in SINKS:
        result = pipeline.check_sink(sink, developer.clients, developer.area, dataset, ledger)
        narrate(result.summary())
        assert result.ok and result.dead_lettered == bad, result.summary()


@then("the dead-letter topic holds each bad record once per sink with its reason")
def dead_letters_with_reason(platform, developer, dataset, narrate):
    ledger_bad = sorted(Ledger.for_dataset(platform.name, developer.area, dataset).bad())
    for sink in SINKS:
        letters = sorted(reconcile.dead_letters(developer.clients, developer.area, dataset, sink=sink))
        assert letters == ledger_bad, (sink, letters, ledger_bad)
    kinds = sorted({kind for kind, _, _ in ledger_bad})
    narrate(f"{developer.area.dead_letter_topic(dataset)}: {len(ledger_bad)} per sink, reasons {', '.join(kinds)}")
    assert kinds == ["malformed-json", "oversized", "schema"]


@then("the orders sit in hourly batch files under the area's HDFS folder")
def hourly_files(developer, dataset, narrate):
    files = reconcile.hdfs_files(developer.clients, developer.area, dataset)
    hours = {path.rsplit("/", 1)[0] for path in files}
    narrate(f"{len(files)} files in {len(hours)} date/hour folders under {developer.area.hdfs_path(dataset)}, "
            f"e.g. {files[0] if files else '-'}")
    assert files and all("/date=" in path and "/hour=" in path and path.endswith(".jsonl") for path in files)


@when(parsers.parse("the {sink} sink job runs as a process and is killed with SIGKILL after its first commit"),
      target_fixture="killed")
def kill_mid_stream(platform, developer, dataset, sink, narrate):
    killed = pipeline.kill_after_first_commit(platform, developer.clients, developer.area, dataset, sink)
    narrate(killed.summary())
    return killed


@then("Kafka shows the dead sink's group committed part of the topic, not all of it")
def killed_mid_stream(killed):
    assert killed.mid_stream, killed.summary()


@then("the restarted sink read exactly the records the dead one had not committed")
def restart_read_the_rest(killed, sink_run, narrate):
    narrate(f"restarted {sink_run.sink}: read {sink_run.read}; the dead job had left {killed.uncommitted}")
    assert sink_run.read == killed.uncommitted > 0, (sink_run.summary(), killed.summary())
