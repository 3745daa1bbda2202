"""The HDFS act: Hadoop's `hdfs dfs` on the edge node over the sink's batch files, then the
pySpark analytics job, each result checked against the producer's ledger."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import analytics_results, hdfs_files
from agility.checks.shared_dataset import SharedDataset

SEED = 27  # another day of the demo week than the Kafka act's orders


@pytest.fixture(scope="module")
def hdfs_data() -> SharedDataset:
    """The act's dataset, filled once per module: produced, then written to HDFS by the sink."""
    return SharedDataset("orders_hdfs", SEED, sinks=("hdfs",), reconciled=True)


@given(parsers.parse("the dev area has {count:d} orders on HDFS written by the sink job"), target_fixture="dataset")
def orders_on_hdfs(platform, developer, hdfs_data, count, narrate):
    return hdfs_files.sink_dataset(platform.name, developer.clients, developer.area, hdfs_data, count, narrate)


# --- the HDFS shell -----------------------------------------------------------------------------
@when("I start an HDFS client session on the edge node", target_fixture="hdfs")
@given("an HDFS client session on the edge node", target_fixture="hdfs")
def hdfs_session(platform, developer, narrate):
    return hdfs_files.start_session(platform, developer.shell, narrate)


@then("the session talks to the cluster's NameNode and sees the area's datasets")
def talks_to_namenode(platform, developer, hdfs, dataset, narrate):
    assert not hdfs_files.namenode_problems(platform, developer.area, hdfs, dataset, narrate)


@then("HDFS knows me by my own user name")
def hdfs_identity(hdfs, narrate):
    assert not hdfs_files.identity_problems(hdfs, narrate)


@when("I list the dataset's folder with hdfs dfs -ls -R", target_fixture="listing")
def list_recursively(developer, hdfs, dataset, narrate):
    return hdfs_files.list_dataset(hdfs, developer.area, dataset, narrate)


@then("the listing holds every batch file the sink wrote, one folder per event date and hour")
def listing_matches_sink(platform, developer, dataset, listing, narrate):
    assert not hdfs_files.listing_problems(platform.name, developer.clients, developer.area, dataset, listing, narrate)


@then("hdfs dfs -count and hdfs dfs -du -h agree with the listing")
def count_and_du(developer, hdfs, dataset, listing, narrate):
    assert not hdfs_files.count_problems(hdfs, developer.area, dataset, listing, narrate)


@then("hdfs dfs -stat shows each batch file's size, replication and owner")
def stat_files(developer, hdfs, listing, narrate):
    assert not hdfs_files.stat_problems(hdfs, developer.area, listing, narrate)


@then("hdfs dfs -cat of a batch file shows exactly the orders the ledger has at its offsets")
def cat_file(platform, developer, hdfs, dataset, listing, narrate):
    assert not hdfs_files.cat_problems(platform.name, developer.area, dataset, hdfs, listing, narrate)


@when("I list an HDFS path that does not exist", target_fixture="failure")
def list_missing(developer, hdfs, narrate):
    return hdfs_files.list_missing(hdfs, developer.area, narrate)


@then("the shell says the path does not exist, in one line without a Java stack trace")
def clear_shell_message(failure):
    assert not hdfs_files.missing_path_problems(failure)


# --- the pySpark job ----------------------------------------------------------------------------
@when("I run the pySpark analytics job on the Spark cluster", target_fixture="analysed")
def run_analytics(platform, developer, dataset, narrate):
    return analytics_results.run(platform, developer.shell, developer.area, dataset, narrate)


@then("it shows revenue by region and hour, top customers, hour-over-hour anomalies and basket pairs")
def shows_tables(analysed, narrate):
    assert not analytics_results.tables_problems(analysed, narrate)


@then("every result equals the independent computation over the producer's ledger")
def equals_reference(platform, developer, dataset, analysed, narrate):
    assert not analytics_results.reference_problems(platform.name, developer.area, dataset, analysed, narrate)


@then("the results are on HDFS as Parquet files")
def parquet_written(platform, developer, analysed, narrate):
    assert not analytics_results.parquet_problems(platform, developer.shell, analysed, narrate)


@when("I run the pySpark analytics job on a dataset that is not on HDFS", target_fixture="failure")
def run_analytics_missing(platform, developer, narrate):
    return analytics_results.run_missing(platform, developer.shell, developer.area, narrate)


@then("the job says the dataset's HDFS folder does not exist, in one line without a Java stack trace")
def clear_job_message(failure):
    assert not analytics_results.missing_dataset_problems(failure)


# --- the HDFS data sets, drawn from the cluster --------------------------------------------------
@when("the operator draws the HDFS data sets with agility diagram", target_fixture="drawing")
def draw_datasets(agility_command, tmp_path, narrate):
    return hdfs_files.drawn_datasets(agility_command, tmp_path, narrate)


@then("the drawing shows the dataset in its area's folder with the files, bytes and folders of the listing")
def drawing_matches(developer, dataset, drawing, listing, narrate):
    assert not hdfs_files.drawing_problems(drawing, developer.area, dataset, listing, narrate)
