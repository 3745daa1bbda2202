@pipeline
Feature: The pipeline behind the demo holds in production
  The same producer and sink jobs as in the demo, unchanged, in the prod work area as the prod
  developer: every order reaches every store with the values it was sent with, bad input is set
  aside with its reason and counted, and a sink that is killed and restarted neither loses nor
  duplicates an order.

  Background:
    Given the cluster is up
    And the prod area's developer is provisioned

  Scenario: The same jobs fill every store in the prod area
    Given a fresh prod dataset with 600 orders from the producer job
    When I run the cassandra, mysql and hdfs sink jobs in the prod area
    Then every sink reconciles with the ledger field by field: nothing missing, nothing twice, dead-lettered 0

  Scenario: Bad records go to the dead-letter topic with their reason
    Given a fresh prod dataset with 400 orders and 9 bad records from the producer job
    When I run the cassandra, mysql and hdfs sink jobs in the prod area
    Then every sink reconciles with the ledger field by field: nothing missing, nothing twice, dead-lettered 9
    And the dead-letter topic holds each bad record once per sink with its reason

  # Each sink gets enough orders to need several seconds after its first commit: the kill lands
  # within a few tens of milliseconds of that commit, and Kafka must then show the rest uncommitted.
  Scenario Outline: A sink killed mid-stream and restarted loses and duplicates nothing
    Given a fresh prod dataset with <orders> orders from the producer job
    When the <sink> sink job runs as a process and is killed with SIGKILL after its first commit
    Then Kafka shows the dead sink's group committed part of the topic, not all of it
    When I run the <sink> sink job in the prod area again
    Then the restarted sink read exactly the records the dead one had not committed
    And the <sink> sink reconciles with the ledger field by field: nothing missing, nothing twice

    Examples:
      | sink      | orders |
      | hdfs      | 3000   |
      | mysql     | 10000  |
      | cassandra | 4000   |

  Scenario Outline: A sink rides out its store stopped under it and started again
    Given a fresh prod dataset with 3000 orders from the producer job
    When the <sink> sink job runs as a process and <service> is stopped under it after its first commit
    And the stopped <service> is started again
    Then the <sink> sink job finishes by itself with exit code 0 after retrying its store
    And the <sink> sink reconciles with the ledger field by field: nothing missing, nothing twice

    Examples:
      | sink      | service   |
      | hdfs      | HttpFS    |
      | mysql     | MariaDB   |
      | cassandra | Cassandra |

  Scenario Outline: A sink whose store stays down stops in one line and commits only what was stored
    Given a fresh prod dataset with 3000 orders from the producer job
    When the <sink> sink job runs as a process, retrying for at most 10 s, and <service> is stopped under it after its first commit
    Then the <sink> sink job exits non-zero with one line naming its store and the error, no traceback
    When the stopped <service> is started again
    Then Kafka shows the <sink> sink's group committed part of the topic and only orders the store holds
    When I run the <sink> sink job in the prod area again
    Then the <sink> sink reconciles with the ledger field by field: nothing missing, nothing twice

    Examples:
      | sink      | service   |
      | hdfs      | HttpFS    |
      | mysql     | MariaDB   |
      | cassandra | Cassandra |
