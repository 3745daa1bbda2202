"""The sandbox cluster: a topology's nodes and services brought up, reported on and torn down."""

from __future__ import annotations

import importlib
import os
import platform
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import yaml

from agility.config import areas, declaration
from agility.config.profiles import sandbox_profile_name
from agility.core.errors import AgilityError, SandboxUnavailable
from agility.core.lease import SharedResource
from agility.core.paths import ARTIFACTS_DIR, STATE_DIR
from agility.core.processes import terminate
from agility.core.published_tunnels import close_tunnels_into
from agility.sandbox import clusters, operator, secrets_store, topology
from agility.sandbox import kerberos as kerberos_realm
from agility.sandbox.clusters import DEFAULT_CLUSTER
from agility.sandbox.network import SandboxNetwork
from agility.sandbox.service import SandboxContext, Service
from agility.sandbox.services import hdfs

SERVICE_CLASSES = {
    "sshd": "agility.sandbox.services.sshd:Sshd",
    "kdc": "agility.sandbox.services.kdc:Kdc",
    "mariadb": "agility.sandbox.services.mariadb:MariaDB",
    "namenode": "agility.sandbox.services.hdfs:NameNode",
    "datanode": "agility.sandbox.services.hdfs:DataNode",
    "httpfs": "agility.sandbox.services.hdfs:HttpFS",
    "kafka": "agility.sandbox.services.kafka:Kafka",
    "cassandra": "agility.sandbox.services.cassandra:Cassandra",
    "spark-master": "agility.sandbox.services.spark:SparkMaster",
    "spark-worker": "agility.sandbox.services.spark:SparkWorker",
    "resourcemanager": "agility.sandbox.services.yarn:ResourceManager",
    "nodemanager": "agility.sandbox.services.yarn:NodeManager",
    "jupyterhub": "agility.sandbox.services.jupyterhub:JupyterHub",
}
# What must be ready before a service starts. Cassandra comes first in the list: it is the
# slowest to start, so it gets the CPU while the others come up around it.
START_ORDER = ["sshd", "kdc", "cassandra", "kafka", "namenode", "mariadb", "spark-master", "datanode", "httpfs", "spark-worker",
               "resourcemanager", "nodemanager", "jupyterhub"]
DEPENDS_ON = {"datanode": ["namenode"], "httpfs": ["namenode"], "spark-worker": ["spark-master"],
              "nodemanager": ["resourcemanager"]}  # the ResourceManager needs no HDFS to start
KERBERIZED = tuple(kerberos_realm.DAEMON_PRINCIPALS)  # with Kerberos: they need the KDC and their keytabs first
ARTIFACT_OF = {"kafka": "kafka", "cassandra": "cassandra", "namenode": "hadoop", "datanode": "hadoop", "httpfs": "hadoop",
               "resourcemanager": "yarn", "nodemanager": "yarn"}
# The cluster endpoints the bastion forwards to, per service port name; nothing else is permitted.
PUBLIC_PORTS = {"kdc": ("kdc",), "kafka": ("external",), "cassandra": ("cql",), "mariadb": ("mysql",), "httpfs": ("http",), "namenode": ("http",),
                "spark-master": ("ui",), "resourcemanager": ("http",),
                "jupyterhub": ("http",)}
PROFILE_SERVICES = ("kafka", "cassandra", "mariadb", "namenode", "httpfs")
SPARK_SERVICES = ("resourcemanager", "spark-master")  # a platform runs Spark on one of them (or both)

Progress = Callable[[str], None]


def service_class(name: str) -> type[Service]:
    module, _, cls = SERVICE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def check_supported() -> None:
    problems = []
    if platform.system() != "Linux":
        problems.append(f"it needs Linux (this is {platform.system()})")
    elif os.geteuid() != 0:
        problems.append("it needs root (network namespaces, veth links and bind mounts)")
    for tool in ("ip", "nsenter", "unshare", "runuser", "ss"):
        if platform.system() == "Linux" and shutil.which(tool) is None:
            problems.append(f"the command `{tool}` is missing")
    if problems:
        raise SandboxUnavailable(
            "the embedded sandbox cannot run here: " + "; ".join(problems)
            + ". Point agility at a remote cluster instead: `--profile NAME` (see profiles/example-remote.yaml)."
        )


