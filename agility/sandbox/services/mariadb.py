"""MariaDB (the MySQL protocol) on the master node, from Debian's packages; its my.cnf is
templates/mariadb/my.cnf."""

from __future__ import annotations

from agility.core.errors import AgilityError
from agility.sandbox.node import Node
from agility.sandbox.service import Service
from agility.sandbox.services import templates

PORT = 3306


class MariaDB(Service):
    name = "mariadb"
    user = "mysql"  # Debian's account for it
    ready_timeout = 60.0

    def ports(self, node: Node) -> dict[str, int]:
        return {"mysql": PORT}

    def defaults_file(self, node: Node):
        return self.home(node) / "my.cnf"

    def prepare(self, node: Node) -> None:
        home = self.home(node)
        (home / "logs").mkdir(parents=True, exist_ok=True)
        self.defaults_file(node).write_text(templates.render("mariadb", "my.cnf", home=home, address=node.address, port=PORT))
        if not (home / "data" / "mysql").exists():
            node.run(
                ["mariadb-install-db", f"--defaults-file={self.defaults_file(node)}", "--skip-test-db", f"--user={self.user}",
                 "--auth-root-authentication-method=socket"],
                timeout=120,
            )

    def command(self, node: Node) -> list[str]:
        return ["mariadbd", f"--defaults-file={self.defaults_file(node)}"]

    def log_path(self, node: Node):
        return self.home(node) / "logs" / "mariadb.log"

    def is_ready(self, node: Node) -> bool:
        return self.sql(node, "SELECT 1", check=False).strip() == "1"

    def readiness(self, node: Node) -> str:
        return f"SELECT 1 to answer on {node.address}:{PORT}"

    def sql(self, node: Node, statement: str, check: bool = True) -> str:
        """Run SQL as the local root over the unix socket (root has no network login); the statement
        goes on stdin so that no password shows in a process list."""
        done = node.run(
            ["mariadb", f"--defaults-file={self.defaults_file(node)}", "-uroot", "-N", "-B"],
            input=statement, check=False, timeout=30,
        )
        if check and done.returncode != 0:
            raise AgilityError(f"{self.instance(node)}: SQL failed: {done.stderr.strip()}")
        return done.stdout

    def after_ready(self) -> None:
        password = self.context.secrets["mariadb-admin"].replace("'", "''")
        self.sql(
            self.nodes[0],
            f"CREATE USER IF NOT EXISTS 'admin'@'%' IDENTIFIED BY '{password}'; "
            f"ALTER USER 'admin'@'%' IDENTIFIED BY '{password}'; "
            "GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;",
        )
