"""The HDFS sink's files as a developer of the area sees them with Hadoop's own `hdfs dfs` on the
edge node are the files the sink wrote: the same files WebHDFS lists, one folder per event hour
named as the sink names it, sizes, replication and owner that `-count`, `-du` and `-stat` agree
on, and lines that are the ledger's orders at their offsets. A path that does not exist is one
clear line, never a Java stack trace.

Each check says what it shows through `say` (a step's narration, or print) and returns what is
wrong: an empty list proves it.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from agility.checks import reconcile
from agility.checks.shared_dataset import Say, SharedDataset
from agility.clients.edge_hdfs import EdgeHdfs, Entry
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.narration import keep_picture
from agility.jobs import orders, sink_hdfs
from agility.jobs.ledger import Ledger
from agility.reach.ssh import ClusterShell

EXAMPLES = 5


@dataclass(frozen=True)
class Failure:
    """What a command said when asked about `path`, which does not exist."""

    message: str
    path: str


def sink_dataset(profile_name: str, clients, area: Area, data: SharedDataset, count: int, say: Say) -> str:
    """The act's dataset: `count` orders written to HDFS by the sink and reconciled with the
    ledger (once per module); its name."""
    data.fill(profile_name, clients, area, count, say)
    say(f"{area.hdfs_path(data.name)}: {data.orders} orders from the HDFS sink")
    return data.name


def start_session(profile: Profile, shell: ClusterShell, say: Say) -> EdgeHdfs:
    """`hdfs dfs` on the edge node as the shell's user."""
    session = EdgeHdfs(profile, shell)
    say(f"{shell.user}@{profile.edge}: hdfs dfs = {session.describe()}")
    return session


def namenode_problems(profile: Profile, area: Area, hdfs: EdgeHdfs, dataset: str, say: Say) -> list[str]:
    """The session's `-df` names the cluster's NameNode and `-ls` of the area shows the dataset."""
    usage = hdfs.df("/")
    for line in usage.strip().splitlines():
        say(line)
    folders = [entry.path for entry in hdfs.ls(area.hdfs_root) if entry.is_dir]
    say(f"hdfs dfs -ls {area.hdfs_root}: {len(folders)} folders, among them {area.hdfs_path(dataset)}")
    return [problem for problem, wrong in (
        (f"hdfs dfs -df does not name the NameNode {profile.hdfs['namenode']}", profile.hdfs["namenode"] not in usage),
        (f"hdfs dfs -ls {area.hdfs_root} does not show {area.hdfs_path(dataset)}", area.hdfs_path(dataset) not in folders),
    ) if wrong]


def identity_problems(hdfs: EdgeHdfs, say: Say) -> list[str]:
    """HDFS takes the session for the OS user it logged in as (simple authentication)."""
    seen = hdfs.whoami()
    say(f"a file touched in /tmp by {hdfs.shell.user} is owned by {seen} (simple auth: the OS user)")
    return [] if seen == hdfs.shell.user else [f"HDFS takes {hdfs.shell.user} for {seen}"]


def list_dataset(hdfs: EdgeHdfs, area: Area, dataset: str, say: Say) -> list[Entry]:
    """`hdfs dfs -ls -R` of the dataset's folder; its first entries said."""
    listing = hdfs.ls(area.hdfs_path(dataset), recursive=True)
    for entry in listing[:6]:
        say(entry.line())
    say(f"… {len(listing)} entries")
    return listing


def listing_problems(profile_name: str, clients, area: Area, dataset: str, listing: list[Entry], say: Say) -> list[str]:
    """The listing's files are WebHDFS's, in one folder per event hour of the ledger's orders,
    each named as the sink names it."""
    root = area.hdfs_path(dataset)
    files = sorted(entry.path for entry in listing if not entry.is_dir)
    hours = sorted({entry.path for entry in listing if entry.is_dir and "/hour=" in entry.path})
    expected_hours = sorted({f"{root}/{sink_hdfs.hour_folder(*sink_hdfs.event_hour(order))}"
                             for order in Ledger.for_dataset(profile_name, area, dataset).orders()})
    say(f"{len(files)} batch files in {len(hours)} hour folders; the same files through WebHDFS")
    return [*differing("files", files, "WebHDFS", reconcile.hdfs_files(clients, area, dataset)),
            *differing("hour folders", hours, "the ledger's event hours", expected_hours)]


def count_problems(hdfs: EdgeHdfs, area: Area, dataset: str, listing: list[Entry], say: Say) -> list[str]:
    """`-count` and `-du -s` say as many folders, files and bytes as the listing."""
    root = area.hdfs_path(dataset)
    count = hdfs.count(root)
    say(f"hdfs dfs -count: {count.directories} directories, {count.files} files, {count.bytes} bytes")
    for size, path in hdfs.du(root):
        say(f"hdfs dfs -du -h: {size:>8}  {path}")
    files = [entry for entry in listing if not entry.is_dir]
    listed = (1 + sum(entry.is_dir for entry in listing), len(files), sum(entry.size for entry in files))
    summary = hdfs.du(root, human=False, summary=True)
    return [problem for problem, wrong in (
        (f"-count says {(count.directories, count.files, count.bytes)} (folders, files, bytes), the listing {listed}",
         (count.directories, count.files, count.bytes) != listed),
        (f"-du -s says {summary}, -count {count.bytes} bytes", summary != [(str(count.bytes), root)]),
    ) if wrong]


