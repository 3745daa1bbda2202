@jupyterhub
Feature: JupyterHub: the data scientist queries production data and sees charts, confined to prod
  The prod area's data scientist logs into the platform's JupyterHub through their own tunnel,
  with the password provisioning gave them. The hub starts their server as their own Linux user on
  the edge node; their notebook queries prod's HDFS (Spark on YARN, in the prod queue), MySQL and
  Cassandra with the prod area's own accounts and draws the charts. What lies outside prod, the
  services themselves refuse.

  Background:
    Given the cluster is up
    And the prod area has 3000 orders written by the producer and the HDFS, MySQL and Cassandra sinks
    And the data scientist reaches the notebooks' hub through their own tunnel

  Scenario: The data scientist logs in; a wrong password is refused by the hub
    When the data scientist logs in with a wrong password
    Then the hub itself refuses the login: HTTP 403 and its own message, no session
    When the data scientist logs in with their password
    Then the hub lets them in and sends them on to their own server
    And their server runs on the hub's node as their own Linux user, within the hub's memory limit

  Scenario: The production notebook runs through the hub, and its figures are the stores' own
    When the data scientist runs production_queries.ipynb on their server's kernel
    Then every cell of the notebook ran without an error
    And its HDFS, MySQL and Cassandra figures equal the stores' own, read on their own
    And every chart cell drew a non-empty image, attached to the report
    And the ResourceManager ran its Spark application in the prod queue as prod's HDFS account

  Scenario: The notebook stays in the prod area
    Given the dev area has 200 orders of its own in HDFS, MySQL and Cassandra
    When the data scientist's kernel queries the dev area's MySQL, Cassandra and HDFS data
    Then MySQL, Cassandra and HDFS each refuse it with their own refusal
    When the data scientist's kernel starts a Spark session asking for more than the prod queue may have
    Then YARN held it to the prod queue's maximum share

  Scenario: A browser logs in, opens the notebook, runs it and shows a chart
    When the data scientist logs in with a browser, opens production_queries.ipynb and runs all its cells
    Then JupyterLab shows every chart and no error; a screenshot of a chart is attached to the report

  Scenario: A developer provisioned with agility gets hub access, and loses it when deprovisioned
    When an operator provisions a new prod developer with `agility provision developer`
    Then the new developer logs into the hub with their password and their server starts
    When the operator deprovisions the developer with `agility deprovision developer`
    Then the hub refuses the developer's password
    And no process of the developer is left on the hub's node
