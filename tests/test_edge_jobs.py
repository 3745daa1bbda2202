"""How a job on the edge node is started and read: its command, its stdin, its result, its failure."""

from types import SimpleNamespace

import pytest

from agility.clients import edge_jobs
from agility.core.errors import AgilityError
from agility.core.paths import NODE_PYTHON
from agility.jobs import spark_cassandra
from agility.reach.ssh import Result

pytestmark = pytest.mark.unit

JOB = "agility.jobs.count_rows"


class FakeShell:
    """A ClusterShell that answers one command with a given Result and keeps what it was asked."""

    def __init__(self, stdout: str = "", stderr: str = "", exit_status: int = 0, spark: dict | None = None):
        self.profile = SimpleNamespace(edge="edge", spark=spark or {"master": "spark://m:7077"})
        self.answer = (exit_status, stdout, stderr)
        self.calls = []

    def run(self, node, argv, timeout=300, input=None, check=True):
        self.calls.append({"node": node, "argv": argv, "input": input, "timeout": timeout, "check": check})
        exit_status, stdout, stderr = self.answer
        return Result(node, argv, exit_status, stdout, stderr)


def run(shell, **options):
    return edge_jobs.run_module(shell, JOB, ["--rows", "10"], what="the Spark job x", timeout=30, **options)


def test_the_module_runs_with_the_nodes_python_and_the_secrets_only_on_stdin():
    shell = FakeShell(stdout='{"rows": 10}\n')
    run(shell, secrets={"user": "u", "password": "s3cret"})
    call = shell.calls[0]
    assert call["node"] == "edge" and call["timeout"] == 30 and call["check"] is False
    assert call["argv"] == [NODE_PYTHON, "-m", JOB, "--rows", "10"]
    assert call["input"] == '{"user": "u", "password": "s3cret"}\n'
    assert not any("s3cret" in part for part in call["argv"])


def test_a_profile_may_name_the_nodes_python():
    shell = FakeShell(stdout="{}\n", spark={"master": "m", "python": "/opt/other/bin/python"})
    run(shell, node="agent-1")
    assert shell.calls[0]["argv"][0] == "/opt/other/bin/python" and shell.calls[0]["node"] == "agent-1"
    assert shell.calls[0]["input"] is None


def test_the_result_is_the_last_json_line_and_the_rest_is_what_it_printed():
    shell = FakeShell(stdout='\nRevenue\n+---+\n| 1 |\n{"rows": 10, "nested": {"a": 1}}\n')
    done = run(shell)
    assert done.ok and done.checked() == {"rows": 10, "nested": {"a": 1}}
    assert done.printed == "Revenue\n+---+\n| 1 |"


def test_the_jobs_own_line_is_the_reason_in_one_line():
    stderr = ("WARN NativeCodeLoader: Unable to load native-hadoop library\n"
              "Traceback (most recent call last):\n  ...\nValueError: inner\n"
              "count_rows: area prod may use at most 1 core(s); asked for 2 cores\n")
    with pytest.raises(AgilityError) as failed:
        run(FakeShell(stderr=stderr, exit_status=2)).checked()
    assert str(failed.value) == ("the Spark job x on edge failed (exit 2): "
                                 "area prod may use at most 1 core(s); asked for 2 cores")


def test_without_its_own_line_the_first_named_error_is_the_reason_not_the_stack_trace():
    stderr = "starting\njava.io.IOException: Connection refused\n\tat org.apache.X(X.java:1)\nlast\n"
    done = run(FakeShell(stderr=stderr, exit_status=1))
    assert not done.ok and done.reason() == "java.io.IOException: Connection refused"
    assert done.tail.endswith("X.java:1)\nlast") and done.exit_status == 1
    assert run(FakeShell(stderr="only this\n", exit_status=1)).reason() == "only this"
    assert run(FakeShell(exit_status=1)).reason() == "no output"


def test_no_result_line_is_a_failure_even_with_exit_0():
    done = run(FakeShell(stdout="{not json\n"))
    assert done.result is None and not done.ok
    with pytest.raises(AgilityError, match=r"failed \(exit 0\): no output"):
        done.checked()


def test_a_session_that_ended_without_an_exit_status_says_so():
    with pytest.raises(AgilityError, match="was killed, or its SSH session ended, before it finished"):
        run(FakeShell(stdout='{"rows": 1}\n', exit_status=-1)).checked()


def test_a_timeout_is_one_line():
    class SilentShell(FakeShell):
        def run(self, *args, **kwargs):
            raise TimeoutError()

    with pytest.raises(AgilityError, match=r"^the Spark job x on edge did not finish within 30 s$"):
        run(SilentShell())


def test_the_job_side_prints_its_result_and_its_failure(capsys):
    edge_jobs.print_result({"amount": 1}, default=str)
    assert edge_jobs.print_failure("count_rows", "refused") == edge_jobs.FAILED
    out, err = capsys.readouterr()
    assert edge_jobs.result_line(out) == ({"amount": 1}, "")
    assert edge_jobs.failure_reason(err, "count_rows") == "refused"


def test_a_spark_failure_says_first_what_it_means():
    assert spark_cassandra.failure("AuthenticationException: bad credentials", "dev-cassandra").startswith(
        "wrong credentials for dev-cassandra: ")
    assert spark_cassandra.failure("Table orders_x does not exist", "u").startswith("no such table: ")
    assert spark_cassandra.failure("something else", "u") == "something else"
