@failure @destructive
Feature: Nodes die under load and the platform keeps serving
  On the pure-production cluster (three agents: Kafka with 3 replicas and min.insync 2, Cassandra
  with 3 replicas written at QUORUM, HDFS with 3 replicas), the Kafka act's producer and sinks run
  in prod as prod's accounts while an instance, or a whole node, is killed with SIGKILL, or a node is
  cut off the network (its processes run on, unreachable, and come back to a cluster that moved on).
  A dead node is also replaced by a fresh one: empty disks, the same services set up by the same recipe. Each fault is checked both
  ways: the jobs carried on and lost nothing, and what was killed came back to full health with
  nothing else disturbed. It comes back as it went: the same generic instance, started again, with
  no hand tuning.

  Background:
    Given the production cluster is up and the prod area's developer is provisioned on it

  Scenario Outline: <fault>: nothing is lost and the cluster is whole again
    Given the producer job and the three sink jobs run on a fresh prod dataset, 6000 orders at 200 a second
    When <fault> while they run
    Then the platform goes on serving without it: 800 more orders acknowledged, every sink storing
    When <repair>
    Then <recovered>
    And the producer job finishes with every order acknowledged, each at its offset in the topic
    And every sink job finishes by itself and holds every order field by field: nothing missing, nothing twice
    And nothing else on the cluster was disturbed, and the recovery time is reported

    Examples:
      | fault                                                              | repair                             | recovered                                                                                        |
      | the broker leading partition 0 of the topic is killed with SIGKILL | what was killed is started again | every partition of the topic has its 3 replicas in sync again                                    |
      | a Cassandra node is killed with SIGKILL                            | what was killed is started again | every Cassandra node is UN again and a repair of prod's keyspace completes                       |
      | a DataNode is killed with SIGKILL                                  | what was killed is started again | every DataNode is live again and no block is under-replicated                                    |
      | a whole agent node is lost, every process on it killed with SIGKILL | what was killed is started again | the node's broker, Cassandra node and DataNode are whole again and a repair of prod's keyspace completes |
      | an agent node's network link is cut                                  | the link is restored               | the node's broker, Cassandra node and DataNode are whole again and a repair of prod's keyspace completes |
      | a whole agent node is lost, every process on it killed with SIGKILL | a fresh generic node takes its place: empty disks, the same services set up by the sandbox's own recipe | the fresh node's broker, Cassandra node and DataNode hold their replicas again and a repair of prod's keyspace completes |

  Scenario: An executor's agent loses its NodeManager mid-job: the Spark job finishes with the exact answer
    Given a prod Spark job runs on YARN, its executor computing in Python workers on an agent of its own
    When the NodeManager of the executor's agent is killed with SIGKILL, with every process of its containers
    Then the ResourceManager declares that NodeManager LOST
    When what was killed is started again
    Then every NodeManager is RUNNING again in the ResourceManager
    And the Spark job gets a new executor and finishes with the exact answer
    And nothing else on the cluster was disturbed, and the job's recovery is reported
