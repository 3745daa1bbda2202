Feature: Databases: MySQL and Cassandra from the developer's workstation
  The developer's own tools on the workstation, in the dev work area: the MySQL client and cqlsh
  through the SSH tunnel, a Python script that asks both databases the same question with bound
  parameters, and PySpark jobs on the cluster that read both stores and agree with them. The
  orders are the pipeline's own: produced to Kafka and written by the cassandra and mysql sinks.

  Background:
    Given the cluster is up
    And a fresh dev dataset of orders written by the cassandra and mysql sinks

  @mysql
  Scenario: Set up the SSH tunnel to MySQL and the MySQL client on the workstation
    When I look at the stores tunnel of the dev area
    Then it forwards the MySQL server to a local address on this host
    And the MySQL client's option file names that local address and the account, readable only by me
    And the mariadb client connects through the tunnel with no password on its command line

  @mysql
  Scenario: Run SELECT fields FROM table WHERE field = value with the MySQL client
    When I select one customer's orders with the mariadb client
    Then the MySQL client shows exactly that customer's orders

  @cassandra
  Scenario: Query Cassandra with cqlsh through the tunnel
    When I select the same customer's orders with cqlsh
    Then cqlsh shows the same orders as the MySQL client

  @mysql @cassandra
  Scenario: A Python script queries MySQL and Cassandra with bound parameters
    When I run the query job for one customer's orders
    Then MySQL and Cassandra return the same rows for that customer

  @mysql @cassandra
  Scenario: An injection attempt through the query job is harmless
    When I run the query job with the value "x' OR '1'='1" and then "x'; DROP TABLE orders; --"
    Then both databases return no rows for either value
    And a field name carrying SQL is refused before any statement is sent
    And both tables still hold every order

  @cassandra
  Scenario: PySpark aggregates the Cassandra table through the spark-cassandra-connector
    When I run the PySpark job on the Cassandra table on the edge node
    Then its count, total amount and order ids equal CQL's own aggregate

  @mysql
  Scenario: PySpark reads the MySQL table over JDBC
    When I run the PySpark JDBC read of the MySQL table on the edge node
    Then its count, total amount and order ids equal what PyMySQL reads

  @mysql @cassandra
  Scenario Outline: A wrong password gives a clear message
    When I use <tool> with a wrong password
    Then it fails with a message about wrong credentials and no Java stack trace

    Examples:
      | tool                   |
      | the mariadb client     |
      | cqlsh                  |
      | the query job          |
      | the PySpark connector  |
      | the PySpark JDBC read  |

  @mysql @cassandra
  Scenario Outline: A missing table gives a clear message
    When I use <tool> on a table that does not exist
    Then it fails with a message about the missing table and no Java stack trace

    Examples:
      | tool                   |
      | the mariadb client     |
      | cqlsh                  |
      | the query job          |
      | the PySpark connector  |
      | the PySpark JDBC read  |
