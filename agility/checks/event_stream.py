"""The presenter's Kafka act, proven: the developer's tunnel is a real SSH connection that listens
exactly where the brokers say they are, SCRAM shows the developer only the area's topics, the
bastion refuses the developer a forward to another service by its policy, the brokers hold what
the producer had acknowledged (each at its ledger offset), `kafka-topics` shows every partition
led and in sync, the console consumer's sample is the ledger's orders, and a sink's consumer group
has nothing left to read.

Each check says what it shows through `say` (a step's narration, or print) and returns what is
wrong: an empty list proves it. Everything compared is read from a service or the kernel, never
the value the check itself built.
"""

from __future__ import annotations

import json

from agility.checks import reconcile
from agility.checks.roundtrip import create_topic
from agility.checks.shared_dataset import Say
from agility.clients.edge_kafka import EdgeKafkaTools, PartitionInfo, advertised_brokers, topic_offsets
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core import sockets
from agility.core.errors import AgilityError
from agility.core.narration import keep_json, keep_text
from agility.jobs import producer
from agility.jobs.ledger import Ledger
from agility.jobs.producer import ProduceResult
from agility.provisioning.kafka import topics_seen_by
from agility.reach import tunnel
from agility.reach.ssh import ClusterShell

VISIBILITY_CHECK = "prod.visibility_check"  # a topic of another area, which the developer must not see
DEMO_ORDERS = 2000  # what a scenario run alone produces first, when no scenario before it did


def developer_tunnel(profile: Profile, area: Area, say: Say) -> dict:
    """The area developer's running Kafka tunnel (its published state), shown with the SSH
    connection its process holds and the sockets it listens on; AgilityError if it is not a live
    SSH connection to the bastion."""
    user = area.kafka_account
    state = tunnel.running(profile, user, ("kafka",))
    if state is None:
        raise AgilityError(f"no tunnel of {user} is running")
    bastion = f"{profile.bastion.host}:{profile.bastion.port}"
    peers = sockets.peers(state["pid"])
    say(f"{state['user']}@{bastion} with key {profile.ssh_user(user).key}, pid {state['pid']} "
        f"(connected to {', '.join(peers)}), listening on " + ", ".join(sockets.listening(state["pid"])))
    if bastion not in peers:
        raise AgilityError(f"the tunnel process has no SSH connection to {bastion}")
    return state


def forwards_problems(clients: Clients, area: Area, opened: dict, say: Say) -> list[str]:
    """The kernel's listening sockets of the tunnel process are exactly the addresses the brokers
    advertise to this host."""
    listening = sockets.listening(opened["pid"])
    advertised = advertised_brokers(clients, clients.kafka_account(area.name))
    say(f"brokers advertise {', '.join(advertised)}; the tunnel listens on {', '.join(listening)}")
    return [] if listening == advertised else [f"the tunnel listens on {listening}, the brokers advertise {advertised}"]


def visibility_problems(clients: Clients, area: Area, say: Say) -> list[str]:
    """Logged in by SCRAM, the area's account sees exactly the area's topics of all the admin sees,
    and not another area's topic made for the check."""
    create_topic(clients, VISIBILITY_CHECK)  # as admin
    account = clients.kafka_account(area.name)
    seen = topics_seen_by(clients, account)
    everything = topics_seen_by(clients, clients.kafka_account(None))
    say(f"SCRAM-SHA-512 as {account.user}: sees {len(seen)} of {len(everything)} topics")
    problems = []
    if seen != [topic for topic in everything if topic.startswith(area.kafka_prefix)]:
        problems.append(f"{account.user} sees {seen}, the area's topics are not exactly those")
    if VISIBILITY_CHECK not in everything or VISIBILITY_CHECK in seen:
        problems.append(f"{VISIBILITY_CHECK}: the admin must see it and {account.user} must not")
    return problems


def forward_refusal_problems(profile: Profile, shell: ClusterShell, area: Area, say: Say) -> list[str]:
    """The bastion refuses the developer a forward to the MySQL server by its policy."""
    refusal = shell.forward_refusal(profile.mysql["address"])
    say(f"forward to {profile.mysql['address']} as {area.kafka_account}: {refusal or 'GRANTED'}")
    # code 1 is sshd's "administratively prohibited": a policy refusal, not a target that did not answer
    return [] if refusal is not None and refusal.endswith("(code 1)") else [
        f"the bastion answered the forward to {profile.mysql['address']} with {refusal or 'GRANTED'}, "
        f"not a policy refusal (code 1)"]


def produce_orders(profile_name: str, clients: Clients, area: Area, dataset: str, count: int, seed: int,
                   runs: list[ProduceResult], say: Say) -> ProduceResult:
    """The producer job for `count` orders of the dataset, seeded after the `runs` before it (so
    each run makes new orders), added to them; its summary said."""
    result = producer.run(clients, area, dataset, count, seed=seed + len(runs), profile_name=profile_name,
                          progress=False)
    runs.append(result)
    say(result.summary())
    return result


