@linked_clusters
Feature: Two clusters under one pane of glass
  One cluster mixes the production, test and development work areas; the other is pure
  production. The operator names each by its profile, attaches one, links them and switches
  between them, as with `dcos cluster` or `kubectl config`. A cluster that cannot be reached is
  listed as such, never as an error.

  Background:
    Given the shared cluster and the production cluster are up
    And the operator has set up "shared" and "production" from their profiles

  Scenario: Both clusters are listed, the attached one marked
    When the operator lists the clusters
    Then "shared" and "production" are listed AVAILABLE
    And "shared" is the attached cluster

  Scenario: Switching clusters shows the other cluster's nodes, each answering through its own bastion
    When the operator attaches "production"
    Then "production" is the attached cluster
    And the attached cluster's nodes all answer through production's bastion, on production's range
    When the operator attaches "shared"
    Then the attached cluster's nodes all answer through shared's bastion, on shared's range

  Scenario: A link goes one way
    When the operator links "shared" to "production"
    Then "shared" links to "production"
    And "production" links to nothing
    When the operator unlinks "shared" from "production"
    Then "shared" links to nothing

  Scenario: A cluster whose bastion does not answer is listed UNAVAILABLE, not as an error
    Given a cluster "lab" whose bastion refuses connections
    When the operator lists the clusters
    Then "lab" is listed UNAVAILABLE with the refusal as its reason
    And "shared" and "production" are listed AVAILABLE
    And the listing exited 0 without a traceback

  Scenario: A cluster whose profile is gone is listed UNCONFIGURED
    Given a cluster "retired" whose profile file was removed
    When the operator lists the clusters
    Then "retired" is listed UNCONFIGURED
    And the listing exited 0 without a traceback

  Scenario: The pure-production cluster hosts the prod work area alone
    When the operator provisions everything the platform declares on "production"
    Then production's services hold prod's accounts, keyspace, database, directory and queue, and nothing of another area
    When the operator provisions the dev area on "production"
    Then it is refused, naming the one area production hosts

  Scenario: The pane of glass shows the linked clusters, and a node lost on one of them
    Given each of shared's work areas is provisioned by the operator
    And "shared" links to "production" and the operator's dashboard runs on this host's loopback
    When a browser opens the dashboard
    Then its switch control lists exactly "shared" and "production", and it shows shared's nodes, each healthy
    And it shows the data flowing in each of shared's work areas: topic offsets, files, rows and queue usage, every source answering
    When the browser switches to "production"
    Then it shows production's nodes, each healthy
    When production's agent-3 is lost, every process on it killed with SIGKILL
    Then the dashboard marks agent-3 unhealthy within 10 s
    When what was killed is started again
    Then the dashboard marks agent-3 healthy again
    And a screenshot of each cluster is attached to the report
