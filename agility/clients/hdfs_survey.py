"""What HDFS holds under the work areas' root, as the operator sees it through WebHDFS: each area's
folder (owner, group, permission, quotas, totals) and the datasets in it (files, bytes, folders,
last change). Plain data, for the HDFS data sets diagram (agility/diagrams/hdfs_datasets.py)."""

from __future__ import annotations

from datetime import UTC, datetime

ROOT = "/areas"


def survey(client, root: str = ROOT) -> list[dict]:
    """Every folder under `root`, in name order, each with its datasets, most recently changed first."""
    found = []
    for name, status in sorted(client.list(root, status=True)):
        if status["type"] != "DIRECTORY":
            continue
        path = f"{root}/{name}"
        summary = client.content(path)
        datasets = [dataset(client, f"{path}/{child}", child_status)
                    for child, child_status in client.list(path, status=True) if child_status["type"] == "DIRECTORY"]
        found.append({
            "area": name, "path": path, "owner": status["owner"], "group": status["group"],
            "permission": status["permission"], **totals(summary),
            "space_quota": quota(summary.get("spaceQuota")), "name_quota": quota(summary.get("quota")),
            "datasets": sorted(datasets, key=lambda entry: entry["modified"], reverse=True),
        })
    return found


def dataset(client, path: str, status: dict) -> dict:
    return {"name": path.rsplit("/", 1)[1], "path": path, "owner": status["owner"],
            "modified": datetime.fromtimestamp(status["modificationTime"] / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC"),
            **totals(client.content(path))}


def totals(summary: dict) -> dict:
    return {"files": summary["fileCount"], "bytes": summary["length"],
            "folders": max(0, summary["directoryCount"] - 1)}  # HDFS counts the folder itself


def quota(value) -> int | None:
    """HDFS says -1 for no quota."""
    return None if value is None or value < 0 else value
