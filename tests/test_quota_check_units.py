"""The quota proofs' verdicts (agility/checks/*_quotas.py) on hand-made measurements: each one
passes what the services answer when the quota holds and names what is wrong when it does not."""

from dataclasses import replace

import pytest

from agility.checks import hdfs_quotas, kafka_quotas, mariadb_quotas
from agility.checks.kafka_quotas import MiB, Throughput
from agility.config.areas import Area
from agility.provisioning.area_quotas import HdfsQuotas
from agility.provisioning.hdfs import Usage

pytestmark = pytest.mark.unit

MYSQL = {"max_user_connections": 4, "max_queries_per_hour": 20000}


def quiet(_text: str) -> None:
    """A `say` that drops the narration."""


def test_a_rate_near_the_quota_passes_only_when_the_broker_throttled():
    throttled = Throughput("prod-kafka", "produced", 10 * MiB, 10.0, 200.0, 900.0)
    assert kafka_quotas.throttled_problems(throttled, MiB, 0.5, 1.5, quiet) == []
    unthrottled = Throughput("prod-kafka", "produced", 10 * MiB, 10.0, 0.0, 0.0)
    assert [p.split(":")[0] for p in kafka_quotas.throttled_problems(unthrottled, MiB, 0.5, 1.5, quiet)] == [
        "the brokers never throttled it"]
    assert kafka_quotas.throttled_problems(throttled, MiB // 4, 0.5, 1.5, quiet)[0].startswith("not between")


def test_an_account_without_quota_must_be_unthrottled_and_faster():
    limited = Throughput("prod-kafka", "consumed", 10 * MiB, 10.0, 200.0, 900.0)
    assert kafka_quotas._faster_problems(Throughput("admin", "consumed", 10 * MiB, 1.0, 0, 0), limited, quiet) == []
    slow = kafka_quotas._faster_problems(Throughput("admin", "consumed", 5 * MiB, 20.0, 0, 3.0), limited, quiet)
    assert [p.split(":")[0] for p in slow] == ["moved fewer bytes", "throttled without a quota", "not faster"]


def test_only_a_slower_unthrottled_run_is_measured_once_more():
    limited = Throughput("prod-kafka", "produced", 10 * MiB, 10.0, 200.0, 900.0)
    fast = Throughput("dev-kafka", "produced", 10 * MiB, 2.0, 0, 0)
    slow = Throughput("dev-kafka", "produced", 10 * MiB, 11.0, 0, 0)
    throttled = Throughput("dev-kafka", "produced", 10 * MiB, 11.0, 50.0, 300.0)

    def measured(*runs):
        left = list(runs)
        problems = kafka_quotas._faster_problems_measured(lambda: left.pop(0), limited, quiet)
        return [p.split(":")[0] for p in problems], len(runs) - len(left)

    assert measured(fast, slow) == ([], 1)
    assert measured(slow, fast) == ([], 2)  # a busy machine, once
    assert measured(slow, slow, fast) == (["not faster"], 2)  # no more than twice
    assert measured(throttled, fast) == (["throttled without a quota", "not faster"], 1)  # a quota: not again


def test_the_connection_refusal_must_be_mariadbs_own_after_the_declared_limit():
    refused = mariadb_quotas.ConnectionsProof("prod-db", 4, "(1226) User 'prod-db' has exceeded the "
                                              "'max_user_connections' resource (current value: 4)", 4, 0)
    assert mariadb_quotas.connections_refusal_problems(refused, 4, MYSQL) == []
    assert mariadb_quotas.still_open_problems(refused, 4) == []
    timed_out = mariadb_quotas.ConnectionsProof("prod-db", 4, "(2003) Can't connect to MySQL server", 3, 1)
    assert len(mariadb_quotas.connections_refusal_problems(timed_out, 5, MYSQL)) == 3
    assert len(mariadb_quotas.still_open_problems(timed_out, 4)) == 2


def test_the_refused_transaction_must_leave_no_row():
    proof = mariadb_quotas.QueriesProof("prod-db", "`prod`.`t`", 9001, "(1226) ... 'max_queries_per_hour' ...",
                                        9000, 0, True)
    assert mariadb_quotas.queries_refusal_problems(proof, 20000, MYSQL) == []
    assert mariadb_quotas.half_written_problems(proof, quiet) == []
    proof.rows_after = 9000
    assert mariadb_quotas.half_written_problems(proof, quiet)[0].startswith("9000 rows left")


def test_hdfs_refusals_must_be_one_line_naming_the_quota():
    area = Area("prod", "prod.", "prod", "prod", "/areas/prod", "prod-kafka", "prod-hdfs", "prod", 3000)
    usage = Usage("/areas/prod", 100, 1 << 30, 50, 0, 0)
    quotas = HdfsQuotas(area, {"namespace": 100, "space": 1 << 30}, [], usage)
    message = ("The NameSpace quota (directories and files) of directory /areas/prod is exceeded: "
               "quota=100 file count=101")
    refusal = hdfs_quotas.NamespaceRefusal("/areas/prod/f", usage, 50, 51, 50, message, ["/areas/prod/f/n000050"],
                                           "/areas/prod/f/n000050", 1.0)
    assert hdfs_quotas.namespace_refusal_problems(quotas, refusal) == []
    with_trace = replace(refusal, message=message + "\n\tat org.apache.hadoop")
    assert hdfs_quotas.namespace_refusal_problems(quotas, with_trace)[0].startswith("not one line")
    nothing = replace(refusal, message=None)
    assert hdfs_quotas.namespace_refusal_problems(quotas, nothing) == ["every name was created: the quota did not hold"]


class CutOffThenRefused:
    """Stands in for the hdfs client: its first `cuts` writes lose the answer to a reset, the next
    one is refused with HDFS's message (what HttpFS does past a space quota)."""

    def __init__(self, cuts: int):
        self.cuts, self.writes = cuts, 0

    def write(self, path, data=None, overwrite=False):
        from hdfs.util import HdfsError
        from requests.exceptions import ConnectionError

        self.writes += 1
        if self.writes <= self.cuts:
            raise ConnectionError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))")
        raise HdfsError("The DiskSpace quota of /areas/prod is exceeded: quota = 64 B", exception="DSQuotaExceededException")

    def status(self, path, strict=True):
        return None


def test_a_write_cut_off_before_hdfs_answered_is_made_again_until_hdfs_answers():
    client = CutOffThenRefused(cuts=2)
    message, left = hdfs_quotas.written_or_refused(client, "/areas/prod/q/big.bin", 8, quiet)
    assert (message, left, client.writes) == ("The DiskSpace quota of /areas/prod is exceeded: quota = 64 B", None, 3)


def test_writes_cut_off_every_time_end_with_the_cut_not_with_a_refusal():
    client = CutOffThenRefused(cuts=10)
    message, _ = hdfs_quotas.written_or_refused(client, "/areas/prod/q/big.bin", 8, quiet, attempts=3)
    assert client.writes == 3 and "Connection reset" in message
    area = Area("prod", "prod.", "prod", "prod", "/areas/prod", "prod-kafka", "prod-hdfs", "prod", 3000)
    usage = Usage("/areas/prod", 100, 64, 1, 0, 0)
    quotas = HdfsQuotas(area, {"namespace": 100, "space": 64}, [], usage)
    refusal = hdfs_quotas.SpaceRefusal("/areas/prod/q/big.bin", usage, 64, 8, message, None, False, usage, 1.0)
    assert hdfs_quotas.space_refusal_problems(quotas, refusal)[0].startswith("not a DiskSpace")
