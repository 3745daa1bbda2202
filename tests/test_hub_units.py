"""The JupyterHub act's pure parts: the login's verdicts, the notebook's parameters, the services'
refusals as the kernel shows them, and what a notebook user's profile may hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agility.checks import notebooks
from agility.clients.hub import Cell, Login
from agility.clients.notebook_runner import CellRun, NotebookRun, code_cells, with_parameters
from agility.config import profiles
from agility.provisioning.notebooks import files_for

pytestmark = pytest.mark.unit
ROOT = Path(__file__).parents[1]


def test_only_the_hubs_own_refusal_counts_and_only_a_session_lets_in():
    refused = Login("ana", 403, "", ("_xsrf",), "<p>Invalid username or password.</p>", 3.1)
    assert refused.refusal == "HTTP 403, “Invalid username or password”" and not refused.let_in
    assert Login("ana", 403, "", (), "Forbidden", 0.1).refusal is None  # a proxy's 403 is not the hub's verdict
    let_in = Login("ana", 302, "/hub/spawn", ("_xsrf", "jupyterhub-session-id"), "", 0.1)
    assert let_in.let_in and not notebooks.let_in_problems(let_in)
    assert notebooks.let_in_problems(Login("ana", 302, "/elsewhere", ("jupyterhub-session-id",), "", 0.1))
    assert notebooks.refused_problems(let_in, print)


def test_the_parameters_cell_gets_the_runs_values_and_nothing_else_changes():
    notebook = with_parameters(ROOT / "notebooks" / "production_queries.ipynb", {"DATASET": "orders_x"})
    cells = code_cells(notebook)
    assert cells[0][1] == "DATASET = 'orders_x'  # given by the run"
    original = code_cells(json.loads((ROOT / "notebooks" / "production_queries.ipynb").read_text()))
    assert cells[1:] == original[1:] and len(cells) == len(original)
    assert notebooks.charts(ROOT / "notebooks" / "production_queries.ipynb") == 4


def test_a_cell_that_shows_a_figure_must_give_a_drawn_png():
    blank = NotebookRun("n", [CellRun(3, "plt.show()", Cell("ok", "", [b"\x89PNG\r\n\x1a\n"]))], 1)
    assert notebooks.chart_problems(blank) == ["cell 3 shows a figure but gave no drawn PNG ([8] bytes)"]
    drawn = NotebookRun("n", [CellRun(3, "plt.show()", Cell("ok", "", [b"\x89PNG\r\n\x1a\n" + bytes(2000)]))], 1)
    assert notebooks.chart_problems(drawn) == []
    failed = NotebookRun("n", [CellRun(2, "1/0", Cell("error", "", [], "ZeroDivisionError: division by zero"))], 3)
    assert notebooks.cell_problems(failed, print) == ["cell 2 failed: ZeroDivisionError: division by zero",
                                                      "only 1 of 3 code cells ran"]


@pytest.mark.parametrize(("service", "error", "refusal"), [
    ("MySQL", "OperationalError: (1142, \"SELECT command denied to user 'prod_mysql'@'198.51.100.12' for table `dev`.`o`\")",
     "SELECT command denied to user 'prod_mysql'@'198.51.100.12' for table `dev`.`o`"),
    ("Cassandra", 'Unauthorized: Error from server: code=2100 [Unauthorized] message="User prod_cassandra has no SELECT '
     'permission on <table dev.o> or any of its parents"',
     "User prod_cassandra has no SELECT permission on <table dev.o> or any of its parents"),
    ("HDFS", 'HdfsError: Permission denied: user=prod_hdfs, access=EXECUTE, inode="/areas/dev":dev_hdfs:dev-area:drwxr-x---',
     'Permission denied: user=prod_hdfs, access=EXECUTE, inode="/areas/dev":dev_hdfs:dev-area:drwxr-x---'),
    ("MySQL", "OperationalError: (2003, \"Can't connect to MySQL server on '198.51.100.11' (timed out)\")", None),
    ("Cassandra", "InvalidRequest: Error from server: code=2200 [Invalid query] message=\"table o does not exist\"", None),
    ("HDFS", "ConnectionError: HTTPConnectionPool(host='198.51.100.11', port=14000): Read timed out.", None),
])
def test_only_the_services_own_refusal_counts(service, error, refusal):
    found = notebooks.REFUSALS[service].search(error)
    assert (found.group(1) if found else None) == refusal


def test_a_notebook_profile_holds_only_its_areas_accounts(tmp_path):
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(yaml.safe_dump({f"{service}-{who}": f"pw-{service}-{who}" for service in ("kafka", "cassandra", "mysql")
                                       for who in ("admin", "dev", "prod")}))
    ref = {"file": str(secrets)}

    def accounts(service: str, user: str) -> dict:
        return {"admin": {"user": "admin", "password": {**ref, "key": f"{service}-admin"}},
                **{area: {"user": user.format(area=area), "password": {**ref, "key": f"{service}-{area}"}}
                   for area in ("dev", "prod")}}

    data = {"name": "sandbox", "bastion": {"host": "h", "user": "agility", "key": "k", "known_hosts": "kh"},
            "edge": "edge", "nodes": {"edge": "10.0.0.2"}, "ssh_users": {"prod-kafka": {"key": "k"}},
            "kafka": {"bootstrap": ["b:1"], "internal_bootstrap": ["b:2"], "accounts": accounts("kafka", "{area}-kafka"),
                      "cli": {tool: ["x"] for tool in profiles.CLI_TOOLS["kafka"]}},
            "cassandra": {"contact_points": ["c:9042"], "accounts": accounts("cassandra", "{area}_cassandra")},
            "mysql": {"address": "m:3306", "accounts": accounts("mysql", "{area}_mysql")},
            "hdfs": {"webhdfs": "w:14000", "namenode": "hdfs://n:8020", "cli": {tool: ["x"] for tool in profiles.CLI_TOOLS["hdfs"]}},
            "spark": {"master": "yarn", "ui": "r:8088"}, "jupyterhub": {"url": "10.0.0.2:8000"}}
    source = tmp_path / "profile.yaml"
    source.write_text(yaml.safe_dump(data))
    profile = profiles.load(str(source))
    written = files_for(profile, profile.area("prod"), "/home/ana")
    mine = yaml.safe_load(written["profile.yaml"])
    assert yaml.safe_load(written["secrets.yaml"]) == {"kafka": "pw-kafka-prod", "cassandra": "pw-cassandra-prod",
                                                       "mysql": "pw-mysql-prod"}
    for service in ("kafka", "cassandra", "mysql"):
        assert list(mine[service]["accounts"]) == ["prod"]
        assert mine[service]["accounts"]["prod"]["password"] == {"file": "/home/ana/.agility/secrets.yaml", "key": service}
    assert "ssh_users" not in mine and "jupyterhub" not in mine and mine["notebook_area"] == "prod"
    assert "pw-" not in written["profile.yaml"]
