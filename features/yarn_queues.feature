@quotas @spark
Feature: Spark quotas enforced by the cluster manager: each area in its own YARN queue
  On YARN the ResourceManager, not the job, holds each work area to its CapacityScheduler queue:
  prod is guaranteed a share that is also its maximum, dev and test share what is left and may
  borrow what is idle, and only an area's own accounts may submit to its queue. Everything checked
  is YARN's own answer: the ResourceManager's REST API, and the refusal it sends back to
  spark-submit.

  Background:
    Given the cluster runs Spark on YARN
    And the ResourceManager has a queue per area with the declared shares and submit ACLs

  Scenario: A prod job asking for more than the prod queue's maximum gets no more
    Given the prod area's developer is provisioned
    When the prod developer starts their own Spark session in the prod queue, asking for more than the queue may have
    Then it runs, and the ResourceManager kept the prod queue within its maximum while a container waited

  Scenario: A dev account submitting to the prod queue is refused by YARN
    Given the dev area's developer is provisioned
    When the dev developer submits a prod Spark job to YARN
    Then the ResourceManager refuses it: the dev developer may not submit to the prod queue
    And the dev developer's own dev job runs in the dev queue
