"""The pySpark analytics job on the cluster computes what the ledger says: every table it prints
equals agility/jobs/analytics_reference.py over the producer's ledger, and is written back to
HDFS as Parquet; on a dataset that is not on HDFS it says so in one clear line.

Each check says what it shows through `say` and returns what is wrong: an empty list proves it.
"""

from __future__ import annotations

import uuid

from agility.checks.hdfs_files import Failure, one_clear_line_problems
from agility.checks.shared_dataset import Say
from agility.clients.edge_hdfs import EdgeHdfs
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.narration import keep_table
from agility.jobs import analytics, analytics_reference
from agility.jobs.ledger import Ledger
from agility.reach.ssh import ClusterShell

HEADINGS = ("Revenue (EUR) by event hour", "Top 10 customers", "Hour over hour", "Basket pairs")


def run(profile: Profile, shell: ClusterShell, area: Area, dataset: str, say: Say) -> dict:
    """The job on the edge node as the shell's user, executors on the cluster; its result."""
    result = analytics.run_on_edge(shell, profile, area, dataset)
    say(f"{result['application_id']} on {result['master']}, driver on {profile.edge} as {shell.user}: "
        f"{result['files']} files, {result['records']} records, {result['duplicates_dropped']} duplicates dropped; "
        f"session {result['session_seconds']} s, analysis {result['analysis_seconds']} s "
        f"({result['records_per_second']} records/s), {result['wall_seconds']} s in all")
    return result


def tables_problems(result: dict, say: Say) -> list[str]:
    """The job printed each of its tables, and none of them is empty."""
    for line in result["printed"].splitlines():
        if line.strip():
            say(line)
    for table in analytics_reference.TABLES:
        keep_table(say, f"{table} ({len(result[table])} rows)", result.get("columns", {}).get(table, []), result[table])
    return ([f"the job did not print '{heading}'" for heading in HEADINGS if heading not in result["printed"]]
            + [f"the job's table {table} is empty" for table in analytics_reference.TABLES if not result[table]])


def reference_problems(profile_name: str, area: Area, dataset: str, result: dict, say: Say) -> list[str]:
    """Every table equals the reference computation over the ledger; the anomalies it flags said."""
    expected = analytics_reference.compute(Ledger.for_dataset(profile_name, area, dataset).orders())
    differences = analytics_reference.differences(result, expected)
    flagged = analytics_reference.anomalies(expected["hour_over_hour"])
    say(", ".join(f"{table} {len(expected[table])} rows" for table in analytics_reference.TABLES)
        + f": {'equal' if not differences else f'{len(differences)} differences'} to the ledger's computation")
    say("anomalies (|z| ≥ 2): " + ("; ".join(f"{row[0]} {row[1]} revenue {row[3]} z {row[5]}" for row in flagged)
                                    or "none"))
    return differences[:20]


def parquet_problems(profile: Profile, shell: ClusterShell, result: dict, say: Say) -> list[str]:
    """Each table's folder on HDFS holds Parquet files and _SUCCESS, as many rows as the table."""
    hdfs = EdgeHdfs(profile, shell)
    problems = []
    for table, written in result["written"].items():
        names = [entry.path.rsplit("/", 1)[1] for entry in hdfs.ls(written["path"])]
        say(f"{written['path']}: {', '.join(names)} ({written['rows']} rows)")
        if "_SUCCESS" not in names or not any(name.endswith(".parquet") for name in names):
            problems.append(f"{written['path']} has no _SUCCESS or no Parquet file")
        if written["rows"] != len(result[table]):
            problems.append(f"{table}: {written['rows']} rows written, {len(result[table])} in the result")
    return problems


def run_missing(profile: Profile, shell: ClusterShell, area: Area, say: Say) -> Failure:
    """The job on a dataset that is not on HDFS: what it said."""
    dataset = f"no_such_dataset_{uuid.uuid4().hex[:6]}"
    try:
        analytics.run_on_edge(shell, profile, area, dataset, quiet=True)
    except AgilityError as error:
        say(str(error))
        return Failure(str(error), area.hdfs_path(dataset))
    raise AgilityError(f"the analytics job on {area.hdfs_path(dataset)} did not fail, yet it is not on HDFS")


def missing_dataset_problems(failure: Failure) -> list[str]:
    """The job says the dataset's folder does not exist, in one clear line."""
    wrong = [] if f"{failure.path} does not exist" in failure.message else [
        f"the message does not say '{failure.path} does not exist'"]
    return wrong + one_clear_line_problems(failure.message)
