"""The Kafka pipeline against references run in the same script, on the same running sandbox:

- our producer (records/s) vs Kafka's own ProducerPerformance, both inside the cluster
  ("direct"), and our producer through the developer's SSH tunnel;
- each sink job (records/s, consuming from Kafka, committing) vs a raw bulk write of the same
  orders (each at its partition and offset, from the producer's ledger) into the same store by the same sink class (no Kafka, one batch);
- end-to-end latency producer → consumer through the tunnel, p50 and p99.

    /opt/agility/venv/bin/python bench/kafka_pipeline.py [--orders 20000]

Needs a running sandbox (`agility sandbox up`); it uses fresh datasets in the test area.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.checks import pipeline  # noqa: E402
from agility.clients.edge_kafka import EdgeKafkaTools  # noqa: E402
from agility.clients.services import (
    Clients,  # noqa: E402
    area_clients,  # noqa: E402
)
from agility.config import areas, profiles  # noqa: E402
from agility.jobs import orders, producer, records  # noqa: E402
from agility.jobs.ledger import Ledger  # noqa: E402
from agility.jobs.sink import Record  # noqa: E402
from agility.jobs.sink_cassandra import CassandraSink  # noqa: E402
from agility.jobs.sink_hdfs import HdfsSink  # noqa: E402
from agility.jobs.sink_mysql import MySqlSink  # noqa: E402
from agility.provisioning.area_accounts import provision_area_accounts, provision_linux_user  # noqa: E402
from agility.reach.ssh import ClusterShell  # noqa: E402
from agility.sandbox.cluster import Sandbox  # noqa: E402
from bench.figures import Figure, at_least, compared, table  # noqa: E402

RAW_SINKS = {"cassandra": CassandraSink, "mysql": MySqlSink, "hdfs": HdfsSink}


def fresh() -> str:
    return f"bench_{uuid.uuid4().hex[:8]}"


def producer_perf(profile, shell: ClusterShell, clients: Clients, topic: str, count: int, size: int) -> float:
    """Kafka's ProducerPerformance on the edge node, as admin, acks=all: records/s."""
    tools = EdgeKafkaTools(profile, shell, clients.kafka_account(None))
    tools.install_client_config()
    runner = profile.kafka["cli"]["topics"][:-1]
    home = shell.run(profile.edge, ["sh", "-c", 'echo "$HOME"']).stdout.strip()
    output = shell.run(profile.edge, [
        *runner, "org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records", str(count),
        "--record-size", str(size), "--throughput", "-1", "--producer.config", f"{home}/.agility/kafka-client.properties",
        "--producer-props", f"bootstrap.servers={','.join(profile.kafka['internal_bootstrap'])}", "acks=all",
        "linger.ms=20"], timeout=600).stdout
    rate = re.findall(r"([\d.]+) records/sec", output)
    return float(rate[-1])


def our_producer_direct(sandbox: Sandbox, profile, area, count: int) -> float:
    """Our producer in a thread that joined the edge node's network: brokers' internal listeners."""
    direct = dict(zip(profile.kafka["bootstrap"], profile.kafka["internal_bootstrap"], strict=True))
    clients = Clients(profile, direct)
    edge = sandbox.nodes[profile.edge]
    result = edge.call_in_network(lambda: producer.run(clients, area, fresh(), count, seed=3, profile_name="bench",
                                                       progress=False))
    return result.records_per_second


