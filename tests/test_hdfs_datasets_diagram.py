"""The HDFS data sets diagram drawn from a survey of the cluster, and the things a check keeps for
the report beside its narration."""

import pytest

from agility.core.narration import keep_json, keep_table, keep_text
from agility.core.sizes import size
from agility.diagrams import hdfs_datasets
from agility.diagrams.graph import render

pytestmark = pytest.mark.unit


def area(name: str, datasets: int) -> dict:
    entries = [{"name": f"orders_{index}", "path": f"/areas/{name}/orders_{index}", "owner": f"{name}_hdfs",
                "modified": f"2026-12-02 13:{index:02d} UTC", "files": index + 1, "bytes": 1000 * (index + 1),
                "folders": 2} for index in range(datasets)]
    return {"area": name, "path": f"/areas/{name}", "owner": f"{name}_hdfs", "group": f"{name}-area",
            "permission": "750", "files": sum(entry["files"] for entry in entries),
            "bytes": sum(entry["bytes"] for entry in entries), "folders": 2 * datasets,
            "space_quota": 64 * 2**20 if name == "prod" else None, "name_quota": None, "datasets": entries}


def test_each_area_shows_its_latest_datasets_with_exact_figures_and_one_box_for_the_rest():
    dot = hdfs_datasets.build("shared", [area("dev", 9), area("prod", 1)]).dot()
    assert '"/areas/dev" -> "/areas/dev/orders_0"' in dot
    assert 'tooltip="1 files, 1000 bytes, 2 folders"' in dot
    assert "/areas/dev/orders_6" not in dot and "3 more datasets" in dot and "24 files, 23.4 KiB" in dot
    assert "space quota 64.0 MiB" in dot and "/areas/prod/…" not in dot
    assert render(dot, "svg").startswith(b"<?xml")


def test_sizes_read_as_a_person_reads_them():
    assert [size(count) for count in (0, 1023, 1536, 5 * 2**30)] == ["0 B", "1023 B", "1.5 KiB", "5.0 GiB"]


def test_a_check_keeps_tables_events_and_outputs_where_its_sayer_can_keep_them():
    kept, said = [], []

    def say(line):
        said.append(line)

    say.keep = lambda name, content, mime_type: kept.append((name, content, mime_type))
    keep_table(say, "rows", ["order_id", "amount"], [("o-1", "12.30"), ("o-2", "1,5")])
    keep_json(say, "events", [{"key": "o-1", "value": {"amount": 1}}])
    keep_text(say, "kafka-topics --describe", "Topic: t\tPartition: 0")
    assert kept[0] == ("rows", 'order_id,amount\no-1,12.30\no-2,"1,5"\n', "text/csv")
    assert kept[1][2] == "application/json" and '"amount": 1' in kept[1][1]
    assert kept[2] == ("kafka-topics --describe", "Topic: t\tPartition: 0", "text/plain")
    assert said == []
    keep_text(print, "nothing kept", "a sayer without keep")  # print keeps nothing, and does not fail
