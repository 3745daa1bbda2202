"""The failure act: instances of the production cluster killed under the Kafka act's load."""

from pytest_bdd import given, parsers, then, when

from agility.checks import executor_loss, faults


@given("the production cluster is up and the prod area's developer is provisioned on it", target_fixture="developer")
def production_developer(production_connections, narrate):
    return production_connections.open("prod", narrate)


@given(parsers.parse("the producer job and the three sink jobs run on a fresh prod dataset, {count:d} orders at "
                     "{rate:d} a second"), target_fixture="load")
def load_running(production_platform, developer, fresh_dataset, count, rate, running_jobs, request, narrate):
    load = faults.start_load(production_platform, developer.clients, developer.area, fresh_dataset(), count, rate,
                             running_jobs.append)
    request.addfinalizer(lambda: faults.forget_load(load, developer.clients, developer.area))
    narrate(f"producer (pid {load.producer.process.pid}) and sinks {', '.join(load.sinks)} on {load.dataset}")
    return load


@when(parsers.parse("{fault} while they run"), target_fixture="fault")
def fault_under_load(sandbox_faults, load, developer, fault, narrate):
    return faults.fault_under_load(sandbox_faults, load, developer.clients, developer.area, load.dataset, fault, narrate)


@then(parsers.parse("the platform goes on serving without it: {more:d} more orders acknowledged, every sink storing"))
def served_without(load, fault, developer, more, narrate):
    faults.served_without(load, fault, developer.clients, developer.area, load.dataset, more, narrate)


@when("what was killed is started again")
@when("the link is restored")
def started_again(sandbox_faults, fault, narrate):
    narrate(sandbox_faults.restart(fault))


@when("a fresh generic node takes its place: empty disks, the same services set up by the sandbox's own recipe")
def replaced(sandbox_faults, fault, narrate):
    narrate(sandbox_faults.restart(fault, fresh=True))


@then("every partition of the topic has its 3 replicas in sync again")
@then("every Cassandra node is UN again and a repair of prod's keyspace completes")
@then("every DataNode is live again and no block is under-replicated")
@then("the node's broker, Cassandra node and DataNode are whole again and a repair of prod's keyspace completes")
@then("the fresh node's broker, Cassandra node and DataNode hold their replicas again and a repair of prod's keyspace completes")
def whole_again(sandbox_faults, fault, load, developer, narrate):
    faults.recovered(sandbox_faults, fault, developer.clients, developer.area, load.dataset, narrate)


@then("the producer job finishes with every order acknowledged, each at its offset in the topic")
def producer_lost_nothing(load, developer, narrate):
    assert not faults.producer_problems(load, developer.clients, developer.area, load.dataset, narrate)


@then("every sink job finishes by itself and holds every order field by field: nothing missing, nothing twice")
def sinks_lost_nothing(load, developer, narrate):
    assert not faults.sinks_problems(load, developer.clients, developer.area, load.dataset, narrate)


@then("nothing else on the cluster was disturbed, and the recovery time is reported")
def undisturbed(sandbox_faults, fault, load, narrate):
    narrate(faults.recovery_report(load, fault))
    assert not sandbox_faults.undisturbed_problems(fault)


@given("a prod Spark job runs on YARN, its executor computing in Python workers on an agent of its own",
       target_fixture="spark_job")
def spark_job_computing(sandbox_faults, developer, narrate):
    job = executor_loss.start_job(developer.clients, developer.shell, developer.area, narrate)
    executor_loss.computing(sandbox_faults, developer.clients, job, narrate)
    return job


@when("the NodeManager of the executor's agent is killed with SIGKILL, with every process of its containers",
      target_fixture="fault")
def executor_host_killed(sandbox_faults, spark_job, narrate):
    return executor_loss.kill_executor_host(sandbox_faults, spark_job, narrate)


@then("the Spark job gets a new executor and finishes with the exact answer")
def exact_answer(sandbox_faults, spark_job, fault, narrate):
    executor_loss.new_executor(sandbox_faults, spark_job, fault, narrate)
    assert not executor_loss.answer_problems(spark_job, fault, narrate)


@then("the ResourceManager declares that NodeManager LOST")
def declared_lost(sandbox_faults, fault, narrate):
    executor_loss.declared_lost(sandbox_faults, fault, narrate)


@then("every NodeManager is RUNNING again in the ResourceManager")
def nodemanagers_running(sandbox_faults, fault, developer, narrate):
    faults.recovered(sandbox_faults, fault, developer.clients, developer.area, None, narrate)


@then("nothing else on the cluster was disturbed, and the job's recovery is reported")
def job_undisturbed(sandbox_faults, fault, spark_job, narrate):
    narrate(executor_loss.recovery_report(fault, spark_job))
    assert not sandbox_faults.undisturbed_problems(fault)