def latency(clients: Clients, area, count: int = 2000) -> tuple[float, float]:
    """Milliseconds from send to receipt, through the tunnel, at a steady 1000 records/s."""
    topic = area.topic(fresh())
    from agility.checks.roundtrip import create_topic

    create_topic(clients, topic)
    consumer = clients.kafka_consumer(topic, account=clients.kafka_account(area.name), group_id=None,
                                      auto_offset_reset="latest", consumer_timeout_ms=10000)
    consumer.poll(timeout_ms=2000)  # join and position at the end before sending
    sender = clients.kafka_producer(account=clients.kafka_account(area.name), acks="all", linger_ms=0)
    delays: list[float] = []
    start = time.monotonic()
    for index, order in enumerate(orders.iter_orders(5)):
        if index >= count:
            break
        sender.send(topic, key=order["order_id"].encode(), value=records.encode(order), timestamp_ms=int(time.time() * 1000))
        while time.monotonic() < start + (index + 1) / 1000:
            for messages in consumer.poll(timeout_ms=1).values():
                delays += [time.time() * 1000 - message.timestamp for message in messages]
    sender.flush()
    while len(delays) < count:
        batch = consumer.poll(timeout_ms=5000)
        if not batch:
            break
        for messages in batch.values():
            delays += [time.time() * 1000 - message.timestamp for message in messages]
    sender.close()
    consumer.close()
    delays.sort()
    return statistics.median(delays), delays[int(len(delays) * 0.99) - 1]


def raw_write(name: str, clients: Clients, area, entries: list[dict]) -> float:
    """The same orders, each with the partition and offset the job read it at, written by the same
    sink class in one batch: the same rows, and for HDFS the same files (one per partition and
    event hour), without Kafka."""
    sink = RAW_SINKS[name](clients, area, fresh())
    sink.prepare()
    batch = [Record(entry["order"], "raw", entry["partition"], entry["offset"]) for entry in entries]
    started = time.monotonic()
    sink.write(batch)
    while hasattr(sink, "flush_next") and sink.flush_next(final=True):
        pass
    elapsed = time.monotonic() - started
    sink.close()
    return len(batch) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    args = parser.parse_args(argv)
    print("\n" + table(measure(args.orders)))
    return 0


def measure(count: int) -> list[Figure]:
    figures = []
    profile = profiles.load("sandbox")
    sandbox = Sandbox()
    area = areas.get("test")
    provision_linux_user(profile, area)  # before the developer's tunnel can open
    with area_clients(profile, area) as clients, ClusterShell(profile) as shell:
        provision_area_accounts(profile, clients, area)
        size = len(records.encode(orders.generate(1, 1)[0]))
        reference = producer_perf(profile, shell, clients, area.topic(fresh()), count, size)
        direct = our_producer_direct(sandbox, profile, area, count)
        dataset = fresh()
        tunnelled = producer.run(clients, area, dataset, count, seed=4, profile_name="bench", progress=False)
        print(f"\n== producer, {count} orders of ~{size} bytes, acks=all")
        print(f"ProducerPerformance (edge, direct)   {reference:>9.0f} records/s   1.00")
        print(f"our producer (edge, direct)          {direct:>9.0f} records/s   {direct / reference:.2f}  (target ≥ 0.5)")
        print(f"our producer (host, SSH tunnel)      {tunnelled.records_per_second:>9.0f} records/s   "
              f"{tunnelled.records_per_second / reference:.2f}")
        figures += [at_least("producer job, edge node", direct, "records/s", "ProducerPerformance", reference, 0.5),
                    compared("producer job, through the tunnel", tunnelled.records_per_second, "records/s",
                             "ProducerPerformance", reference)]
        produced = Ledger.for_dataset("bench", area, dataset).order_entries()
        print(f"\n== sinks, {count} orders (rate over the busy time: first read to last commit)")
        for name in RAW_SINKS:
            # each measured from a collected heap: the Cassandra driver leaves ~400,000 objects in
            # cycles behind a bulk write, whose collection fell into the next job (the MySQL job
            # then ran at 12-14 k records/s instead of 20-25 k)
            gc.collect()
            job = pipeline.run_sink(name, clients, area, dataset)
            gc.collect()
            raw = raw_write(name, clients, area, produced)
            print(f"{name:<10} job {job.records_per_second:>8.0f} records/s   raw bulk write {raw:>8.0f} records/s   "
                  f"ratio {job.records_per_second / raw:.2f}  (target ≥ 0.5)")
            figures.append(at_least(f"{name} sink job", job.records_per_second, "records/s", "raw bulk write", raw, 0.5))
        p50, p99 = latency(clients, area)
        print(f"\n== end-to-end latency producer → consumer through the tunnel, 2000 records at 1000/s: "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    return figures


if __name__ == "__main__":
    sys.exit(main())
