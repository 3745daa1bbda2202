"""Clients of every platform service, built from a profile and the tunnel's forwards.

`forwards` maps each endpoint inside the cluster ("198.51.100.21:9093") to the local endpoint its
tunnel forward listens on; the same code therefore works against the sandbox and a remote cluster.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from agility.clients import kerberos_login
from agility.config.areas import Area
from agility.config.profiles import Account, Profile
from agility.core.endpoints import local_address, split
from agility.core.errors import AgilityError
from agility.core.retry import retrying
from agility.reach import connect

CONNECT_RETRY_S = 20  # how long a store that does not answer a new connection is tried again
# a session waits for a connection to every node: one node cut off cost each new session this long
# (15 s before; a sink reconnecting after a timeout paid it while a link was cut), and a timeout is tried again
CASSANDRA_CONNECT_S = 5
# the jobs' Kafka requests to a broker that stopped answering (its link cut) are given up after 10 s
# (Kafka's 30 s default), then sent to the partition's new leader or the group's new coordinator; the
# producer is idempotent, so a resent batch is stored once
KAFKA_REQUEST_TIMEOUT_MS = 10_000


class Direct(dict):
    """The forwards of a client inside the cluster (a job or a notebook on a node): none, every
    endpoint is reached as it is."""

    def __contains__(self, endpoint) -> bool:
        return True

    def __getitem__(self, endpoint: str) -> str:
        return endpoint


@dataclass
class Clients:
    profile: Profile
    forwards: dict[str, str]

    @classmethod
    def inside(cls, profile: Profile) -> Clients:
        """Clients on a node of the cluster, without a tunnel."""
        return cls(profile, Direct())

    @property
    def through_tunnel(self) -> bool:
        return not isinstance(self.forwards, Direct)

    def local(self, endpoint: str) -> str:
        if endpoint not in self.forwards:
            raise AgilityError(f"no tunnel forward for {endpoint}; forwards: {', '.join(self.forwards)}")
        return self.forwards[endpoint]

    # --- Kafka ------------------------------------------------------------------------------
    def kafka_account(self, area: str | None = None) -> Account:
        """The area's own Kafka account (e.g. dev-kafka for dev) if the profile has one, else admin."""
        accounts = self.profile.kafka.get("accounts", {})
        if area and area in accounts:
            return accounts[area]
        return self.profile.account("kafka")

    def kafka_settings(self, account: Account | None = None) -> dict:
        account = account or self.profile.account("kafka")
        return {
            "bootstrap_servers": [self.local(endpoint) for endpoint in self.profile.kafka["bootstrap"]],
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": account.user,
            "sasl_plain_password": account.password.reveal(),
        }

    def kafka_admin(self, account: Account | None = None, **options):
        from kafka import KafkaAdminClient

        return KafkaAdminClient(**self.kafka_settings(account), **{"request_timeout_ms": 15000, **options})

    def kafka_producer(self, account: Account | None = None, **options):
        from kafka import KafkaProducer

        return KafkaProducer(**self.kafka_settings(account), **options)

    @staticmethod
    def kafka_throttle(client) -> tuple[float, float]:
        """A kafka-python producer's or consumer's throttle times (ms, average and most): the
        throttle_time_ms the brokers put in their answers when an account went past its byte rate."""
        for group, values in client.metrics().items():
            if group in ("producer-metrics", "consumer-metrics"):
                return float(values.get("throttle-time-avg") or 0.0), float(values.get("throttle-time-max") or 0.0)
        return 0.0, 0.0

    def kafka_consumer(self, *topics: str, account: Account | None = None, **options):
        from kafka import KafkaConsumer

        return KafkaConsumer(*topics, **self.kafka_settings(account), **options)

    # --- Cassandra --------------------------------------------------------------------------
    def cassandra_session(self, account: Account | None = None, keyspace: str | None = None,
                          patience: float = CONNECT_RETRY_S):
        """A session as `account` (the admin by default). A connection that times out is tried again
        for `patience` seconds; 0 leaves the retrying to the caller (a sink has its own)."""
        from cassandra.auth import PlainTextAuthProvider
        from cassandra.cluster import Cluster
        from cassandra.policies import AddressTranslator, RoundRobinPolicy

        class ThroughTunnel(AddressTranslator):
            def translate(self, addr):
                return local_address(addr)

        logging.getLogger("cassandra").setLevel(logging.ERROR)
        account = account or self.profile.account("cassandra")
        hosts = [split(self.local(endpoint)) for endpoint in self.profile.cassandra["contact_points"]]

        translation = {"address_translator": ThroughTunnel()} if self.through_tunnel else {}

        def connect():
            # a new Cluster each attempt: the driver shuts down one whose connect failed
            cluster = Cluster(
                contact_points=[host for host, _ in hosts], port=hosts[0][1],
                auth_provider=PlainTextAuthProvider(account.user, account.password.reveal()),
                **translation, load_balancing_policy=RoundRobinPolicy(),
                protocol_version=5, connect_timeout=CASSANDRA_CONNECT_S, control_connection_timeout=15,
            )
            try:
                return cluster.connect(keyspace)
            except Exception:
                cluster.shutdown()
                raise

        if not patience:
            return connect()
        # a connection that times out through a busy tunnel is tried again; a refusal is not
        return retrying(connect, store=f"Cassandra at {self.profile.cassandra['contact_points'][0]}",
                        transient=cassandra_unreachable, seconds=patience)

    # --- MySQL ------------------------------------------------------------------------------
    def mysql_connection(self, account: Account | None = None, database: str | None = None,
                         patience: float = CONNECT_RETRY_S):
        """A connection as `account` (the admin by default). One lost before MariaDB's greeting (a
        tunnel's channel that did not open in time on a busy host) is tried again for `patience`
        seconds; 0 leaves the retrying to the caller (a sink has its own). A refusal is not retried."""
        import pymysql

        account = account or self.profile.account("mysql")
        host, port = split(self.local(self.profile.mysql["address"]))

        def connect():
            return pymysql.connect(host=host, port=port, user=account.user, password=account.password.reveal(),
                                   database=database, connect_timeout=15, autocommit=True)

        if not patience:
            return connect()
        return retrying(connect, store=f"MySQL at {self.profile.mysql['address']}", transient=mysql_connection_lost,
                        seconds=patience)

    # --- HDFS -------------------------------------------------------------------------------
    def webhdfs_url(self) -> str:
        return f"http://{self.local(self.profile.hdfs['webhdfs'])}"

    def webhdfs_session(self, user: str | None = None):
        """A requests session that HttpFS and the NameNode's WebHDFS take for `user` (the HDFS
        superuser by default): with Kerberos by the user's ticket, else by `?user.name=`."""
        import requests

        user = user or self.profile.hdfs.get("user", "root")
        session = requests.Session()
        if (kerberos := self.kerberos()) is not None:
            session.auth = kerberos_login.spnego(kerberos, kerberos_login.credentials(kerberos, user))
        else:
            session.params = {"user.name": user}
        return session

    def hdfs_client(self, user: str | None = None):
        """WebHDFS through the tunnel, as `user` (webhdfs_session). A connection HttpFS drops before
        it answers is tried again, at most 3 times within about 3 s, for reads only: a write sent
        again could leave a file half written (its body already spent), and the sinks retry their
        writes themselves."""
        import requests
        from urllib3.util.retry import Retry

        from agility.clients.webhdfs import WebHdfsClient

        session = self.webhdfs_session(user)
        retry = Retry(total=3, connect=3, read=3, status=0, backoff_factor=0.5,
                      allowed_methods=frozenset({"GET", "HEAD"}))
        session.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))
        return WebHdfsClient(self.webhdfs_url(), session=session)

    def kerberos(self) -> kerberos_login.KerberosSettings | None:
        """The cluster's Kerberos settings, its KDC made known to this process; None without Kerberos."""
        settings = kerberos_login.KerberosSettings.of(self.profile.hdfs)
        if settings is not None:
            kerberos_login.use_realm(settings, self.local(settings.kdc))
        return settings

    # --- Spark ------------------------------------------------------------------------------
    def spark_master_state(self) -> dict:
        with urllib.request.urlopen(f"http://{self.local(self.profile.spark['ui'])}/json/", timeout=10) as answer:
            return json.load(answer)