@contextmanager
def shared_sandbox(topology_name: str | None, progress: Progress, keep: bool = False, cluster: str = DEFAULT_CLUSTER):
    """A sandbox several processes use at once (pytest-xdist workers): the first brings it up, the
    last one leaving takes it down if one of them brought it up (unless `keep`) — also when
    bringing it up failed half-way."""
    resource = SharedResource(f"sandbox-{cluster}")
    try:
        resource.acquire(lambda: Sandbox(topology_name, cluster).is_up(),
                         lambda: Sandbox(topology_name, cluster).up(progress))
        yield
    finally:
        resource.release(lambda: Sandbox(topology_name, cluster).down(progress), keep=keep)


class Sandbox:
    def __init__(self, topology_name: str | None = None, cluster: str = DEFAULT_CLUSTER, kerberos: bool | None = None):
        """`kerberos`: whether HDFS uses Kerberos; None: as the running cluster does, else as
        clusters.yaml says."""
        self.cluster = cluster
        self.state_dir = STATE_DIR / "sandbox" / cluster
        self.marker = self.state_dir / "up.yaml"
        recorded = self.recorded_topology()
        defined = clusters.get(cluster)
        self.topology = topology.load(topology_name or recorded or (defined.topology if defined else "small"))
        if defined and defined.network != self.topology.network:
            self.topology = self.topology.moved_to(defined.network)  # the cluster's own range
        self.network = SandboxNetwork(cluster, self.topology, self.state_dir)
        self.nodes = self.network.nodes()
        self.context = SandboxContext(
            cluster=cluster, state_dir=self.state_dir, artifacts=ARTIFACTS_DIR, nodes=self.nodes,
            settings=self._settings(), work_areas=defined.hosted_areas() if defined else areas.load_all(),
        )
        self.defined = defined
        recorded = self.recorded("kerberos")
        self.kerberos = bool(kerberos if kerberos is not None else recorded if recorded is not None
                             else defined.kerberos if defined else False)
        if self.kerberos:
            self.context.settings["kerberos"] = kerberos_realm.Realm(
                kerberos_realm.realm_name(cluster), f"{self.kdc_node().address}:{kerberos_realm.KDC_PORT}",
                tuple(self.nodes))
        if self.marker.exists():  # a running cluster's instances restart with the passwords they were made with
            self.context.secrets.update(secrets_store.load_or_create(self.state_dir / "secrets.yaml"))
        self.services: dict[str, Service] = {}
        for name in START_ORDER:
            placed = [self.nodes[spec.name] for spec in self.topology.nodes_with(name)]
            if name == "kdc" and self.kerberos:
                placed = [self.kdc_node()]
            if placed:
                self.services[name] = service_class(name)(self.context, placed)
        self.context.settings["permit_open"] = self.permitted_forwards()

    # --- state ------------------------------------------------------------------------------
    def kdc_node(self):
        """The KDC's node: the NameNode's."""
        return self.nodes[self.topology.nodes_with("namenode")[0].name]

    def recorded(self, key: str):
        """What the running cluster's marker says of `key`; None when it is not up."""
        try:
            return (yaml.safe_load(self.marker.read_text()) or {}).get(key)
        except FileNotFoundError:
            return None

    def recorded_topology(self) -> str | None:
        try:
            return (yaml.safe_load(self.marker.read_text()) or {}).get("topology")
        except FileNotFoundError:
            layout = self.state_dir / "topology.txt"
            return layout.read_text().strip() if layout.exists() else None

    def is_up(self) -> bool:
        if not self.marker.exists():
            return False
        return all(node.holder_alive() for node in self.nodes.values())

    @property
    def profile_path(self) -> Path:
        return self.state_dir / "profile.yaml"

    def _settings(self) -> dict:
        settings = dict(self.topology.settings)
        settings["bastion"] = self.topology.bastion
        settings["bastion_uplink_address"] = self.topology.bastion_uplink_address
        settings["edge"] = self.topology.edge
        return settings

    # --- up ---------------------------------------------------------------------------------
    def up(self, progress: Progress = print) -> dict[str, float]:
        """Bring every node and service up (reusing what already runs); return seconds per service."""
        check_supported()
        self.check_artifacts()
        started = time.monotonic()
        running = self.recorded("kerberos")
        if running is not None and bool(running) != self.kerberos and self.is_up():
            raise AgilityError(f"sandbox '{self.cluster}' runs {'with' if running else 'without'} Kerberos; "
                               f"run `agility sandbox down --clusters {self.cluster}` first")
        self._reset_if_topology_changed(progress)
        network_was_there = any(self.network.leftovers().values())
        running_before = set(self._service_pids())
        try:
            progress(f"sandbox '{self.cluster}' ({self.topology.name}): creating {len(self.nodes)} nodes on {self.topology.network}"
                     + (f", HDFS with Kerberos (realm {self.context.settings['kerberos'].name})" if self.kerberos else ""))
            self.network.create()
            self.network.start_holders()
            self._add_operator()
            self.context.secrets.update(secrets_store.load_or_create(self.state_dir / "secrets.yaml"))
            timings = self._start_services(progress)
            self.write_profile()
            self.marker.write_text(yaml.safe_dump({"topology": self.topology.reference, "kerberos": self.kerberos,
                                                   "started": time.time()}))
        except BaseException:  # also ^C: what this call started must not outlive it
            try:
                self._undo_up(progress, network_was_there, running_before)
            except Exception as error:  # noqa: BLE001 - the failure of `up` is the error to report
                progress(f"cleaning up after the failed start failed too: {error} (run `agility sandbox down`)")
            raise
        timings["total"] = time.monotonic() - started
        progress(f"sandbox up in {timings['total']:.1f} s; profile: {self.profile_path}")
        return timings

    def _service_pids(self) -> list[int]:
        return [pid for service in self.services.values() for node in service.nodes if (pid := service.pid(node))]

    def _undo_up(self, progress: Progress, network_was_there: bool, running_before: set[int]) -> None:
        """After a failed `up`: stop the service processes it started and, if it made the network,
        the network (holders, namespaces, link, route); what ran before it is left running."""
        started = {service.pid_path(node): pid for service in self.services.values() for node in service.nodes
                   if (pid := service.pid(node)) and pid not in running_before}
        terminate(list(started.values()), grace=20)
        for pid_file in started:
            pid_file.unlink(missing_ok=True)
        if not network_was_there:
            self.network.destroy()
        left = {kind: found for kind, found in self.network.leftovers().items() if found}
        progress(f"sandbox '{self.cluster}' did not come up: stopped the {len(started)} service processes it started"
                 + ("" if network_was_there else " and removed its namespaces, link and route")
                 + (f"; still there from before: {left}" if left else ""))

    def check_artifacts(self) -> None:
        for service in self.services:
            artifact = ARTIFACT_OF.get(service)
            if artifact and not any((ARTIFACTS_DIR / artifact / "lib").glob("*.jar")):
                raise AgilityError(
                    f"{service}: its jars are missing (expected {ARTIFACTS_DIR / artifact / 'lib'}/*.jar); "
                    "run `agility sandbox fetch`"
                )

    def _reset_if_topology_changed(self, progress: Progress) -> None:
        layout = self.state_dir / "topology.txt"
        if layout.exists() and layout.read_text().strip() != self.topology.reference:
            if self.network.existing_namespaces():
                raise AgilityError(
                    f"the sandbox runs topology '{layout.read_text().strip()}'; run `agility sandbox down` first"
                )
            progress(f"topology changed to {self.topology.name}: clearing the old nodes' data")
            shutil.rmtree(self.state_dir / "nodes", ignore_errors=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        layout.write_text(self.topology.reference)

    def _add_operator(self) -> None:
        key = operator.ensure_key(self.state_dir)
        public = key.with_suffix(".pub").read_text()
        for node in self.nodes.values():
            operator.add_groups_and_sudo(node)
            operator.add_local_user(node, operator.OPERATOR, operator.OPERATOR_UID, public)

    def public_endpoints(self, service_names) -> list[str]:
        found = []
        for name in service_names:
            service = self.services.get(name)
            for node in service.nodes if service else []:
                found += [f"{node.address}:{port}" for port_name, port in service.ports(node).items()
                          if port_name in PUBLIC_PORTS.get(name, ())]
        return found

    def permitted_forwards(self) -> dict[str, list[str]]:
        """Per group, the endpoints the bastion forwards to: operators reach every node's sshd
        and every public service port; a developer group reaches its services and the edge."""
        edge = f"{self.nodes[self.topology.edge].address}:22"
        permitted = {operator.OPERATORS_GROUP: [f"{node.address}:22" for node in self.nodes.values()]
                     + self.public_endpoints(self.services)}
        for group, services in operator.DEVELOPER_GROUPS.items():
            permitted[group] = [edge, *self.public_endpoints(services)]
        return permitted

    def _start_services(self, progress: Progress) -> dict[str, float]:
        lock = threading.Lock()
        unsafe_progress = progress

        def progress(line: str) -> None:  # noqa: F811 - the same callback, one thread at a time
            with lock:
                unsafe_progress(line)

        ready = {name: threading.Event() for name in self.services}
        failures: dict[str, Exception] = {}
        timings: dict[str, float] = {}

        def bring_up(name: str) -> None:
            service = self.services[name]
            try:
                for dependency in [*DEPENDS_ON.get(name, []), *(["kdc"] if name in KERBERIZED else [])]:
                    if dependency in ready:
                        ready[dependency].wait()
                        if dependency in failures:
                            raise AgilityError(f"not started because {dependency} failed")
                where = ", ".join(node.name for node in service.nodes)
                begun = time.monotonic()
                progress(f"  … {name:<13} starting on {where}")
                service.start()
                service.wait_ready()
                service.after_ready()
                timings[name] = time.monotonic() - begun
                progress(f"  ✓ {name:<13} ready on {where} in {timings[name]:.1f} s")
            except Exception as error:  # noqa: BLE001 - reported below, with every other failure
                failures[name] = error
                progress(f"  ✗ {name:<13} failed on {', '.join(node.name for node in service.nodes)}")
            finally:
                ready[name].set()

        with ThreadPoolExecutor(max_workers=len(self.services)) as pool:
            list(pool.map(bring_up, self.services))
        if failures:
            details = "\n\n".join(
                f"{name} on {', '.join(node.name for node in self.services[name].nodes)} "
                f"(log: {', '.join(str(self.services[name].log_path(node)) for node in self.services[name].nodes)}):\n"
                f"{error}" for name, error in failures.items())
            raise AgilityError(f"the sandbox did not come up: {', '.join(failures)} failed\n\n{details}")
        return timings

    def write_profile(self) -> None:
        """The `sandbox` profile: how code above the sandbox finds this cluster."""
        svc = self.services
        if not set(PROFILE_SERVICES) <= set(svc) or not set(SPARK_SERVICES) & set(svc):
            return  # a partial topology (lifecycle tests) is not a platform to run the suite on
        secrets_file = str(self.state_dir / "secrets.yaml")

        def account(user: str, key: str) -> dict:
            return {"admin": {"user": user, "password": {"file": secrets_file, "key": key}}}

        def area_accounts(service: str, secret: str) -> dict:
            """Each area's own account of a service: `<area>-<service>` (Kafka's name comes from the area)."""
            return {name: {"user": area.kafka_account if service == "kafka" else f"{name}_{service}",
                           "password": {"file": secrets_file, "key": f"{secret}-{name}"}}
                    for name, area in self.context.work_areas.items()}

        master = svc["namenode"].nodes[0]
        profile = {
            "name": sandbox_profile_name(self.cluster),
            "description": f"the embedded sandbox, topology {self.topology.name}, written by `agility sandbox up`",
            "bastion": {"host": self.topology.bastion_uplink_address, "port": 22, "user": operator.OPERATOR,
                        "key": str(self.state_dir / "keys" / "operator"), "known_hosts": str(self.write_known_hosts())},
            "edge": self.topology.edge,
            "nodes": {name: node.address for name, node in self.nodes.items()},
            "kafka": {"bootstrap": svc["kafka"].endpoints()["external"],
                      "cli": svc["kafka"].edge_cli(),
                      "internal_bootstrap": svc["kafka"].endpoints()["internal"],
                      "controllers": svc["kafka"].endpoints()["controller"],
                      "accounts": {**account("admin", "kafka-admin"), **area_accounts("kafka", "kafka")}},
            "cassandra": {"contact_points": svc["cassandra"].endpoints()["cql"],
                          "accounts": {**account("admin", "cassandra-admin"), **area_accounts("cassandra", "cassandra")}},
            "mysql": {"address": svc["mariadb"].endpoints()["mysql"][0],
                      "accounts": {**account("admin", "mariadb-admin"), **area_accounts("mysql", "mariadb")}},
            "hdfs": {"webhdfs": svc["httpfs"].endpoints()["http"][0], "namenode": f"hdfs://{master.address}:8020",
                     "namenode_web": svc["namenode"].endpoints()["http"][0],
                     "cli": svc["namenode"].edge_cli(),
                     "conf_dir": str(svc["namenode"].client_conf_dir()),  # the edge's Hadoop client settings
                     "user": hdfs.SUPERUSER, **self.kerberos_section()},
            "spark": self.spark_section(),
            **({"jupyterhub": {"url": svc["jupyterhub"].endpoints()["http"][0],
                               "accounts": {"api": {"user": "agility", "password": {"file": secrets_file, "key": "jupyterhub-api"}}}}} if "jupyterhub" in svc else {}),
            "ssh_users": self.ssh_users(),
            "data_folders": self.data_folders(),
            "sandbox": {"cluster": self.cluster, "topology": self.topology.name, "state_dir": str(self.state_dir)},
            **self.areas_section(),
        }
        self.profile_path.write_text(yaml.safe_dump(profile, sort_keys=False))

    def kerberos_section(self) -> dict:
        """With Kerberos: the realm, its KDC, the web services' host and the accounts' keytabs."""
        if not self.kerberos:
            return {}
        realm, kdc = self.context.settings["kerberos"], self.services["kdc"]
        keytabs = {user: str(kerberos_realm.user_keytab(self.state_dir, user)) for user in kdc.accounts()}
        return {"kerberos": {"realm": realm.name, "kdc": realm.kdc, "krb5_conf": str(kerberos_realm.krb5_conf_path(self.state_dir)),
                             "http_host": self.services["httpfs"].nodes[0].hostname, "keytabs": keytabs,
                             "clockskew": kerberos_realm.CLOCK_SKEW_S,
                             # where and as whom `kadmin.local` makes the people's principals
                             "admin": {"node": kdc.nodes[0].name, "user": kdc.user}}}

    def spark_section(self) -> dict:
        """Where jobs submit: YARN (the sandbox's topologies), or a standalone master when a topology
        runs one; with YARN beside a standalone master, its ResourceManager (`yarn_ui`) and client
        folders as well."""
        svc = self.services
        yarn = svc["resourcemanager"].profile_section() if "resourcemanager" in svc else {}
        if "spark-master" not in svc:
            return {"master": "yarn", **yarn}
        standalone = {"master": svc["spark-master"].master_url(), "ui": svc["spark-master"].endpoints()["ui"][0]}
        return {**standalone, **({"yarn_ui": yarn.pop("ui"), **yarn} if yarn else {})}

    def data_folders(self) -> dict[str, str]:
        """The services' data on disk, as the edge node sees them (a node's folder is visible from
        the others here, as a shared disk would be): only each service's own account may enter."""
        svc = self.services
        return {"kafka data": str(svc["kafka"].data(svc["kafka"].nodes[0])),
                "namenode metadata": str(svc["namenode"].home(svc["namenode"].nodes[0]) / "data"),
                "mariadb data": str(svc["mariadb"].home(svc["mariadb"].nodes[0]) / "data")}

    def write_known_hosts(self) -> Path:
        """Each node's sshd host key under every address clients reach it by (the bastion's also
        under its uplink address; the others through the bastion by their own), so that no client
        of the sandbox accepts a host key unchecked."""
        sshd = self.services["sshd"]
        lines = []
        for node in sshd.nodes:
            key = " ".join((sshd.home(node) / "ssh_host_ed25519_key.pub").read_text().split()[:2])  # no comment
            addresses = [node.address, *([self.topology.bastion_uplink_address] if sshd.is_bastion(node) else [])]
            lines += [f"{address} {key}\n" for address in addresses]
        path = self.state_dir / "known_hosts"
        path.write_text("".join(lines))
        return path

    def ssh_users(self) -> dict:
        """A generated key for each Linux user of the provisioning declaration that brings none
        (of the areas this cluster hosts)."""

        spec = declaration.load_file(declaration.DEFAULT_FILE).hosted_in(self.context.work_areas)
        return {user.name: {"key": str(operator.ensure_key(self.state_dir, user.name)),
                            "services": sorted({declaration.DEVELOPER_GROUPS[group] for group in user.groups})}
                for user in spec.linux_users if not user.public_key}

    def areas_section(self) -> dict:
        """What the profile says of the work areas: only for a cluster that hosts some of them, or
        names them its own way (clusters.yaml)."""
        if self.defined is None:
            return {}
        return {**({"work_areas": self.defined.work_areas} if self.defined.work_areas else {}),
                **({"areas": self.defined.areas} if self.defined.areas else {})}

    # --- down -------------------------------------------------------------------------------
    def down(self, progress: Progress = print) -> None:
        """Close the tunnels into it, stop every service, then remove every namespace, link and
        mount of this cluster."""
        check_supported()
        # tunnels first: one whose bastion went away would redial it, out of the default route
        # once the range's route is removed below
        closed = close_tunnels_into(self.topology.network)
        if closed:
            progress(f"closed {len(closed)} tunnel(s) into it: {', '.join(closed)}")
        pids = self._service_pids()
        if pids:
            progress(f"stopping {len(pids)} service processes")
        terminate(pids, grace=20)
        for service in self.services.values():
            for node in service.nodes:
                service.pid_path(node).unlink(missing_ok=True)
        self.network.destroy()
        self.marker.unlink(missing_ok=True)
        self.profile_path.unlink(missing_ok=True)
        left = {kind: found for kind, found in self.network.leftovers().items() if found}
        if left:
            raise AgilityError(f"sandbox down left things behind: {left}")
        progress(f"sandbox '{self.cluster}' is down")

    def purge(self) -> None:
        shutil.rmtree(self.state_dir / "nodes", ignore_errors=True)  # the KDC's database with them
        shutil.rmtree(kerberos_realm.folder(self.state_dir), ignore_errors=True)
        (self.state_dir / "topology.txt").unlink(missing_ok=True)

    # --- status -----------------------------------------------------------------------------
    def processes(self) -> list:
        return [row for service in self.services.values() for row in service.status()]
