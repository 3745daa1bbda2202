"""The HDFS act: Hadoop's `hdfs dfs` on the edge node over the sink's batch files, then the
pySpark analytics job, each result checked against the producer's ledger."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import pipeline, reconcile
from agility.clients.edge_hdfs import EdgeHdfs
from agility.core.errors import AgilityError
from agility.jobs import analytics, analytics_reference, orders, producer
from agility.jobs.ledger import Ledger

SEED = 27  # another day of the demo week than the Kafka act's orders


@dataclass
class HdfsData:
    """The act's dataset, filled once per module: produced, then written to HDFS by the sink."""

    dataset: str = field(default_factory=lambda: f"orders_hdfs_{uuid.uuid4().hex[:8]}")
    orders: int = 0


@pytest.fixture(scope="module")
def hdfs_data() -> HdfsData:
    return HdfsData()


@given(parsers.parse("the dev area has {count:d} orders on HDFS written by the sink job"), target_fixture="dataset")
def orders_on_hdfs(platform, developer, hdfs_data, count, narrate):
    if hdfs_data.orders != count:
        made = producer.run(developer.clients, developer.area, hdfs_data.dataset, count, seed=SEED,
                            profile_name=platform.name, progress=False, fresh_ledger=True)
        narrate(made.summary())
        narrate(pipeline.run_sink("hdfs", developer.clients, developer.area, hdfs_data.dataset).summary())
        checked = pipeline.check_sink("hdfs", developer.clients, developer.area, hdfs_data.dataset,
                                      Ledger.for_dataset(platform.name, developer.area, hdfs_data.dataset))
        assert checked.ok, checked.summary()
        hdfs_data.orders = count
    narrate(f"{developer.area.hdfs_path(hdfs_data.dataset)}: {hdfs_data.orders} orders from the HDFS sink")
    return hdfs_data.dataset


# --- the HDFS shell -----------------------------------------------------------------------------
@when("I start an HDFS client session on the edge node", target_fixture="hdfs")
@given("an HDFS client session on the edge node", target_fixture="hdfs")
def hdfs_session(platform, developer, narrate):
    session = EdgeHdfs(platform, developer.shell)
    narrate(f"{developer.shell.user}@{platform.edge}: hdfs dfs = {session.describe()}")
    return session


@then("the session talks to the cluster's NameNode and sees the area's datasets")
def talks_to_namenode(platform, developer, hdfs, dataset, narrate):
    usage = hdfs.df("/")
    for line in usage.strip().splitlines():
        narrate(line)
    folders = [entry.path for entry in hdfs.ls(developer.area.hdfs_root) if entry.is_dir]
    narrate(f"hdfs dfs -ls {developer.area.hdfs_root}: {len(folders)} folders, among them {developer.area.hdfs_path(dataset)}")
    assert platform.hdfs["namenode"] in usage
    assert developer.area.hdfs_path(dataset) in folders


@then("HDFS knows me by my own user name")
def hdfs_identity(developer, hdfs, narrate):
    seen = hdfs.whoami()
    narrate(f"a file touched in /tmp by {developer.shell.user} is owned by {seen} (simple auth: the OS user)")
    assert seen == developer.shell.user


@when("I list the dataset's folder with hdfs dfs -ls -R", target_fixture="listing")
def list_recursively(developer, hdfs, dataset, narrate):
    listing = hdfs.ls(developer.area.hdfs_path(dataset), recursive=True)
    for entry in listing[:6]:
        narrate(entry.line())
    narrate(f"… {len(listing)} entries")
    return listing


@then("the listing holds every batch file the sink wrote, one folder per event date and hour")
def listing_matches_sink(platform, developer, dataset, listing, narrate):
    files = sorted(entry.path for entry in listing if not entry.is_dir)
    hours = sorted({entry.path for entry in listing if entry.is_dir and "/hour=" in entry.path})
    expected_hours = sorted({f"{developer.area.hdfs_path(dataset)}/date={hour[:10]}/hour={hour[11:13]}" for hour in
                             (analytics_reference.hour_label(analytics_reference.hour_of(order)) for order in
                              Ledger.for_dataset(platform.name, developer.area, dataset).orders())})
    narrate(f"{len(files)} batch files in {len(hours)} hour folders; the same files through WebHDFS")
    assert files == reconcile.hdfs_files(developer.clients, developer.area, dataset)
    assert hours == expected_hours


@then("hdfs dfs -count and hdfs dfs -du -h agree with the listing")
def count_and_du(developer, hdfs, dataset, listing, narrate):
    root = developer.area.hdfs_path(dataset)
    count = hdfs.count(root)
    narrate(f"hdfs dfs -count: {count.directories} directories, {count.files} files, {count.bytes} bytes")
    for size, path in hdfs.du(root):
        narrate(f"hdfs dfs -du -h: {size:>8}  {path}")
    files = [entry for entry in listing if not entry.is_dir]
    assert (count.directories, count.files, count.bytes) == (
        1 + sum(entry.is_dir for entry in listing), len(files), sum(entry.size for entry in files))
    assert hdfs.du(root, human=False, summary=True) == [(str(count.bytes), root)]


