"""HDFS 3.4 run from its Maven Central jars: a NameNode, DataNodes and an HttpFS gateway.

Maven Central has no Hadoop tarball, so each daemon is a plain JVM on `conf/:lib/*` with the
configuration written by prepare(). HttpFS speaks the WebHDFS REST API but streams file data
itself instead of redirecting clients to the DataNodes, so a client on the developer's host
needs a single SSH-tunnel forward (to HttpFS, port 14000) to read and write.

Start order: NameNode (ready: ports open, safe mode off), then DataNodes and HttpFS.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from agility.config import areas
from agility.core.errors import AgilityError
from agility.sandbox import jvm, kerberos
from agility.sandbox.node import Node
from agility.sandbox.service import Service
from agility.sandbox.services import templates

NAMENODE_RPC, NAMENODE_HTTP = 8020, 9870
DATANODE_DATA, DATANODE_HTTP, DATANODE_IPC = 9866, 9864, 9867
HTTPFS_HTTP = 14000
SUPERUSER = "hdfs"  # the NameNode's own account: HDFS makes whoever runs it the superuser
GATEWAY_USER = "httpfs"  # HttpFS's account, the one proxy user the NameNode accepts

# Hadoop's own --add-opens list for Java 17; the daemons' files are templates/hadoop/*, the
# client's (for `hdfs dfs` on any node) templates/hadoop/client/*.
ADD_OPENS = templates.options("hadoop", "jvm17.options")
BLOCK_SIZE = "4m"


def http_json(node: Node, url: str, method: str = "GET", timeout: float = 5.0) -> dict:
    """A JSON answer over HTTP, asked from inside `node`'s network (the sandbox's node addresses
    are reachable there, not necessarily from the host)."""

    def fetch() -> dict:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else {}

    return node.call_in_network(fetch)


def proxied_accounts(hosted: dict[str, areas.Area]) -> dict[str, str]:
    """Whom HttpFS may act for: the superuser and each hosted area's HDFS account, and their groups."""
    declared = hosted.values()
    return {"proxy_users": ",".join([SUPERUSER, *(area.hdfs_account for area in declared)]),
            "proxy_groups": ",".join(area.linux_group for area in declared)}


