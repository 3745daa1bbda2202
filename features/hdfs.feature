@hdfs
Feature: HDFS demo: the data files on HDFS, analysed with Spark
  In the dev work area, as the dev developer on the edge node: the hourly batch files the
  streaming HDFS sink wrote, seen with Hadoop's own `hdfs dfs` shell, then analysed by a pySpark
  job in SparkSQL on the cluster's Spark; every result is checked against the producer's ledger.

  Background:
    Given the cluster is up
    And the dev Kafka developer is provisioned
    And the dev area has 3000 orders on HDFS written by the sink job

  Scenario: Start an HDFS client session on the edge node
    When I start an HDFS client session on the edge node
    Then the session talks to the cluster's NameNode and sees the area's datasets
    And HDFS knows me by my own user name

  Scenario: View the data files with the standard HDFS commands
    Given an HDFS client session on the edge node
    When I list the dataset's folder with hdfs dfs -ls -R
    Then the listing holds every batch file the sink wrote, one folder per event date and hour
    And hdfs dfs -count and hdfs dfs -du -h agree with the listing
    And hdfs dfs -stat shows each batch file's size, replication and owner
    And hdfs dfs -cat of a batch file shows exactly the orders the ledger has at its offsets

  Scenario: The operator draws the HDFS data sets from what the cluster holds
    Given an HDFS client session on the edge node
    When I list the dataset's folder with hdfs dfs -ls -R
    And the operator draws the HDFS data sets with agility diagram
    Then the drawing shows the dataset in its area's folder with the files, bytes and folders of the listing

  Scenario: An HDFS path that does not exist gives a clear message
    Given an HDFS client session on the edge node
    When I list an HDFS path that does not exist
    Then the shell says the path does not exist, in one line without a Java stack trace

  Scenario: Run the pySpark program that analyses the dataset on HDFS
    When I run the pySpark analytics job on the Spark cluster
    Then it shows revenue by region and hour, top customers, hour-over-hour anomalies and basket pairs
    And every result equals the independent computation over the producer's ledger
    And the results are on HDFS as Parquet files

  Scenario: The analytics job on a dataset that is not on HDFS gives a clear message
    When I run the pySpark analytics job on a dataset that is not on HDFS
    Then the job says the dataset's HDFS folder does not exist, in one line without a Java stack trace
