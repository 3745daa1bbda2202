@provisioning @quotas
Feature: The production area's quotas on the event stream, MariaDB and Spark hold
  The prod area's byte rates on the event stream, its MariaDB account's limits and its Spark cap
  come from the provisioning declaration. Each scenario goes past one of them as the prod area's
  own accounts: the account is throttled down to its rate, or refused with the service's own
  message before anything starts, and nothing half written is left behind.

  Background:
    Given the cluster is up
    And the prod area's developer is provisioned
    And the prod area's byte rates, MariaDB limits and Spark cap are applied as declared

  Scenario: Producing faster than the producer byte rate is throttled down to it
    When the prod account produces to a fresh prod topic as fast as it can for 10 seconds
    Then its rate is between 0.5 and 1.5 times its producer byte rate, and the broker throttled it
    And the dev account, which has no quota, produces the same bytes unthrottled and faster

  # The brokers let about two seconds of prod's rate through before the first throttle (their
  # quota window): over 12000 orders (2.7 MiB) that start weighs half what it did over 6000.
  Scenario: The prod producer job is held to prod's byte rate, the dev producer job is not
    When the prod producer job sends 12000 orders to a fresh prod dataset
    Then its rate is between 0.5 and 1.5 times its producer byte rate, and the broker throttled it
    And the dev producer job sends the same 12000 orders to a fresh dev dataset, unthrottled and faster

  Scenario: Reading faster than the consumer byte rate is throttled down to it
    Given a fresh prod topic holding 28 MiB written by the admin
    When the prod account reads it from the beginning as fast as it can for 10 seconds
    Then its rate is between 0.5 and 1.5 times its consumer byte rate, and the broker throttled it
    And the admin, who has no quota, reads the same bytes unthrottled and faster

  Scenario: One MariaDB connection more than the limit is refused, the open ones keep working
    When the prod MariaDB account opens connections until one is refused
    Then the connection after the 4th is refused with MariaDB's max_user_connections message
    And the 4 open connections still answer, and none is left open once they are closed

  Scenario: Statements beyond the hourly limit are refused and leave nothing half written
    When the prod MariaDB account inserts into a fresh table in one transaction until a statement is refused
    Then the refusal is MariaDB's max_queries_per_hour message, after at most 20000 statements
    And the refused transaction's rows are gone: none is left in the table
    And once the admin resets the counters the prod MariaDB account works again

  Scenario: A prod Spark job asking for more than the cap is refused before it starts
    When a prod Spark job asks for 2 cores
    Then it is refused at submit in one line that gives the prod cap and the request
    And the ResourceManager never saw the application

  Scenario: A prod Spark job within the cap runs with no more than the cap
    When a prod Spark job asks for 1 core and 768m per executor
    Then it runs, and YARN granted it no more than the cap's cores and executor memory

  Scenario: The prod mysql sink is held to prod's MariaDB connection limit, and finishes once a connection is free
    Given a fresh prod dataset with 400 orders from the producer job
    And every connection prod's MariaDB account may open is taken
    When the prod mysql sink job runs as a process
    Then MariaDB refuses it: the job stops in one line with the max_user_connections message
    And the refused sink stored nothing and committed nothing
    When the taken connections are closed
    And I run the mysql sink job in the prod area again
    Then the mysql sink reconciles with the ledger field by field: nothing missing, nothing twice