class HadoopService(Service):
    """What the three daemons share: one configuration, one classpath, the FsShell helper."""

    main_class = ""
    user = SUPERUSER
    default_heap = "256m"
    webapps: tuple[str, ...] = ()

    # --- the cluster this daemon belongs to ----------------------------------------------
    def namenode(self) -> Node:
        found = self.context.nodes_running("namenode")
        if not found:
            raise AgilityError(f"{self.name}: no node of cluster {self.context.cluster} runs the namenode")
        return found[0]

    def datanode_count(self) -> int:
        return len(self.context.nodes_running("datanode"))

    def jmx(self, bean: str) -> dict:
        """One bean of the NameNode's JMX JSON servlet (cheap: no JVM is started)."""
        namenode = self.namenode()
        url = f"http://{namenode.address}:{NAMENODE_HTTP}/jmx?qry=" + urllib.parse.quote(bean, safe=":=,")
        beans = http_json(namenode, url, timeout=3).get("beans", [])
        return beans[0] if beans else {}

    # --- Kerberos (a cluster started with it: sandbox/kerberos.py) ----------------------------
    @property
    def realm(self) -> kerberos.Realm | None:
        """The cluster's realm if it uses Kerberos (every Hadoop daemon takes part)."""
        return self.context.settings.get("kerberos") if self.name in kerberos.DAEMON_PRINCIPALS else None

    def keytab(self, node: Node) -> Path:
        """This daemon's own keytab on `node`: its principal and HTTP/<host>."""
        return self.home(node) / "keytabs" / f"{self.name}.keytab"

    def kerberos_part(self, name: str, node: Node | None = None, service: str = "hadoop", **values) -> dict[str, str]:
        """The `kerberos` settings of a site file: templates/<service>/kerberos/<name>, or nothing."""
        if self.realm is None:
            return {"kerberos": ""}
        keytab = {"keytab": self.keytab(node)} if node else {}
        return {"kerberos": templates.render(service, f"kerberos/{name}", realm=self.realm.name, **keytab, **values)}

    def client_kerberos_part(self) -> dict[str, str]:
        """The `kerberos` settings of a client's core-site.xml (`hdfs dfs`, Spark on the edge)."""
        realm = self.context.settings.get("kerberos")
        return {"kerberos": templates.render("hadoop", "kerberos/client-site.xml", realm=realm.name) if realm else ""}

    def ticket_environment(self, node: Node) -> dict:
        """An environment whose ticket cache holds the HDFS superuser's ticket (from its keytab),
        for the sandbox's own `hdfs dfs`/`dfsadmin` on a Kerberized cluster."""
        state = self.context.state_dir
        cache = kerberos.folder(state) / "cache" / f"{SUPERUSER}-{node.name}"
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        environment = {**os.environ, "KRB5_CONFIG": str(kerberos.krb5_conf_path(state)), "KRB5CCNAME": f"FILE:{cache}"}
        node.run(["kinit", "-kt", kerberos.user_keytab(state, SUPERUSER), self.realm.principal(SUPERUSER)],
                 env=environment, timeout=30)
        return environment

    # --- files ----------------------------------------------------------------------------
    def conf_dir(self, node: Node) -> Path:
        return self.home(node) / "conf"

    def classpath(self, node: Node) -> str:
        # conf/ first: the *-site.xml, log4j.properties and webapps/<name> resources come from it.
        return jvm.classpath(self.conf_dir(node), self.context.artifacts / "hadoop" / "lib" / "*")

    def default_fs(self) -> str:
        return f"hdfs://{self.namenode().address}:{NAMENODE_RPC}"

    def core_site(self, node: Node) -> str:
        return templates.render(
            "hadoop", "core-site.xml", default_fs=self.default_fs(), tmp=self.home(node) / "tmp",
            proxy_user=GATEWAY_USER, proxy_hosts=",".join(gateway.address for gateway in self.context.nodes_running("httpfs")) or "none",
            **proxied_accounts(self.context.work_areas),
            verbatim=self.security_part(node),
        )

    spnego_web = True  # with Kerberos, its web endpoints ask for a ticket too (YARN's do not, yet)

    def security_part(self, node: Node) -> dict[str, str]:
        """core-site.xml's Kerberos settings: RPC, and SPNEGO on the web endpoints if spnego_web."""
        parts = [self.kerberos_part("core-site.xml", node)["kerberos"],
                 *([self.kerberos_part("web-site.xml", node)["kerberos"]] if self.spnego_web else [])]
        return {"kerberos": "".join(parts)}

    def hdfs_site(self, node: Node) -> str:
        return templates.render(
            "hadoop",
            "hdfs-site.xml",
            **self.client_settings(),
            data=self.home(node) / "data",
            namenode=self.namenode().address,
            namenode_rpc=NAMENODE_RPC,
            namenode_http=NAMENODE_HTTP,
            address=node.address,
            datanode_data=DATANODE_DATA,
            datanode_http=DATANODE_HTTP,
            datanode_ipc=DATANODE_IPC,
            datanode_hostname=node.hostname if self.realm else node.address,
            verbatim=self.kerberos_part("hdfs-site.xml", node),
        )

    def client_settings(self) -> dict:
        """Replication and block size, for hdfs-site.xml and client/hdfs-site.xml alike: they are the
        writer's choice, not the NameNode's, and HttpFS and `hdfs dfs` on the edge must choose the
        same. A space quota charges each open block a whole block times the replication: keep
        blocks small."""
        return {"replication": max(1, min(3, self.datanode_count())), "blocksize": BLOCK_SIZE}

    def extra_files(self, node: Node) -> dict[str, str]:
        return {}

    def prepare(self, node: Node) -> None:
        conf = self.conf_dir(node)
        for folder in (conf, self.home(node) / "logs", self.home(node) / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        files = {
            "core-site.xml": self.core_site(node),
            "hdfs-site.xml": self.hdfs_site(node),
            "log4j.properties": templates.text("hadoop", "log4j.properties"),
            **self.extra_files(node),
        }
        for name, text in files.items():
            (conf / name).write_text(text)
        if self.realm is not None:
            account = self.account(node)
            kerberos.install(kerberos.daemon_keytab(self.context.state_dir, self.name, node.hostname), self.keytab(node),
                             account.uid, account.gid)
        # HttpServer2 insists on finding webapps/<name> on the classpath, and hadoop-hdfs.jar on
        # Maven Central ships none; the servlets (WebHDFS, /jmx) are registered in code, only
        # the NameNode's HTML UI is missing. (HttpFS's own webapps/webhdfs is in its jar.)
        for webapp in self.webapps:
            (conf / "webapps" / webapp).mkdir(parents=True, exist_ok=True)

    # --- processes ------------------------------------------------------------------------
    def heap(self) -> str:
        return self.context.settings.get(self.name, {}).get("heap", self.default_heap)

    def java_properties(self, node: Node) -> dict:
        return {"hadoop.log.dir": self.home(node) / "logs", "hadoop.home.dir": self.home(node), **self.krb5_property()}

    def krb5_property(self) -> dict:
        """Java reads /etc/krb5.conf, not $KRB5_CONFIG: the realm's settings by name."""
        return {"java.security.krb5.conf": kerberos.krb5_conf_path(self.context.state_dir)} if self.realm else {}

    def command(self, node: Node) -> list[str]:
        return jvm.server(
            self.main_class,
            self.classpath(node),
            self.heap(),
            flags=ADD_OPENS,
            properties=self.java_properties(node),
        )

    def tool(self, node: Node, main_class: str, *args: str, timeout: float = 120, check: bool = True):
        """Run a Hadoop command-line class with this daemon's configuration, on its node."""
        argv = jvm.tool(
            main_class,
            self.classpath(node),
            args=args,
            properties={"hadoop.root.logger": "WARN,console", "hadoop.log.dir": self.home(node) / "logs",
                        **self.krb5_property()},
        )
        argv[1:1] = ADD_OPENS  # jvm.tool has no flags= parameter
        # as the superuser's HDFS identity, though the JVM runs as root here: its ticket with
        # Kerberos, else its name (simple authentication believes it)
        environment = (self.ticket_environment(node) if self.realm else {**os.environ, "HADOOP_USER_NAME": SUPERUSER})
        return node.run(argv, timeout=timeout, check=check, env=environment)

    def dfs(self, node: Node, *args: str, timeout: float = 120) -> str:
        """`hdfs dfs ARGS` (FsShell) as the HDFS superuser on `node`; its stdout."""
        return self.tool(node, "org.apache.hadoop.fs.FsShell", *args, timeout=timeout).stdout

    # --- the client side: `hdfs dfs` for the users of any node ------------------------------
    def client_conf_dir(self) -> Path:
        # Under the artifacts (readable by every node user), one folder per cluster: fs.defaultFS differs.
        return self.context.artifacts / "hadoop" / "client" / self.context.cluster

    def write_client_config(self) -> Path:
        """core-site.xml (fs.defaultFS), hdfs-site.xml (block size, replication) and a quiet
        log4j.properties for `hdfs dfs` on any node."""
        folder = self.client_conf_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for path in (folder.parent, folder):
            path.chmod(0o755)
        files = {
            "core-site.xml": templates.render("hadoop", "client/core-site.xml", default_fs=self.default_fs(),
                                              verbatim=self.client_kerberos_part()),
            "hdfs-site.xml": templates.render("hadoop", "client/hdfs-site.xml", **self.client_settings()),
            "log4j.properties": templates.text("hadoop", "client/log4j.properties"),
        }
        for name, text in files.items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o644)
        return folder

    def edge_cli(self) -> dict[str, list[str]]:
        """How a user on the edge node runs `hdfs dfs` and `hdfs dfsadmin` (argv prefixes; the
        profile keeps them, so a real cluster can say `[hdfs, dfs]` instead). Writes the client
        configuration (again: the artifacts cache outlives sandboxes whose settings differ)."""
        folder = self.write_client_config()
        tools = {"dfs": "org.apache.hadoop.fs.FsShell", "dfsadmin": "org.apache.hadoop.hdfs.tools.DFSAdmin"}
        argvs = {}
        for name, main_class in tools.items():
            argvs[name] = jvm.tool(main_class, jvm.classpath(folder, self.context.artifacts / "hadoop" / "lib" / "*"),
                                   properties=self.krb5_property())
            argvs[name][1:1] = ADD_OPENS
        return argvs

    def dfsadmin(self, node: Node, *args: str, timeout: float = 120) -> str:
        """`hdfs dfsadmin ARGS` (quotas, -report, -safemode) as the HDFS superuser on `node`; its stdout."""
        return self.tool(node, "org.apache.hadoop.hdfs.tools.DFSAdmin", *args, timeout=timeout).stdout


