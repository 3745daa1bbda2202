@pipeline
Feature: The pipeline behind the demo holds in production
  The same producer and sink jobs as in the demo, unchanged, in the prod work area as the prod
  developer: bad input is set aside with its reason and counted, and a sink that is killed and
  restarted neither loses nor duplicates an order.

  Background:
    Given the cluster is up
    And the prod area's developer is provisioned

  Scenario: The same jobs fill every store in the prod area
    Given a fresh prod dataset with 600 orders from the producer job
    When I run the cassandra, mysql and hdfs sink jobs in the prod area
    Then every sink reconciles with the ledger: missing 0, duplicates 0, dead-lettered 0

  Scenario: Bad records go to the dead-letter topic with their reason
    Given a fresh prod dataset with 400 orders and 9 bad records from the producer job
    When I run the cassandra, mysql and hdfs sink jobs in the prod area
    Then every sink reconciles with the ledger: missing 0, duplicates 0, dead-lettered 9
    And the dead-letter topic holds each bad record once per sink with its reason

  Scenario Outline: A sink killed mid-stream and restarted loses and duplicates nothing
    Given a fresh prod dataset with 3000 orders from the producer job
    When the <sink> sink job runs as a process and is killed with SIGKILL after its first commit
    And I run the <sink> sink job in the prod area again
    Then the <sink> sink reconciles with the ledger: missing 0, duplicates 0

    Examples:
      | sink      |
      | hdfs      |
      | mysql     |
      | cassandra |
