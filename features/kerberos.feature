@kerberos
Feature: HDFS with Kerberos: only a ticket says who you are
  Talking point: with simple authentication an HDFS client may claim any user name. On a cluster
  started with `agility sandbox up --kerberos`, an MIT KDC on the master node issues the tickets,
  and the NameNode, the DataNodes and HttpFS believe nothing else: no ticket, no access; a ticket
  is one account, whatever name the client claims.

  Background:
    Given a cluster whose HDFS uses Kerberos, its KDC on the master node
    And its people and accounts are provisioned, each HDFS developer with a keytab of their own

  Scenario: Without a ticket, HttpFS refuses and says why
    When a client with no ticket lists the dev area's directory through HttpFS, claiming to be the dev area's account
    Then HttpFS answers 401 with a Kerberos challenge, saying that authentication is required

  Scenario: With a ticket from its keytab, the area's account works in its own directory
    When the dev area's account writes a file in its directory with a ticket from its keytab
    Then HDFS lists the file as the account's own and reads back exactly what was written

  Scenario Outline: The dev area's ticket does not open prod's directory, claiming <claim>
    When the dev area's account lists prod's directory with its own ticket, claiming <claim>
    Then HDFS refuses it in its own words, naming the dev area's account as the caller

    Examples:
      | claim                       |
      | nothing                     |
      | prod's account by user.name |
      | prod's account by doas      |
      | the superuser by user.name  |

  Scenario: An expired ticket is refused
    When the dev area's account lists its directory with a ticket of a few seconds, before and after it expires
    Then the fresh ticket works, and once expired Kerberos says so and HttpFS answers 401

  Scenario: A pySpark job on YARN logs in with the area's principal and keytab
    Given the dev HDFS developer is logged in on the edge node
    When a pySpark job on YARN, logged in with the dev area's principal and keytab, counts the lines of a file the account wrote
    Then it counts every line, and Spark and the ResourceManager both ran it as the dev area's account

  Scenario: hdfs dfs on the edge node needs a ticket, and then knows who you are
    Given the dev HDFS developer is logged in on the edge node
    When the developer runs hdfs dfs -ls on the areas without a ticket
    Then the shell refuses: the client cannot authenticate with Kerberos
    When the developer runs kinit with their keytab and lists the areas again
    Then the listing shows the dev area's directory, with the developer's own ticket
    When the developer claims to be prod's account with HADOOP_USER_NAME and lists prod's directory
    Then HDFS refuses it as the developer

  Scenario Outline: An area's account is kept out of another area's HDFS directory, Kerberos or not
    When on the Kerberized cluster the <own> area's account reaches for the <other> area's hdfs directory
    Then it is denied, while its own area's hdfs directory works

    Examples:
      | own  | other |
      | dev  | prod  |
      | prod | dev   |
      | test | prod  |
