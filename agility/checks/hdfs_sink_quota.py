"""The prod area's own HDFS sink job meets the area's space quota: HDFS refuses a file part way,
the sink removes it and stops with HDFS's own message; what it leaves are whole batch files, and
its group committed exactly the orders they hold — no more (nothing lost on a rerun), no less
(nothing written twice). Once the declared quota is back, the same job run again finishes the
dataset: the files then hold every order the producer's ledger has, once.

For the quota to bite within a small dataset it is lowered, for the scenario, to what the
directory uses now plus what one new block reserves (block size × replication: HDFS charges a
whole block while it is open) plus room for about two batch files; the declared quota comes back
in any case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agility.checks import outage, pipeline, reconcile
from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.jobs.ledger import Ledger
from agility.provisioning.area_quotas import apply_hdfs_quotas
from agility.provisioning.hdfs import set_quota, usage

ROOM_FOR_FILES = 300 * 1024  # about two batch files of 500 orders


@dataclass(frozen=True)
class Squeeze:
    path: str
    space_quota: int  # raw bytes, as set for the scenario
    reserve: int  # what one new block reserves


def one_block(clients: Clients, area: Area) -> int:
    """Raw bytes a new block reserves against the quota: a 1-byte probe file's block size × replication."""
    probe = f"{area.hdfs_root}/.quota-probe-{uuid.uuid4().hex[:8]}"
    client = clients.hdfs_client(user=area.hdfs_account)
    client.write(probe, data=b"x")
    try:
        status = client.status(probe)
    finally:
        client.delete(probe)
    return int(status["blockSize"]) * int(status["replication"])


def squeeze(clients: Clients, area: Area, say: Say) -> Squeeze:
    """Lower the area's space quota to its usage + one block + room for about two files."""
    reserve = one_block(clients, area)
    used = usage(clients, area.hdfs_root)
    quota = used.space + reserve + ROOM_FOR_FILES
    set_quota(clients, area.hdfs_root, space=quota)
    say(f"{area.hdfs_root}: space quota {quota} bytes = used {used.space} + one block {reserve} + {ROOM_FOR_FILES}")
    return Squeeze(area.hdfs_root, quota, reserve)


def restore(clients: Clients, area: Area, say: Say) -> None:
    quotas = apply_hdfs_quotas(clients, area.name)
    say(f"{area.hdfs_root}: quotas as declared again: {'; '.join(quotas.changes) or 'no changes'} "
        f"(space quota {quotas.usage.space_quota})")


def run_into_quota(clients: Clients, area: Area, dataset: str, say: Say) -> str:
    """The area's HDFS sink job over the dataset; what it stopped with (it must stop)."""
    try:
        result = pipeline.run_sink("hdfs", clients, area, dataset)
    except AgilityError as error:
        say(f"the hdfs sink stopped: {error}")
        return str(error)
    raise AgilityError(f"the hdfs sink finished under the lowered quota: {result.summary()}")


def stop_problems(message: str) -> list[str]:
    if "DSQuotaExceededException" in message or "DiskSpace quota" in message:
        return []
    return [f"the sink stopped, but not with HDFS's space quota refusal: {message}"]


def left_behind_problems(profile_name: str, clients: Clients, area: Area, dataset: str, say: Say) -> list[str]:
    """Every stored line is a ledger order, field by field, once (a half-written line fails the
    read); the sink stopped part way; its group committed exactly the orders stored."""
    ledger = Ledger.for_dataset(profile_name, area, dataset)
    stored = reconcile.hdfs_rows(clients, area, dataset)
    found = reconcile.reconcile([reconcile.file_line(entry) for entry in ledger.order_entries()], stored, sink="hdfs")
    committed = outage.group_against_store(clients.profile, clients, area, dataset, "hdfs")
    say(f"{stored.where}: {found.found} orders of {found.expected}; {committed.summary()}")
    ids = {row.get("order_id") for row in stored.rows}
    problems = []
    if found.differences or found.unexpected or found.duplicates:
        problems.append(f"what the sink left is not whole ledger orders, once: {found.summary()}")
    if not 0 < found.found < found.expected:
        problems.append(f"the sink stored {found.found} of {found.expected} orders: it did not stop part way")
    if set(committed.covered) != ids:
        problems.append(f"the group committed {len(committed.covered)} orders while {len(ids)} are stored "
                        f"(committed, not stored: {len(set(committed.covered) - ids)}; "
                        f"stored, not committed: {len(ids - set(committed.covered))})")
    return problems
