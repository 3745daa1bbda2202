"""Retrying a store that went away, without a store: the bounded backoff, which errors each sink
retries, and the two places where a failed store call used to lose or hide something."""

from __future__ import annotations

from types import SimpleNamespace

import pymysql
import pytest
import requests
from cassandra import AuthenticationFailed, InvalidRequest, WriteTimeout
from cassandra.cluster import NoHostAvailable
from hdfs.util import HdfsError

from agility.clients.hdfs_write import WriteRefused
from agility.config import areas
from agility.core import retry
from agility.jobs.sink import Record
from agility.jobs.sink_cassandra import CassandraSink
from agility.jobs.sink_hdfs import HdfsSink
from agility.jobs.sink_mysql import MySqlSink

pytestmark = pytest.mark.unit
PROFILE = SimpleNamespace(mysql={"address": "198.51.100.10:3306"}, hdfs={"webhdfs": "198.51.100.10:14000"},
                          cassandra={"contact_points": ["198.51.100.21:9042"]})
CLIENTS = SimpleNamespace(profile=PROFILE)
AREA = areas.get("prod")
GONE = ConnectionError("Connection refused")


def fails(times: int, error: BaseException = GONE, value="stored"):
    """An action that fails `times` times with `error`, then returns `value`; it counts its calls."""
    calls = []

    def action():
        calls.append(1)
        if len(calls) <= times:
            raise error
        return value

    action.calls = calls
    return action


def transient(error):
    return isinstance(error, ConnectionError)


def test_a_transient_failure_is_retried_after_reconnecting_with_a_growing_pause(monkeypatch):
    pauses, lines, recovered = [], [], []
    monkeypatch.setattr(retry.time, "sleep", pauses.append)
    action = fails(3)
    assert retry.retrying(action, store="MySQL at x", transient=transient, seconds=60,
                          recover=lambda: recovered.append(1), log=lines.append) == "stored"
    assert len(action.calls) == 4 and len(recovered) == 3
    assert pauses == [0.5, 1.0, 2.0]
    assert lines[0] == "MySQL at x: ConnectionError: Connection refused; retry 1 in 0.5 s"


def test_a_refusal_is_not_retried():
    refused = PermissionError("access denied")
    action = fails(1, refused)
    with pytest.raises(PermissionError):
        retry.retrying(action, store="MySQL at x", transient=transient, seconds=60)
    assert len(action.calls) == 1


def test_a_store_that_stays_away_ends_in_one_line_naming_it_and_its_error():
    action = fails(1000, ConnectionError("Remote end closed\nconnection without response"))
    with pytest.raises(retry.StoreUnavailable) as gave_up:
        retry.retrying(action, store="HDFS through HttpFS at 198.51.100.10:14000", transient=transient, seconds=1.2,
                       note="a rerun resumes there")
    message = str(gave_up.value)
    assert "\n" not in message and len(action.calls) == 2  # pauses 0.5 s, then 1 s would pass the 1.2 s
    assert message == ("HDFS through HttpFS at 198.51.100.10:14000 did not answer for 1 s (2 attempts), last error "
                       "ConnectionError: Remote end closed connection without response; a rerun resumes there")


def test_a_signal_stops_the_waiting(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: pytest.fail("no pause once a signal stopped the job"))
    with pytest.raises(retry.StoreUnavailable, match="was not answering when signal SIGTERM stopped the job"):
        retry.retrying(fails(5), store="s", transient=transient, seconds=60, interrupted=lambda: "signal SIGTERM")


@pytest.mark.parametrize(("error", "retried"), [
    (pymysql.OperationalError(2013, "Lost connection to server during query"), True),
    (pymysql.OperationalError(2003, "Can't connect to server on '127.51.100.10'"), True),
    (pymysql.OperationalError(2006, "Server has gone away"), True),
    (pymysql.OperationalError(1045, "Access denied for user 'prod_mysql'"), False),
    (pymysql.ProgrammingError(1146, "Table 'prod.x' doesn't exist"), False),
])
def test_mysql_retries_a_server_gone_not_a_refusal(error, retried):
    assert MySqlSink(CLIENTS, AREA, "orders").transient(error) is retried


