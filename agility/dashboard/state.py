"""What the dashboard shows of a cluster, refreshed in the background: its nodes and service
endpoints, each asked through the cluster's own bastion (reach.survey), and its work areas.

One watcher per cluster keeps one operator session to its bastion and refreshes every
`interval` seconds, so a page asking for the state never waits on a slow or dead cluster."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

from agility.config import areas, cluster_registry
from agility.core.errors import AgilityError
from agility.reach import survey
from agility.reach.tunnel import service_endpoints

REFRESH_S = 2.0


@dataclass
class Check:
    name: str
    address: str
    healthy: bool
    detail: str


@dataclass
class ClusterState:
    name: str
    profile: str
    status: str  # AVAILABLE, UNAVAILABLE or UNCONFIGURED, as `agility cluster list` says
    reason: str
    nodes: list[Check] = field(default_factory=list)
    services: list[Check] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    checked_at: float = 0.0  # time.time() of the last refresh

    def as_json(self) -> dict:
        return asdict(self)


def look(name: str, profile_name: str, probe: survey.Survey | None) -> tuple[ClusterState, survey.Survey | None]:
    """The cluster's state now; the survey (its bastion session) to use next time."""
    reach = survey.reachability(profile_name)
    state = ClusterState(name, profile_name, reach.status, reach.reason, checked_at=time.time())
    if reach.status != survey.AVAILABLE:
        if probe is not None:
            probe.close()
        return state, None
    profile = reach.profile
    state.areas = sorted(areas.load_all(profile.extra.get("areas")))
    try:
        probe = probe or survey.Survey(profile)
        probe.connect()
        state.nodes = [Check(node, address, *probe.node_state(address)) for node, address in profile.nodes.items()]
        state.services = [Check(service, endpoint, *probe.port_state(endpoint))
                          for service, endpoints in service_endpoints(profile).items() for endpoint in endpoints]
    except (AgilityError, OSError) as error:
        state.status, state.reason = survey.UNAVAILABLE, f"its bastion session failed: {error}"
        if probe is not None:
            probe.close()
        return state, None
    return state, probe


class Watcher:
    """One cluster's state, refreshed by a thread of its own until `stop()`."""

    def __init__(self, name: str, profile_name: str, interval: float = REFRESH_S):
        self.name, self.profile_name, self.interval = name, profile_name, interval
        self.state = ClusterState(name, profile_name, "UNKNOWN", "not looked at yet")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"watch-{name}", daemon=True)

    def run(self) -> None:
        probe = None
        while not self.stopped.is_set():
            try:
                self.state, probe = look(self.name, self.profile_name, probe)
            except Exception as error:  # noqa: BLE001 - the page shows why, the watcher goes on
                self.state = ClusterState(self.name, self.profile_name, survey.UNCONFIGURED, str(error),
                                          checked_at=time.time())
            self.stopped.wait(self.interval)
        if probe is not None:
            probe.close()

    def start(self) -> Watcher:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()


class Board:
    """The home cluster (the attached one, or the one named) and the clusters it links to: the
    only ones its switch control lists."""

    def __init__(self, home: str | None = None):
        registry = cluster_registry.load()
        self.home = home or registry.attached
        if self.home is None:
            raise AgilityError("no cluster attached: `agility cluster attach NAME`, or `agility dashboard --cluster NAME`")
        self.switchable = [self.home, *registry.links_of(self.home)]
        self.watchers = {name: Watcher(name, registry.profile_of(name)).start() for name in self.switchable}

    def overview(self) -> dict:
        return {"home": self.home, "clusters": [{"name": name, "status": self.watchers[name].state.status}
                                                for name in self.switchable]}

    def cluster(self, name: str) -> dict | None:
        watcher = self.watchers.get(name)
        return None if watcher is None else watcher.state.as_json()

    def stop(self) -> None:
        for watcher in self.watchers.values():
            watcher.stop()
