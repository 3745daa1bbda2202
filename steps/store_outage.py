"""A sink's store stopped under the running job and started again (features/pipeline.feature)."""

import pytest
from pytest_bdd import parsers, then, when

from agility.checks import outage

RIDE_OUT_S = 300  # the job's own retry budget (120 s) and the rest of its work, with room to spare


@pytest.fixture
def sandbox_stores(platform, stores_stopping):
    """The sandbox's store services; whatever a scenario stopped is started again afterwards,
    pass or fail, so the shared sandbox never stays without a store."""
    try:
        stores = outage.SandboxStores(platform)
    except outage.NotTheSandbox as error:
        pytest.skip(str(error))
    yield stores
    stores.restore()


@pytest.fixture
def sink_jobs():
    """Sink processes a scenario started: none outlives it."""
    jobs = []
    yield jobs
    for job in jobs:
        job.close()


@when(parsers.parse("the {sink} sink job runs as a process and {service} is stopped under it after its first commit"),
      target_fixture="outage_run")
def store_stopped_under_sink(platform, developer, dataset, sink, service, sandbox_stores, sink_jobs, narrate):
    return outage.store_stopped_under_job(platform, developer.clients, developer.area, dataset, sink,
                                          sandbox_stores, service, narrate, started=sink_jobs.append)


@when(parsers.parse("the {sink} sink job runs as a process, retrying for at most {seconds:d} s, and {service} "
                    "is stopped under it after its first commit"), target_fixture="outage_run")
def store_stopped_for_good(platform, developer, dataset, sink, seconds, service, sandbox_stores, sink_jobs, narrate):
    return outage.store_stopped_under_job(platform, developer.clients, developer.area, dataset, sink,
                                          sandbox_stores, service, narrate, store_retry_seconds=seconds,
                                          started=sink_jobs.append)


@when(parsers.parse("the stopped {service} is started again"))
def store_started_again(outage_run, sandbox_stores, narrate):
    narrate(sandbox_stores.start(outage_run.job.sink))


@then(parsers.parse("the {sink} sink job finishes by itself with exit code 0 after retrying its store"))
def sink_rode_it_out(outage_run, sink, narrate):
    assert outage_run.job.sink == sink
    narrate(outage.finished_after_retries(outage_run.job, timeout=RIDE_OUT_S))


@then(parsers.parse("the {sink} sink job exits non-zero with one line naming its store and the error, no traceback"))
def sink_gave_up_in_one_line(outage_run, sink, narrate):
    assert outage_run.job.sink == sink
    narrate(outage.failure_line(outage_run.job, timeout=RIDE_OUT_S))


@then(parsers.parse("Kafka shows the {sink} sink's group committed part of the topic and only orders the store holds"))
def committed_only_what_was_stored(platform, developer, dataset, sink, narrate):
    assert not outage.committed_problems(platform, developer.clients, developer.area, dataset, sink, narrate)