class NameNode(HadoopService):
    name = "namenode"
    main_class = "org.apache.hadoop.hdfs.server.namenode.NameNode"
    default_heap = "512m"
    webapps = ("hdfs",)

    def namenode(self) -> Node:
        return self.nodes[0]

    def ports(self, node: Node) -> dict[str, int]:
        return {"rpc": NAMENODE_RPC, "http": NAMENODE_HTTP}

    def prepare(self, node: Node) -> None:
        super().prepare(node)
        self.write_client_config()
        if not (self.home(node) / "data" / "name" / "current" / "VERSION").exists():
            # The cluster name as cluster id: after a re-format (state wiped) existing DataNodes
            # are not refused for an "Incompatible clusterIDs".
            self.tool(node, self.main_class, "-format", "-clusterid", self.context.cluster, "-force", "-nonInteractive")

    def is_ready(self, node: Node) -> bool:
        if not super().is_ready(node):
            return False
        state = self.jmx("Hadoop:service=NameNode,name=FSNamesystemState")
        # A fresh namespace leaves safe mode at once. A restarted one with blocks waits for block
        # reports, which only come once the DataNodes (started after us) run: accept that case
        # here, DataNode.cluster_ready then waits for safe mode to end.
        return state.get("FSState") == "Operational" or state.get("BlocksTotal", 0) > 0

    def readiness(self, node: Node) -> str:
        return (
            f"RPC {node.address}:{NAMENODE_RPC} and HTTP :{NAMENODE_HTTP} to listen and the "
            "NameNode to leave safe mode (JMX FSNamesystemState)"
        )

    def after_ready(self) -> None:
        """/user and a world-writable sticky /tmp, as a formatted Hadoop has them; re-runnable.

        Through the NameNode's own WebHDFS (no JVM to start); writes only what is missing, so a
        restarted NameNode still in safe mode does not fail here. With Kerberos, WebHDFS asks for
        a ticket: `hdfs dfs` as the superuser then (only what is missing, likewise)."""
        node = self.nodes[0]
        if self.realm is not None:
            return self.make_top_folders_with_ticket(node)
        base = f"http://{node.address}:{NAMENODE_HTTP}/webhdfs/v1"
        for path, mode in (("/user", "755"), ("/tmp", "1777")):
            url = f"{base}{path}?user.name={SUPERUSER}"
            try:
                status = http_json(node, f"{url}&op=GETFILESTATUS", timeout=60)["FileStatus"]
            except urllib.error.HTTPError as error:
                if error.code != 404:
                    raise
                http_json(node, f"{url}&op=MKDIRS", method="PUT", timeout=60)
                status = {}
            if status.get("permission") != mode:
                http_json(node, f"{url}&op=SETPERMISSION&permission={mode}", method="PUT", timeout=60)


    def make_top_folders_with_ticket(self, node: Node) -> None:
        listed = self.tool(node, "org.apache.hadoop.fs.FsShell", "-stat", "%n %a", "/user", "/tmp", check=False).stdout
        modes = dict(line.split() for line in listed.splitlines() if len(line.split()) == 2)
        missing = [folder for folder in ("/user", "/tmp") if folder.strip("/") not in modes]
        if missing:
            self.dfs(node, "-mkdir", "-p", *missing)
        for folder, mode in (("/user", "755"), ("/tmp", "1777")):
            if modes.get(folder.strip("/")) != mode:
                self.dfs(node, "-chmod", mode, folder)