def stat_problems(hdfs: EdgeHdfs, area: Area, listing: list[Entry], say: Say) -> list[str]:
    """`-stat` of every file: the listing's size and replication, owned by the area's HDFS account
    (the sink writes as that account; the developer reads through the area's group)."""
    files = [entry for entry in listing if not entry.is_dir]
    lines = hdfs.stat("%b %r %u %n", *(entry.path for entry in files))
    for line in lines[:3]:
        say(f"hdfs dfs -stat '%b %r %u %n': {line}")
    expected = [f"{entry.size} {entry.replication} {area.hdfs_account} {entry.path.rsplit('/', 1)[1]}" for entry in files]
    return differing("-stat lines", lines, "the listing", expected)


def cat_problems(profile_name: str, area: Area, dataset: str, hdfs: EdgeHdfs, listing: list[Entry],
                 say: Say) -> list[str]:
    """`-cat` of the first file: named by its first record, and every line the order the ledger
    has at that line's partition and offset."""
    path = next(entry.path for entry in listing if not entry.is_dir)
    lines = [json.loads(line) for line in hdfs.cat(path).splitlines() if line.strip()]
    say(f"hdfs dfs -cat {path}: {len(lines)} orders")
    for line in lines[:3]:
        say(f"p{line['kafka_partition']}@{line['kafka_offset']}: {orders.describe(line)}")
    at = {(entry["partition"], entry["offset"]): entry["order"]
          for entry in Ledger.for_dataset(profile_name, area, dataset).entries() if "order" in entry}
    problems = []
    name = sink_hdfs.file_name(lines[0]["kafka_partition"], lines[0]["kafka_offset"])
    if not path.endswith(f"/{name}"):
        problems.append(f"{path} is not named by its first record, {name}")
    for line in lines:
        position = (line.pop("kafka_partition"), line.pop("kafka_offset"))
        if at.get(position) != line:
            problems.append(f"p{position[0]}@{position[1]}: the file has {line}, the ledger {at.get(position)}")
    return problems[:EXAMPLES]


def list_missing(hdfs: EdgeHdfs, area: Area, say: Say) -> Failure:
    """`hdfs dfs -ls` of a path in the area that does not exist: what the shell said."""
    path = f"{area.hdfs_root}/no_such_dataset_{uuid.uuid4().hex[:6]}"
    try:
        hdfs.ls(path)
    except AgilityError as error:
        say(str(error))
        return Failure(str(error), path)
    raise AgilityError(f"hdfs dfs -ls {path} did not fail, yet the path should not exist")


def missing_path_problems(failure: Failure) -> list[str]:
    """The shell's message ends saying the path does not exist, in one clear line."""
    wrong = [] if failure.message.endswith(f"{failure.path} does not exist") else [
        f"the message does not end with '{failure.path} does not exist'"]
    return wrong + one_clear_line_problems(failure.message)


def one_clear_line_problems(message: str) -> list[str]:
    """A message a person reads: one line, no Java exception, no stack trace."""
    return [f"not one clear line: {message!r}"] if (
        len(message.splitlines()) != 1
        or any(noise in message for noise in ("Exception", "\tat ", "Traceback"))) else []


def differing(what: str, found: list, other: str, expected: list) -> list[str]:
    """What differs between two lists that must be equal, with a few examples each way."""
    if found == expected:
        return []
    only_found = [item for item in found if item not in expected]
    only_expected = [item for item in expected if item not in found]
    return [f"{what} differ from {other}'s: {len(only_found)} not in {other}, e.g. {only_found[:EXAMPLES]}; "
            f"{len(only_expected)} missing, e.g. {only_expected[:EXAMPLES]}"
            + ("" if only_found or only_expected else " (the same items in another order)")]


# --- the HDFS data sets diagram ----------------------------------------------------------------
def drawn_datasets(run_agility, folder: Path, say: Say) -> str:
    """`agility diagram --out FOLDER` with the cluster's profile, as the operator runs it: the HDFS
    data sets drawing's DOT text (its SVG kept for the report)."""
    done = run_agility("diagram", "--out", str(folder))
    if done.exit_code != 0:
        raise AgilityError(f"`{done.command}` exited {done.exit_code}: {done.output.strip()[-600:]}")
    drawn = folder / "hdfs_datasets.dot"
    if not drawn.exists():
        raise AgilityError(f"`{done.command}` wrote no hdfs_datasets.dot: {done.output.strip()[-300:]}")
    keep_picture(say, "HDFS data sets, read from the cluster", (folder / "hdfs_datasets.svg").read_bytes(),
                 "image/svg+xml")
    say(f"{done.command}: {', '.join(sorted(path.name for path in folder.glob('hdfs_datasets.*')))}")
    return drawn.read_text()


def drawing_problems(dot: str, area: Area, dataset: str, listing: list[Entry], say: Say) -> list[str]:
    """The drawing has a box for the dataset's folder, linked from its area's folder, giving the
    files, bytes and folders the listing has (read from the box's exact figures)."""
    root = area.hdfs_path(dataset)
    box = re.search(rf'^\s*"{re.escape(root)}" \[(.*)\]$', dot, re.MULTILINE)
    if box is None:
        return [f"the drawing has no box for {root}"]
    exact = re.search(r'tooltip="([^"]*)"', box.group(1))
    files = [entry for entry in listing if not entry.is_dir]
    listed = f"{len(files)} files, {sum(entry.size for entry in files)} bytes, {sum(entry.is_dir for entry in listing)} folders"
    say(f"{root}: drawn with {exact.group(1) if exact else 'no figures'}; the listing has {listed}")
    linked = re.search(rf'^\s*"{re.escape(area.hdfs_root)}" -> "{re.escape(root)}"', dot, re.MULTILINE)
    return [problem for problem, wrong in (
        (f"the drawing says {exact.group(1) if exact else 'nothing'} for {root}, the listing {listed}",
         exact is None or exact.group(1) != listed),
        (f"the drawing does not link {root} from its area's folder {area.hdfs_root}", linked is None),
    ) if wrong]
