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

  Scenario: A dry run shows the plan and changes nothing, then the plan is applied
    Given the test area's developer is missing on the last node
    When I run "agility provision all --dry-run"
    Then the plan names the missing user on that node, and the user is still missing
    When I run "agility provision all"
    Then the user is back on that node
    And running "agility provision all" again prints "no changes"

  Scenario: A developer is provisioned end to end, and once deprovisioned is let in nowhere
    When I provision a new developer in the dev area
    Then the command prints how the developer connects
    And the developer logs in to SSH, the event stream, Cassandra and MariaDB
    When I deprovision the developer
    Then SSH, the event stream, Cassandra and MariaDB all refuse the developer
    And testinfra finds the developer on no node

  Scenario: testinfra finds every declared user right on every node
    Given the Linux users of the provisioning declaration are provisioned
    When testinfra checks every declared Linux user on every node
    Then each one's uid, groups, home, shell and authorized key are right on every node

  Scenario: Provisioning never writes through a link a user planted in their home
    Given a user of the edge node who swapped their authorized keys for a link to /etc/shadow
    When provisioning installs that user's key again
    Then provisioning refuses to write through the link
    And /etc/shadow on the edge node is unchanged
