@kafka
Feature: Kafka demo: from the workstation through Kafka into every store
  The presenter's main act, in the dev work area, as the dev Kafka developer. The cluster is
  reached only through an authenticated SSH tunnel; the same Python jobs run unchanged in dev
  and in prod, only the profile and the area differ.

  Background:
    Given the cluster is up
    And the dev Kafka developer is provisioned

  Scenario: Establish the authenticated SSH tunnel for the dev Kafka user
    When the dev Kafka developer opens an SSH tunnel through the bastion
    Then the tunnel forwards every broker's external listener and nothing else
    And the dev Kafka user is authenticated by SCRAM and sees only dev topics
    And the bastion refuses the dev Kafka developer a forward to the MySQL server

  Scenario: Run the Python job that populates the Kafka topic
    When I run the producer job for 2000 orders in the dev area
    Then the brokers hold all 2000 orders and the ledger records each one at its offset

  Scenario: Run the Kafka command-line tools to inspect the topic
    Given the dev orders topic holds the demo's orders
    When I describe the topic with kafka-topics on the edge node
    Then every partition has a leader and its replicas in sync
    And kafka-console-consumer on the edge node shows 5 of the orders

  Scenario: Run the Python job that writes the events to Cassandra
    Given the dev orders topic holds the demo's orders
    When I run the cassandra sink job in the dev area
    Then the cassandra sink reconciles with the ledger field by field: nothing missing, nothing twice
    And kafka-consumer-groups on the edge node shows the cassandra sink's lag at 0

  Scenario: Run the Python job that writes the events to MySQL
    Given the dev orders topic holds the demo's orders
    When I run the mysql sink job in the dev area
    Then the mysql sink reconciles with the ledger field by field: nothing missing, nothing twice
    And kafka-consumer-groups on the edge node shows the mysql sink's lag at 0

  Scenario: Run the Python job that batch-writes the events to HDFS
    Given the dev orders topic holds the demo's orders
    When I run the hdfs sink job in the dev area
    Then the hdfs sink reconciles with the ledger field by field: nothing missing, nothing twice
    And the orders sit in hourly batch files under the area's HDFS folder
    And kafka-consumer-groups on the edge node shows the hdfs sink's lag at 0
