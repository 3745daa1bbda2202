@sandbox
Feature: Every service of the platform answers
  From the developer's workstation, through the bastion's SSH tunnel, each service of the
  cluster answers a real round trip.

  Background:
    Given the cluster is up
    And an SSH tunnel through the bastion is open

  Scenario: The message broker carries one message
    When I produce one message with a unique key to a fresh topic
    Then I consume that same message from the topic

  Scenario: The wide-column store keeps a row
    When I write a row to a fresh CQL table
    Then I read the same row back with CQL

  Scenario: The distributed file system keeps a file
    When I write a file to a fresh HDFS path through WebHDFS
    Then I read the same bytes back and the file is listed

  Scenario: The relational database keeps a row
    When I insert a row into a fresh MariaDB table
    Then I select the same row back

  Scenario: The analytics engine counts rows on its workers
    When the dev developer runs a Spark job on the edge node that counts 100000 rows
    Then the job counted 100000 rows on the cluster's workers

  Scenario: Every node answers over SSH
    When I run hostname on every node through the bastion
    Then every node answers with its own name
