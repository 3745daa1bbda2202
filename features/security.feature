@security
Feature: The bastion is the only door, and it only opens with a key
  Talking point: connecting through an SSH tunnel, and the protections that go with it.

  Background:
    Given the cluster is up

  Scenario: A password login on the bastion is refused
    When someone tries to log in to the bastion as the operator with a password
    Then the bastion refuses, allowing public keys only

  Scenario: Root may not log in on the bastion, even with its own authorized key
    Given root has an authorized key of its own on the bastion
    When someone tries to log in to the bastion as root with that key
    Then the bastion refuses, and its sshd logs that root logins are refused

  Scenario: The host cannot reach a service except through a tunnel
    When the host connects straight to the MySQL server's address inside the cluster
    Then the connection fails without leaving this host

  Scenario: A developer's tunnel may not forward to another service
    Given the dev area's developer is provisioned
    When the dev developer asks the bastion to forward to the Cassandra nodes
    Then the bastion refuses every forward, naming it

  Scenario: Secrets never appear in process lists, logs, Spark's work folders or reports
    Given the dev area's developer is provisioned
    When the producer, the Cassandra sink and the Spark Cassandra job run while every process's command line and environment is read
    And I scan the service logs, Spark's work folders, tunnel logs and test reports for the cluster's passwords
    Then no process and no file shows any of them

  Scenario Outline: An area's account is kept out of another area's <store>
    Given the <own> area's developer is provisioned
    When the <own> area's account reaches for the <other> area's <store>
    Then it is denied, while its own area's <store> works

    Examples:
      | own  | other | store          |
      | dev  | prod  | topics         |
      | dev  | prod  | keyspace       |
      | dev  | prod  | database       |
      | dev  | prod  | hdfs directory |
      | prod | dev   | topics         |
      | prod | dev   | keyspace       |
      | prod | dev   | database       |
      | prod | dev   | hdfs directory |
      | test | prod  | topics         |
      | test | prod  | keyspace       |
      | test | prod  | database       |
      | test | prod  | hdfs directory |

  Scenario Outline: A wrong password is refused by <service>
    Given the dev area's developer is provisioned
    When the dev area's account logs in to <service> with a wrong password
    Then <service> refuses it, while the right password gets in

    Examples:
      | service          |
      | the event stream |
      | Cassandra        |
      | MariaDB          |

  Scenario Outline: No answer from <service> is not taken for a refusal
    Given the dev area's developer is provisioned
    When the dev area's account logs in to <service> through a forward that leads nowhere
    Then the check fails, saying that <service> did not answer

    Examples:
      | service          |
      | SSH              |
      | the event stream |
      | Cassandra        |
      | MariaDB          |

  Scenario Outline: A hostile dev tenant on the edge node is refused <attempt>
    Given the dev area's developer is provisioned
    And the dev developer is logged in on the edge node
    When the dev developer tries <attempt>
    Then <refuser> refuses it in its own words

    Examples:
      | attempt                                  | refuser                |
      | to read prod's ledger                    | the operating system   |
      | to read the event broker's data folder   | the operating system   |
      | to read the NameNode's metadata folder   | the operating system   |
      | to read MariaDB's data folder            | the operating system   |
      | to talk to the event stream's controllers | the event stream     |
      | to open Cassandra's JMX port             | the Cassandra node     |
      | to log in on an agent node               | the agent's sshd       |
      | to run a command on the bastion          | the bastion's sshd     |
      | to use HDFS through HttpFS as YARN's account | HDFS               |
