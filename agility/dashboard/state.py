"""What the dashboard shows of a cluster, refreshed in the background: its nodes and service
endpoints, each asked through the cluster's own bastion (reach.survey), its work areas, and the
data flowing in each area (dashboard.flow, through the tunnels this host shares into the cluster).

One watcher per cluster keeps one operator session to its bastion and refreshes every
`interval` seconds, so a page asking for the state never waits on a slow or dead cluster. The
flow is read by a second thread of the watcher's: a slow store never delays the nodes' health."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

from agility.config import cluster_registry, profiles
from agility.core.errors import AgilityError
from agility.dashboard.flow import Flow, FlowState
from agility.reach import survey
from agility.reach.tunnel import service_endpoints

REFRESH_S = 2.0
FLOW_REFRESH_S = 10.0  # counting rows reads every table: often enough to see data flow, rare enough not to load it


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
    state.areas = sorted(profile.work_areas())
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
    """One cluster's state, refreshed by a thread of its own until `stop()`; its data flow by another."""

    def __init__(self, name: str, profile_name: str, interval: float = REFRESH_S):
        self.name, self.profile_name, self.interval = name, profile_name, interval
        self.state = ClusterState(name, profile_name, "UNKNOWN", "not looked at yet")
        self.flow = FlowState()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"watch-{name}", daemon=True)
        self.flow_thread = threading.Thread(target=self.run_flow, name=f"flow-{name}", daemon=True)

    def as_json(self) -> dict:
        return {**self.state.as_json(), "flow": self.flow.as_json()}

    def run_flow(self) -> None:
        """Read the flow while the cluster is available; leave its tunnels while it is not, and on stop."""
        flow: Flow | None = None
        try:
            while not self.stopped.is_set():
                state = self.state
                try:
                    if state.status != survey.AVAILABLE:
                        flow = self.leave(flow)
                        self.flow = FlowState(f"not read: the cluster is {state.status.lower()} ({state.reason})",
                                              checked_at=time.time())
                    else:
                        flow = flow or Flow(profiles.load(self.profile_name))
                        self.flow = flow.look()
                except Exception as error:  # noqa: BLE001 - the page shows why, the watcher goes on
                    self.flow = FlowState(f"not read: {' '.join(str(error).split())}", checked_at=time.time())
                    flow = self.leave(flow)
                self.stopped.wait(max(self.interval, FLOW_REFRESH_S))
        finally:
            self.leave(flow)

    def leave(self, flow: Flow | None) -> None:
        """Close the flow's sessions and leave its tunnels; a failure to is shown, not raised."""
        if flow is None:
            return
        try:
            flow.close()
        except Exception as error:  # noqa: BLE001 - the page shows why, the watcher goes on
            self.flow = FlowState(f"closing its tunnels failed: {' '.join(str(error).split())}", checked_at=time.time())

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
        self.flow_thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def join(self, timeout: float) -> None:
        """Until both threads ended (their sessions and tunnels closed), at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for thread in (self.thread, self.flow_thread):
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))


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
        return None if watcher is None else watcher.as_json()

    def stop(self, timeout: float = 20) -> None:
        """Stop every watcher and wait for them to close their bastion sessions and leave their tunnels."""
        for watcher in self.watchers.values():
            watcher.stop()
        deadline = time.monotonic() + timeout
        for watcher in self.watchers.values():
            watcher.join(max(0.0, deadline - time.monotonic()))
