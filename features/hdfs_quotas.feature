@provisioning @quotas @hdfs
Feature: The production area's HDFS quotas hold
  The prod area's HDFS directory has the namespace quota (directories and files) and the space
  quota (raw bytes, every replica counted) the provisioning declaration gives it. Each is proven
  by going past it as the area's own HDFS account: HDFS refuses with its own one-line message,
  and nothing half written is left behind.

  Background:
    Given the cluster is up
    And the prod area's HDFS quotas are applied as declared

  Scenario: One name more than the namespace quota allows is refused
    Given a fresh folder in the prod area's HDFS directory
    When the prod account creates every name the quota leaves, and one more
    Then HDFS refuses the last name, naming the namespace quota
    And every name up to the quota exists and the refused one does not
    And removing the folder gives the prod directory back the usage it had

  Scenario: A file larger than the space the quota leaves is refused, and nothing of it stays
    Given a fresh folder in the prod area's HDFS directory
    When the prod account writes one file larger than the space the quota leaves
    Then HDFS refuses the write, naming the space quota
    And the refused file does not exist, not even in part
    And removing the folder gives the prod directory back the usage it had

  Scenario: The prod HDFS sink stopped by the space quota leaves whole files, commits exactly them, and finishes once the quota is back
    Given the prod area's developer is provisioned
    And a fresh prod dataset with 3000 orders from the producer job
    And the prod area's space quota leaves room for about two batch files
    When the prod HDFS sink job runs into the space quota
    Then it stops with HDFS's own space quota message
    And it left whole ledger orders only, and its group committed exactly those
    When the prod area's HDFS quotas are restored as declared
    And I run the hdfs sink job in the prod area again
    Then the hdfs sink reconciles with the ledger field by field: nothing missing, nothing twice
