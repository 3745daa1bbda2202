"""Each fault of the failure act, under the Kafka act's load on the production cluster: the time
from the fault to the service's own word that it is whole again, and the producer's acknowledged
rate while the instance was down against its rate before the fault (the reference, same run).

    /opt/agility/venv/bin/python bench/recovery.py [--profile sandbox-production] [--count 12000] [--rate 200]
                                                   [--only TEXT]

Each fault is repaired by starting again what it killed; a whole node lost is measured once more,
repaired by a fresh node in its place (`replace`: empty disks, the same recipe).

The cluster must be up (`agility sandbox up --clusters production`); it is left whole.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.checks import faults  # noqa: E402
from agility.clients.services import area_clients  # noqa: E402
from agility.config import profiles  # noqa: E402
from agility.provisioning.area_accounts import provision_area_accounts, provision_linux_user  # noqa: E402
from bench.figures import Figure, at_least, table  # noqa: E402

WHOLE_NODE = "a whole agent node is lost, every process on it killed with SIGKILL"
SHORT = {  # the table's rows stay one short line each
    "the broker leading partition 0 of the topic is killed with SIGKILL": "leading broker killed",
    "a Cassandra node is killed with SIGKILL": "Cassandra node killed",
    "a DataNode is killed with SIGKILL": "DataNode killed",
    WHOLE_NODE: "whole agent node lost",
    "an agent node's network link is cut": "agent node's link cut",
}


def one_fault(profile, clients, area, name: str, count: int, rate: float, repair: str = "restart") -> list:
    """`repair`: restart (the same instances started again) or replace (a fresh node in the dead one's place)."""
    sandbox = faults.SandboxFaults(profile)
    dataset = f"orders_{uuid.uuid4().hex[:10]}"
    load = faults.start_load(profile, clients, area, dataset, count, rate)
    try:
        fault = faults.fault_under_load(sandbox, load, clients, area, dataset, name, print)
        faults.served_without(load, fault, clients, area, dataset, count // 10, print)
        print(sandbox.restart(fault, fresh=repair == "replace"))
        faults.recovered(sandbox, fault, clients, area, dataset, print)
        lost = faults.producer_problems(load, clients, area, dataset, print) + faults.sinks_problems(
            load, clients, area, dataset, lambda line: None)
        before, during = load.rates_around(fault)
        figure = at_least(f"producer while down: {SHORT.get(name, name)} ({repair})", during, "orders/s", "before",
                          before, 0.5)
        return figure, [f"{name} ({repair})", f"{fault.recovery_seconds:.1f}", f"{fault.healthy_at - fault.restarted_at:.1f}",
                f"{before:.0f}", f"{during:.0f}", f"{during / before:.2f}" if before else "-",
                "none" if not lost else f"{len(lost)} problems"]
    finally:
        sandbox.restore()
        faults.forget_load(load, clients, area)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="sandbox-production")
    parser.add_argument("--count", type=int, default=12000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--only", default="", help="only the cases whose name (fault and repair) holds this text")
    args = parser.parse_args(argv)
    print("\n" + table(measure(args)))
    return 0


def measure(args) -> list[Figure]:
    profile = profiles.load(args.profile)
    area = profile.area("prod")
    provision_linux_user(profile, area)
    rows, figures = [], []
    with area_clients(profile, area) as clients:
        provision_area_accounts(profile, clients, area)
        for name, repair in [*((name, "restart") for name in faults.FAULTS), (WHOLE_NODE, "replace")]:
            if args.only not in f"{name} ({repair})":
                continue
            started = time.monotonic()
            figure, row = one_fault(profile, clients, area, name, args.count, args.rate, repair)
            figures.append(figure)
            rows.append(row)
            print(f"  ({time.monotonic() - started:.0f} s)")
    header = ["fault (repair)", "fault→healthy s", "repair→healthy s", "producer/s before", "producer/s while down",
              "ratio (≥ 0.5 wanted)", "lost"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    return figures


if __name__ == "__main__":
    sys.exit(main())