def test_a_client_connection_lost_before_the_greeting_is_opened_again_a_refusal_is_not(monkeypatch):
    from agility.clients.services import Clients
    from agility.config.identities import Account, Secret

    clock = [0.0]  # the pauses pass at once, on a clock of their own
    monkeypatch.setattr(retry, "time", SimpleNamespace(monotonic=lambda: clock[0],
                                                       sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds)))
    clients = Clients(SimpleNamespace(mysql={"address": "198.51.100.10:3306"}), {"198.51.100.10:3306": "127.51.100.10:3306"})
    monkeypatch.setenv("AGILITY_TEST_SECRET", "not-a-real-one")
    admin = Account("admin", Secret(env="AGILITY_TEST_SECRET"))
    lost = fails(2, pymysql.OperationalError(2013, "Lost connection to MySQL server during query"), value="connection")
    monkeypatch.setattr(pymysql, "connect", lambda **_: lost())
    assert clients.mysql_connection(admin) == "connection" and len(lost.calls) == 3
    denied = fails(5, pymysql.OperationalError(1045, "Access denied for user 'admin'"))
    monkeypatch.setattr(pymysql, "connect", lambda **_: denied())
    with pytest.raises(pymysql.OperationalError):
        clients.mysql_connection(admin)
    assert len(denied.calls) == 1
    gone = fails(99, pymysql.OperationalError(2013, "Lost connection to MySQL server during query"))
    monkeypatch.setattr(pymysql, "connect", lambda **_: gone())
    with pytest.raises(retry.StoreUnavailable, match="MySQL at 198.51.100.10:3306"):
        clients.mysql_connection(admin)


@pytest.mark.parametrize(("error", "retried"), [
    (NoHostAvailable("Unable to connect to any servers", {}), True),
    (WriteTimeout("timed out", consistency=4, received_responses=0, required_responses=1, write_type=0), True),
    (InvalidRequest("unconfigured table"), False),
    (NoHostAvailable("Unable to connect to any servers",
                     {"127.51.100.21:9042": AuthenticationFailed("Provided username prod_cassandra and/or password are incorrect")}),
     False),
])
def test_cassandra_retries_no_host_and_timeouts_not_a_refusal(error, retried):
    assert CassandraSink(CLIENTS, AREA, "orders").transient(error) is retried


def refused(cause):
    return WriteRefused("/areas/prod/x", 3, str(cause), cause=cause)