def ensure_demo_orders(profile_name: str, clients: Clients, area: Area, dataset: str, seed: int,
                       runs: list[ProduceResult], say: Say) -> None:
    """The act's orders in the topic: produced now (DEMO_ORDERS of them) if no run before did;
    how many are there said."""
    if not runs:
        produce_orders(profile_name, clients, area, dataset, DEMO_ORDERS, seed, runs, lambda line: None)
    say(f"{area.topic(dataset)}: {sum(result.produced for result in runs)} orders")


def produced_problems(profile_name: str, clients: Clients, area: Area, dataset: str, runs: list[ProduceResult],
                      count: int, say: Say) -> list[str]:
    """The last run acknowledged `count` orders; the brokers hold every record the producer's runs
    had acknowledged (offsets read from the brokers), and the dataset's ledger names each good
    order once, each at an offset the brokers hold."""
    ledger = Ledger.for_dataset(profile_name, area, dataset)
    last = runs[-1]
    offsets = topic_offsets(clients, clients.kafka_account(area.name), last.topic)
    held = sum(end - earliest for earliest, end in offsets.values())
    say(f"{last.topic} on the brokers: " + ", ".join(f"p{p} [{first}, {end})" for p, (first, end) in
                                                     sorted(offsets.items())) + f", {held} records")
    problems = []
    if last.produced != count:
        problems.append(f"the producer acknowledged {last.produced} orders, not {count}")
    sent = sum(run.produced + run.bad for run in runs)
    if held != sent:
        problems.append(f"the brokers hold {held} records, the producer's runs had {sent} acknowledged")
    ids = ledger.ids()
    if not len(ids) == len(set(ids)) == sum(run.produced for run in runs):
        problems.append(f"the ledger names {len(ids)} orders ({len(set(ids))} distinct), the runs produced "
                        f"{sum(run.produced for run in runs)}")
    return problems + reconcile.ledger_against_topic(ledger.positions(), offsets)


def described_topic(tools: EdgeKafkaTools, area: Area, dataset: str, say: Say) -> list[PartitionInfo]:
    """`kafka-topics --describe` on the edge node: each partition's leader, replicas and in-sync
    replicas, said."""
    partitions = tools.describe_topic(area.topic(dataset))
    keep_text(say, *tools.last_output)
    for info in partitions:
        say(f"partition {info.partition}: leader {info.leader}, replicas {info.replicas}, in sync {info.isr}")
    return partitions


def partition_problems(partitions: list[PartitionInfo], runs: list[ProduceResult]) -> list[str]:
    """The topic has the partitions the producer made, each with a leader and all its replicas in sync."""
    problems = [] if len(partitions) == runs[0].partitions else [
        f"kafka-topics shows {len(partitions)} partitions, the producer made {runs[0].partitions}"]
    return problems + [f"partition {info.partition}: leader {info.leader}, replicas {info.replicas}, in sync {info.isr}"
                       for info in partitions if info.leader < 0 or sorted(info.isr) != sorted(info.replicas)]


def sample_problems(profile_name: str, tools: EdgeKafkaTools, area: Area, dataset: str, count: int,
                    say: Say) -> list[str]:
    """`kafka-console-consumer` on the edge node shows `count` events, each the dataset's ledger's
    order under its key, value for value."""
    lines = tools.sample(area.topic(dataset), count)
    for line in lines:
        say(line[:150])
    keep_json(say, f"a sample of {len(lines)} events of {area.topic(dataset)}", [event_of(line) for line in lines])
    sent = {order["order_id"]: order for order in Ledger.for_dataset(profile_name, area, dataset).orders()}
    problems = [] if len(lines) == count else [f"{len(lines)} events shown, not {count}"]
    for line in lines:
        key, value = line.split(" | ", 1)
        if json.loads(value) != sent.get(key):
            problems.append(f"{key}: the topic holds {value[:200]}, the ledger {sent.get(key)}")
    return problems


def lag_problems(tools: EdgeKafkaTools, area: Area, dataset: str, sink: str, say: Say) -> list[str]:
    """`kafka-consumer-groups` on the edge node shows the sink's group with nothing left to read."""
    lag = tools.group_lag(area.group(dataset, sink))
    keep_text(say, *tools.last_output)
    say(f"group {lag.group}: lag " + ", ".join(f"p{p}={n}" for p, n in sorted(lag.lag_by_partition.items())))
    return [] if lag.total == 0 else [f"group {lag.group} has {lag.total} records left to read"]


def event_of(line: str) -> dict:
    """A `key | value` line of kafka-console-consumer as the event it shows (the value as text
    when it is not JSON)."""
    key, _, value = line.partition(" | ")
    try:
        return {"key": key, "value": json.loads(value)}
    except ValueError:
        return {"key": key, "value": value}
