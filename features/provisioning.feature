@provisioning
Feature: Developers' Linux users exist on every node, and provisioning is repeatable
  Users are created over SSH as an operator's script would, and verified with testinfra
  on each node's own sshd, reached through the bastion.

  Background:
    Given the cluster is up
    And the dev area's developer is provisioned

  Scenario: testinfra finds the dev developer right on every node
    When testinfra checks the dev developer's Linux user on every node
    Then the user, groups, home, shell and authorized key are right on every node

  Scenario: A user missing on one node is named by the check, and provisioning repairs it
    When the dev developer's Linux user is removed from the last node only
    And testinfra checks the dev developer's Linux user on every node
    Then the check fails for the last node and for no other
    And provisioning the dev area again recreates the user on that node only

  Scenario: Provisioning an area twice changes nothing the second time
    When I provision the dev area again
    Then it reports no changes