@pytest.mark.parametrize(("error", "retried"), [
    (requests.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection'))"), True),
    (refused(requests.ConnectionError("Connection aborted.")), True),
    (refused(requests.ReadTimeout("read timed out")), True),
    (refused(HdfsError("Name node is in safe mode.", exception="SafeModeException")), True),
    (refused(HdfsError("The DiskSpace quota of /areas/prod is exceeded", exception="DSQuotaExceededException")), False),
    (refused(HdfsError("Permission denied: user=dev_hdfs", exception="AccessControlException")), False),
])
def test_hdfs_retries_httpfs_gone_not_a_refusal(error, retried):
    assert HdfsSink(CLIENTS, AREA, "orders").transient(error) is retried


class FlakyHdfs:
    """WebHDFS that drops the first write's connection, as HttpFS does when it stops."""

    def __init__(self):
        self.files, self.failures = {}, 1

    def status(self, path, strict=True):
        return {"type": "FILE"} if path in self.files else None

    def delete(self, path, recursive=False):
        self.files.pop(path, None)

    def write(self, path, data=None, overwrite=False, encoding=None):
        if self.failures:
            self.failures -= 1
            raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed'))")
        self.files[path] = data

    def rename(self, source, destination):
        self.files[destination] = self.files.pop(source)


def order(number: int) -> dict:
    return {"order_id": f"o{number}", "ts": "2025-01-02T03:04:05.000Z"}


def test_an_hdfs_file_that_failed_is_written_again_not_skipped():
    sink = HdfsSink(CLIENTS, AREA, "orders", batch_records=2)
    sink.client = FlakyHdfs()
    sink.write([Record(order(n), "prod.orders", 0, n) for n in range(4)])  # two files of two records
    with pytest.raises(WriteRefused) as failed:
        sink.flush_next()
    assert sink.transient(failed.value)
    assert sink.held() == {0: 0}  # the failed file's records are still held: nothing past them is committed
    assert sink.flush_next() and sorted(sink.client.files) == ["/areas/prod/orders/date=2025-01-02/hour=03/part-p0-o000000000000.jsonl"]
    assert sink.held() == {0: 2}


class QuotaOnPartition1(FlakyHdfs):
    """WebHDFS whose space quota refuses the files of partition 1 (their names say the partition)."""

    def __init__(self):
        super().__init__()
        self.failures = 0

    def write(self, path, data=None, overwrite=False, encoding=None):
        if "part-p1-" in path:
            raise HdfsError("The DiskSpace quota of /areas/prod is exceeded", exception="DSQuotaExceededException")
        super().write(path, data, overwrite, encoding)


def three_partitions_two_files_each(sink: HdfsSink) -> None:
    sink.write([Record(order(n), "prod.orders", partition, n) for partition in range(3) for n in range(4)])


def test_hdfs_writes_one_file_of_each_partition_per_round():
    sink = HdfsSink(CLIENTS, AREA, "orders", batch_records=2)
    sink.client = FlakyHdfs()
    sink.client.failures = 0
    three_partitions_two_files_each(sink)
    assert sink.flush_next()
    assert sorted(path.rsplit("/", 1)[1] for path in sink.client.files) == [
        "part-p0-o000000000000.jsonl", "part-p1-o000000000000.jsonl", "part-p2-o000000000000.jsonl"]
    assert sink.held() == {0: 2, 1: 2, 2: 2}  # the loop commits the round: one unit of each partition


def test_a_refused_hdfs_file_stays_held_while_the_others_of_its_round_are_written():
    sink = HdfsSink(CLIENTS, AREA, "orders", batch_records=2)
    sink.client = QuotaOnPartition1()
    three_partitions_two_files_each(sink)
    with pytest.raises(WriteRefused, match="DiskSpace quota") as failed:
        sink.flush_next()
    assert not sink.transient(failed.value)
    assert sorted(path.rsplit("/", 1)[1] for path in sink.client.files) == [
        "part-p0-o000000000000.jsonl", "part-p2-o000000000000.jsonl"]
    assert sink.held() == {0: 2, 1: 0, 2: 2} and sink.files_written == 2


class LostConnection:
    """A pymysql connection whose server goes away during the batch: from then on every command
    on it fails, as pymysql's do on a closed socket."""

    lost = False

    def _command(self, *args):
        if self.lost:
            raise pymysql.InterfaceError(0, "")

    begin = autocommit = commit = _command

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def executemany(self, statement, rows):
        self.lost = True
        raise pymysql.OperationalError(2013, "Lost connection to server during query")

    def rollback(self):
        self._command()


def test_a_lost_mysql_connection_fails_the_batch_with_its_own_error():
    sink = MySqlSink(CLIENTS, AREA, "orders")
    sink.connection = LostConnection()
    with pytest.raises(pymysql.OperationalError) as failed:
        sink.write([])
    assert sink.transient(failed.value)


def test_a_sink_retries_the_brokers_retriable_errors_and_no_other():
    from kafka.errors import (
        CommitFailedError,
        KafkaConnectionError,
        NodeNotReadyError,
        NotCoordinatorError,
        SaslAuthenticationFailedError,
        TopicAuthorizationFailedError,
        UnknownBrokerIdError,
    )

    from agility.jobs.sink import kafka_transient

    assert kafka_transient(KafkaConnectionError("socket disconnected"))
    assert kafka_transient(NotCoordinatorError())
    assert kafka_transient(NodeNotReadyError(1))
    assert kafka_transient(UnknownBrokerIdError(1))  # a broker just killed, gone from the metadata: not marked retriable
    assert not kafka_transient(CommitFailedError())  # a rebalance: the partitions went to another member
    assert not kafka_transient(TopicAuthorizationFailedError())
    assert not kafka_transient(SaslAuthenticationFailedError())
    assert not kafka_transient(ValueError("a bug"))