# gone away, lost (during the handshake too), lost at a read; and can't connect: the tunnel's local
# forward while its SSH session is being opened again (seen: refused for a second after the
# bastion's session ended), which MariaDB never answers (its refusals are 1045, 1226, ...)
MYSQL_CONNECTION_LOST = {2003, 2006, 2013, 2055}


def mysql_connection_lost(error: BaseException) -> bool:
    """The connection was dropped before MariaDB answered, as opposed to MariaDB refusing it (its
    credentials, its limits) or nothing listening at all: only the first is worth another try."""
    import pymysql

    return isinstance(error, pymysql.err.OperationalError) and bool(error.args) and error.args[0] in MYSQL_CONNECTION_LOST


def cassandra_unreachable(error: BaseException) -> bool:
    """Cassandra did not answer (a timeout, a lost or refused connection), as opposed to answering
    with a refusal (wrong credentials): only the first is worth another try."""
    from cassandra import AuthenticationFailed, OperationTimedOut, Timeout, Unavailable
    from cassandra.cluster import NoHostAvailable
    from cassandra.connection import ConnectionException

    if isinstance(error, NoHostAvailable):
        return not any(isinstance(reason, AuthenticationFailed) for reason in error.errors.values())
    return isinstance(error, OperationTimedOut | Timeout | Unavailable | ConnectionException)


# --- clients through the composed tunnels (agility.reach.connect) -----------------------------
@contextmanager
def operator_clients(profile: Profile):
    with connect.forwards(profile) as found:
        yield Clients(profile, found)


@contextmanager
def area_clients(profile: Profile, area: Area):
    """Clients for a job of `area`: Kafka through the area developer's own tunnel when the profile
    has that identity and no open tunnel carries Kafka already."""
    developer = area.kafka_account if area.kafka_account in profile.ssh_users else None
    with connect.forwards(profile, developer) as found:
        yield Clients(profile, found)
