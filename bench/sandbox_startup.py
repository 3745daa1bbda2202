"""Cold start of the sandbox (artifacts cached, data wiped) for each topology: seconds per service
and in total, and peak resident memory per service and in total, each against its target.

    /opt/agility/venv/bin/python bench/sandbox_startup.py [small] [ha]

It stops any running sandbox first and leaves none running.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.sandbox.cluster import Sandbox  # noqa: E402
from bench.figures import Figure, table, within  # noqa: E402

TARGET_SECONDS = {"small": 25, "ha": 60}  # issue #15's targets
TARGET_RSS_GIB = {"small": 4.0}


class PeakMemory:
    """Samples every service's resident memory twice a second; keeps the peak of each and of the sum."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.peaks: dict[str, int] = {}
        self.total = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            current: dict[str, int] = {}
            for row in self.sandbox.processes():
                current[row.service] = current.get(row.service, 0) + row.rss_bytes
            for service, rss in current.items():
                self.peaks[service] = max(self.peaks.get(service, 0), rss)
            self.total = max(self.total, sum(current.values()))


def measure(topology: str, settle_seconds: float = 20) -> list[Figure]:
    Sandbox().down(lambda _: None)
    sandbox = Sandbox(topology)
    sandbox.purge()
    sandbox = Sandbox(topology)
    memory = PeakMemory(sandbox)
    memory.thread.start()
    try:
        timings = sandbox.up(lambda _: None)
        time.sleep(settle_seconds)  # resident memory keeps growing for a while after readiness
    finally:
        memory.stopped.set()
        memory.thread.join()
        sandbox.down(lambda _: None)
    total = timings.pop("total")
    print(f"\n== topology {topology}: cold start {total:.1f} s "
          f"(target {TARGET_SECONDS[topology]} s, ratio {total / TARGET_SECONDS[topology]:.2f})")
    print(f"{'service':<14}{'ready after':>12}{'peak RSS':>12}")
    for service, seconds in sorted(timings.items(), key=lambda item: item[1]):
        print(f"{service:<14}{seconds:>10.1f} s{memory.peaks.get(service, 0) / 2**20:>10.0f} MiB")
    gib = memory.total / 2**30
    target = TARGET_RSS_GIB.get(topology)
    versus = f" (target {target} GiB, ratio {gib / target:.2f})" if target else ""
    print(f"{'total':<14}{total:>10.1f} s{memory.total / 2**20:>10.0f} MiB{versus}")
    return [within(f"`{topology}` cold start (artifacts cached)", total, TARGET_SECONDS[topology])]


def main(argv: list[str] | None = None) -> int:
    figures = [figure for name in (argv if argv is not None else sys.argv[1:]) or ["small", "ha"]
               for figure in measure(name)]
    print("\n" + table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