class DataNode(HadoopService):
    name = "datanode"
    main_class = "org.apache.hadoop.hdfs.server.datanode.DataNode"
    default_heap = "384m"
    webapps = ("datanode",)

    def datanode_count(self) -> int:
        return len(self.nodes)

    def ports(self, node: Node) -> dict[str, int]:
        return {"data": DATANODE_DATA, "http": DATANODE_HTTP, "ipc": DATANODE_IPC}

    def cluster_ready(self) -> bool:
        state = self.jmx("Hadoop:service=NameNode,name=FSNamesystemState")
        return state.get("NumLiveDataNodes", 0) >= len(self.nodes) and state.get("FSState") == "Operational"

    def cluster_readiness(self) -> str:
        return (
            f"the NameNode at {self.namenode().address}:{NAMENODE_HTTP} to count {len(self.nodes)} "
            "live DataNode(s) (JMX NumLiveDataNodes) and to be out of safe mode"
        )


class HttpFS(HadoopService):
    """The WebHDFS-compatible gateway; its own settings are in httpfs-site.xml (config dir)."""

    name = "httpfs"
    user = GATEWAY_USER
    main_class = "org.apache.hadoop.fs.http.server.HttpFSServerWebServer"
    default_heap = "256m"

    def ports(self, node: Node) -> dict[str, int]:
        return {"http": HTTPFS_HTTP}

    def extra_files(self, node: Node) -> dict[str, str]:
        site = templates.render(
            "hadoop", "httpfs-site.xml", address=node.address, port=HTTPFS_HTTP, conf=self.conf_dir(node), tmp=self.home(node) / "tmp",
            http_authentication="kerberos" if self.realm else "simple",
            verbatim=self.kerberos_part("httpfs-site.xml", node, host=node.hostname),
        )
        return {"httpfs-site.xml": site, "httpfs-log4j.properties": templates.text("hadoop", "log4j.properties")}

    def prepare(self, node: Node) -> None:
        super().prepare(node)
        secret = self.conf_dir(node) / "httpfs-signature.secret"  # signs its auth cookies
        if not secret.exists():
            secret.touch(mode=0o600)
            secret.write_text(secrets.token_hex(32))

    def java_properties(self, node: Node) -> dict:
        home = self.home(node)
        return {
            **super().java_properties(node),
            "httpfs.home.dir": home,
            "httpfs.config.dir": self.conf_dir(node),
            "httpfs.log.dir": home / "logs",
            "httpfs.temp.dir": home / "tmp",
        }

    def url(self, node: Node | None = None) -> str:
        return f"http://{(node or self.nodes[0]).address}:{HTTPFS_HTTP}"

    def is_ready(self, node: Node) -> bool:
        if not super().is_ready(node):
            return False
        try:
            http_json(node, f"{self.url(node)}/webhdfs/v1/?op=LISTSTATUS&user.name={SUPERUSER}")  # raises unless 200
        except urllib.error.HTTPError as error:
            # with Kerberos, a request without a ticket is answered by SPNEGO's challenge
            if not (self.realm and error.code == 401 and "Negotiate" in error.headers.get("WWW-Authenticate", "")):
                raise
        return True

    def readiness(self, node: Node) -> str:
        answer = "401 with a Negotiate challenge (Kerberos)" if self.realm else "200"
        return f"GET {self.url(node)}/webhdfs/v1/?op=LISTSTATUS to answer {answer}"