@then("hdfs dfs -stat shows each batch file's size, replication and owner")
def stat_files(developer, hdfs, listing, narrate):
    files = [entry for entry in listing if not entry.is_dir]
    lines = hdfs.stat("%b %r %u %n", *(entry.path for entry in files))
    for line in lines[:3]:
        narrate(f"hdfs dfs -stat '%b %r %u %n': {line}")
    # the sink writes as the area's HDFS account; the developer reads through the area's group
    assert lines == [f"{entry.size} {entry.replication} {developer.area.hdfs_account} {entry.path.rsplit('/', 1)[1]}"
                     for entry in files]


@then("hdfs dfs -cat of a batch file shows exactly the orders the ledger has at its offsets")
def cat_file(platform, developer, hdfs, dataset, listing, narrate):
    path = next(entry.path for entry in listing if not entry.is_dir)
    lines = [json.loads(line) for line in hdfs.cat(path).splitlines() if line.strip()]
    narrate(f"hdfs dfs -cat {path}: {len(lines)} orders")
    for line in lines[:3]:
        narrate(f"p{line['kafka_partition']}@{line['kafka_offset']}: {orders.describe(line)}")
    at = {(entry["partition"], entry["offset"]): entry["order"]
          for entry in Ledger.for_dataset(platform.name, developer.area, dataset).entries() if "order" in entry}
    assert path.endswith(f"part-p{lines[0]['kafka_partition']}-o{lines[0]['kafka_offset']:012d}.jsonl")
    for line in lines:
        position = (line.pop("kafka_partition"), line.pop("kafka_offset"))
        assert at.get(position) == line, (position, line)


@when("I list an HDFS path that does not exist", target_fixture="failure")
def list_missing(developer, hdfs, narrate):
    path = f"{developer.area.hdfs_root}/no_such_dataset_{uuid.uuid4().hex[:6]}"
    with pytest.raises(AgilityError) as raised:
        hdfs.ls(path)
    narrate(str(raised.value))
    return str(raised.value), path


@then("the shell says the path does not exist, in one line without a Java stack trace")
def clear_shell_message(failure):
    message, path = failure
    assert message.endswith(f"{path} does not exist")
    assert_one_clear_line(message)


# --- the pySpark job ----------------------------------------------------------------------------
@when("I run the pySpark analytics job on the Spark cluster", target_fixture="analysed")
def run_analytics(platform, developer, dataset, narrate):
    result = analytics.run_on_edge(developer.shell, platform, developer.area, dataset)
    narrate(f"{result['application_id']} on {result['master']}, driver on {platform.edge} as {developer.shell.user}: "
            f"{result['files']} files, {result['records']} records, {result['duplicates_dropped']} duplicates dropped; "
            f"session {result['session_seconds']} s, analysis {result['analysis_seconds']} s "
            f"({result['records_per_second']} records/s), {result['wall_seconds']} s in all")
    return result


@then("it shows revenue by region and hour, top customers, hour-over-hour anomalies and basket pairs")
def shows_tables(analysed, narrate):
    for line in analysed["printed"].splitlines():
        if line.strip():
            narrate(line)
    for heading in ("Revenue (EUR) by event hour", "Top 10 customers", "Hour over hour", "Basket pairs"):
        assert heading in analysed["printed"]
    assert all(analysed[table] for table in analytics_reference.TABLES)


@then("every result equals the independent computation over the producer's ledger")
def equals_reference(platform, developer, dataset, analysed, narrate):
    expected = analytics_reference.compute(Ledger.for_dataset(platform.name, developer.area, dataset).orders())
    differences = analytics_reference.differences(analysed, expected)
    flagged = analytics_reference.anomalies(expected["hour_over_hour"])
    narrate(", ".join(f"{table} {len(expected[table])} rows" for table in analytics_reference.TABLES)
            + f": {'equal' if not differences else f'{len(differences)} differences'} to the ledger's computation")
    narrate("anomalies (|z| ≥ 2): " + ("; ".join(f"{row[0]} {row[1]} revenue {row[3]} z {row[5]}" for row in flagged)
                                       or "none"))
    assert not differences, "\n".join(differences[:20])


@then("the results are on HDFS as Parquet files")
def parquet_written(platform, developer, analysed, narrate):
    hdfs = EdgeHdfs(platform, developer.shell)
    for table, written in analysed["written"].items():
        names = [entry.path.rsplit("/", 1)[1] for entry in hdfs.ls(written["path"])]
        parquet = [name for name in names if name.endswith(".parquet")]
        narrate(f"{written['path']}: {', '.join(names)} ({written['rows']} rows)")
        assert "_SUCCESS" in names and parquet
        assert written["rows"] == len(analysed[table])


@when("I run the pySpark analytics job on a dataset that is not on HDFS", target_fixture="failure")
def run_analytics_missing(platform, developer, narrate):
    dataset = f"no_such_dataset_{uuid.uuid4().hex[:6]}"
    with pytest.raises(AgilityError) as raised:
        analytics.run_on_edge(developer.shell, platform, developer.area, dataset, quiet=True)
    narrate(str(raised.value))
    return str(raised.value), developer.area.hdfs_path(dataset)


@then("the job says the dataset's HDFS folder does not exist, in one line without a Java stack trace")
def clear_job_message(failure):
    message, path = failure
    assert f"{path} does not exist" in message
    assert_one_clear_line(message)


def assert_one_clear_line(message: str) -> None:
    __tracebackhide__ = True
    assert len(message.splitlines()) == 1, message
    assert "Exception" not in message and "\tat " not in message and "Traceback" not in message, message
