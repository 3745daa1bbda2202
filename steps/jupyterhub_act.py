"""The JupyterHub act: the prod area's data scientist logs in through the bastion, runs the
production notebook on their own server and sees its charts; the prod area's borders hold."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import developer_lifecycle, notebooks, yarn_queues
from agility.checks.shared_dataset import SharedDataset

SEED = 31  # another day of the demo week
DEV_ORDERS = 200  # enough for the dev area to have tables and files the prod notebook may not read


@pytest.fixture(scope="module")
def prod_data() -> SharedDataset:
    return SharedDataset("orders_hub", SEED, sinks=("hdfs", "mysql", "cassandra"))


@pytest.fixture(scope="module")
def dev_data() -> SharedDataset:
    return SharedDataset("orders_hub_dev", SEED + 1, sinks=("hdfs", "mysql", "cassandra"))


@given(parsers.parse("the prod area has {count:d} orders written by the producer and the HDFS, MySQL and "
                     "Cassandra sinks"), target_fixture="dataset")
def prod_orders(platform, connections, prod_data, count, narrate):
    return prod_data.fill(platform.name, connections.open("prod", narrate).clients, platform.area("prod"), count, narrate)


@given("the data scientist reaches the notebooks' hub through their own tunnel", target_fixture="person")
def reach_hub(data_scientist, narrate):
    narrate(f"{data_scientist.name}: {'; '.join(data_scientist.provisioned) or 'Linux user, password and notebook profile in place'}; JupyterHub at {data_scientist.hub.url} (their tunnel through the bastion)")
    return data_scientist


# --- logging in -----------------------------------------------------------------------------------
@when("the data scientist logs in with a wrong password", target_fixture="login")
def wrong_login(person, narrate):
    return notebooks.login(person, True, narrate)


@when("the data scientist logs in with their password", target_fixture="login")
def right_login(person, narrate):
    return notebooks.login(person, False, narrate)


@then("the hub itself refuses the login: HTTP 403 and its own message, no session")
def hub_refused(login, narrate):
    assert not notebooks.refused_problems(login, narrate)


@then("the hub lets them in and sends them on to their own server")
def hub_let_in(login):
    assert not notebooks.let_in_problems(login)


@then("their server runs on the hub's node as their own Linux user, within the hub's memory limit")
def server_as_user(platform, cluster_shell, person, narrate):
    notebooks.start_server(person, narrate)
    assert not notebooks.server_problems(cluster_shell, notebooks.hub_node(platform), person, narrate)


# --- the notebook ---------------------------------------------------------------------------------
@when("the data scientist runs production_queries.ipynb on their server's kernel", target_fixture="notebook")
def run_notebook(person, dataset, narrate):
    return notebooks.run_notebook(person, dataset, narrate)


@then("every cell of the notebook ran without an error")
def cells_ran(notebook, narrate):
    assert not notebooks.cell_problems(notebook, narrate)


@then("its HDFS, MySQL and Cassandra figures equal the stores' own, read on their own")
def figures_match(platform, connections, dataset, notebook, narrate):
    clients = connections.open("prod", narrate).clients
    assert not notebooks.figures_problems(notebook, clients, platform.area("prod"), dataset, narrate)


@then("every chart cell drew a non-empty image, attached to the report")
def charts_drawn(notebook, attach_png):
    attach_png((f"chart of cell {index}", image) for index, image in notebook.charts())
    assert not notebooks.chart_problems(notebook)


@then("the ResourceManager ran its Spark application in the prod queue as prod's HDFS account")
def spark_in_prod_queue(platform, connections, notebook, narrate):
    clients = connections.open("prod", narrate).clients
    assert not notebooks.application_problems(clients, notebook, platform.area("prod"), narrate)


# --- the area's borders ---------------------------------------------------------------------------
@given(parsers.parse("the dev area has {count:d} orders of its own in HDFS, MySQL and Cassandra"),
       target_fixture="dev_dataset")
def dev_orders(platform, connections, dev_data, count, narrate):
    return dev_data.fill(platform.name, connections.open("dev", narrate).clients, platform.area("dev"), count, narrate)


@when("the data scientist's kernel queries the dev area's MySQL, Cassandra and HDFS data", target_fixture="answers")
def query_dev(platform, person, dev_dataset, narrate):
    return notebooks.foreign_refusals(person, platform.area("dev"), dev_dataset, narrate)


@then("MySQL, Cassandra and HDFS each refuse it with their own refusal")
def each_refuses(answers):
    assert not notebooks.refusal_problems(answers)


@when("the data scientist's kernel starts a Spark session asking for more than the prod queue may have",
      target_fixture="spark_job")
def spark_beyond(platform, connections, person, narrate):
    clients = connections.open("prod", narrate).clients
    return notebooks.spark_beyond_queue(clients, person, platform.area("prod"), narrate)


@then("YARN held it to the prod queue's maximum share")
def held_to_queue(platform, spark_job, narrate):
    assert not yarn_queues.cap_problems(platform, "prod", spark_job, narrate)


# --- a real browser -------------------------------------------------------------------------------
@when("the data scientist logs in with a browser, opens production_queries.ipynb and runs all its cells",
      target_fixture="visit")
def browser_visit(person, dataset, narrate):
    return notebooks.browser_run(person, dataset, narrate)


@then("JupyterLab shows every chart and no error; a screenshot of a chart is attached to the report")
def browser_shows(visit, attach_png):
    attach_png([("browser: the first chart", visit.chart), ("browser: JupyterLab", visit.page)])
    assert not notebooks.browser_problems(visit)


# --- developer provisioning -----------------------------------------------------------------------
@when("an operator provisions a new prod developer with `agility provision developer`", target_fixture="newcomer")
def provision_newcomer(platform, agility_command, tmp_path, request, narrate):
    tmp_path.chmod(0o700)
    return developer_lifecycle.provision(platform, agility_command, "prod", tmp_path, narrate, request.addfinalizer)


@then("the new developer logs into the hub with their password and their server starts")
def newcomer_in(person, newcomer, narrate):
    assert not notebooks.let_in_problems(notebooks.login(notebooks.developer(newcomer, person.hub), False, narrate))
    notebooks.start_server(notebooks.developer(newcomer, person.hub), narrate)


@when("the operator deprovisions the developer with `agility deprovision developer`")
def deprovision_newcomer(agility_command, newcomer, narrate):
    developer_lifecycle.deprovision(agility_command, newcomer, narrate)


@then("the hub refuses the developer's password")
def newcomer_refused(person, newcomer, narrate):
    assert not notebooks.refused_problems(notebooks.login(notebooks.developer(newcomer, person.hub), False, narrate),
                                          narrate)


@then("no process of the developer is left on the hub's node")
def newcomer_gone(platform, cluster_shell, newcomer, narrate):
    assert not notebooks.processes_left(cluster_shell, notebooks.hub_node(platform), newcomer.uid, narrate)
