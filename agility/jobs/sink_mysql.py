"""Kafka → MariaDB/MySQL: the area's orders as one row per order id in database `area.database`.

    python -m agility.jobs.sink_mysql --profile sandbox --area dev --dataset orders

The table is named after the dataset. Each batch is one transaction of
`INSERT ... ON DUPLICATE KEY UPDATE` (an upsert on the primary key), so a batch written twice
after a restart leaves the same rows, and a failed batch leaves none of its rows. A server that
is gone (refused or lost connection, shutting down) is retried with a new connection.
"""

from __future__ import annotations

import sys
from contextlib import suppress

from agility.clients.sql import quoted
from agility.config.areas import Area, check_dataset
from agility.core.errors import AgilityError
from agility.jobs import records
from agility.jobs.sink import ConsumeResult, Record, consume, main

# The MariaDB types of `records.STORED_COLUMNS`, in its order. Free text is TEXT: `records.parse`
# accepts any length within the record's size limit, and a valid record that the table refuses
# would stop the job on the same batch forever.
COLUMNS = {
    "order_id": "VARCHAR(64) NOT NULL", "customer_id": "TEXT NOT NULL", "customer_name": "TEXT NOT NULL",
    "product": "TEXT NOT NULL", "category": "TEXT NOT NULL", "region": "TEXT NOT NULL", "quantity": "INT NOT NULL",
    "unit_price": "DECIMAL(16,4) NOT NULL", "currency": "TEXT NOT NULL", "ts": "TEXT NOT NULL",
    "event_time": "DATETIME(3) NOT NULL", "amount": "DECIMAL(18,2) NOT NULL",
    "kafka_partition": "INT NOT NULL", "kafka_offset": "BIGINT NOT NULL",
}
# The client's and server's codes for "the server is not there (any more)": can't connect (2003),
# gone away (2006), lost connection (2013, 2055), shutdown in progress (1053), connection killed (1927).
SERVER_GONE = {2003, 2006, 2013, 2055, 1053, 1927}


class MySqlSink:
    name = "mysql"

    def __init__(self, clients, area: Area, dataset: str):
        self.clients, self.database, self.table = clients, area.database, check_dataset(dataset)
        self.area = area.name
        self.connection = None
        self.upsert = ""
        self.store = f"MySQL at {clients.profile.mysql['address']}"

    def prepare(self) -> None:
        import pymysql

        # as the area's own account: provisioning made its database, the account makes its tables
        account = self.clients.profile.account("mysql", self.area)
        try:
            self.connection = self.clients.mysql_connection(account, patience=0)
        except pymysql.OperationalError as error:
            if error.args and error.args[0] in SERVER_GONE:
                raise  # not there: the sink's retries decide
            # a refusal (credentials, the account's limits) is the store's answer: stop with it
            raise AgilityError(f"MariaDB refused {account.user}: ({error.args[0]}) {error.args[-1]}") from None
        columns = ",\n  ".join(f"`{name}` {kind}" for name, kind in COLUMNS.items())
        with self.connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {quoted(self.database)}.{quoted(self.table)} (\n  {columns},\n"
                           f"  PRIMARY KEY (`order_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
        self.connection.select_db(self.database)
        names = ", ".join(f"`{name}`" for name in COLUMNS)
        marks = ", ".join("%s" for _ in COLUMNS)
        updates = ", ".join(f"`{name}` = VALUES(`{name}`)" for name in COLUMNS if name != "order_id")
        # PyMySQL's executemany turns this into multi-row INSERTs; values are always bound parameters
        self.upsert = (f"INSERT INTO {quoted(self.table)} ({names}) VALUES ({marks}) "
                       f"ON DUPLICATE KEY UPDATE {updates}")

    def write(self, batch: list[Record]) -> None:
        import pymysql

        connection = self.connection
        try:
            connection.begin()  # an explicit transaction, whatever the autocommit mode
            with connection.cursor() as cursor:
                cursor.executemany(self.upsert, [row(record) for record in batch])
            connection.commit()
        except BaseException:
            # a lost connection cannot roll back (the server did when it dropped it): keep the first error
            with suppress(pymysql.MySQLError):
                connection.rollback()
            raise

    def transient(self, error: BaseException) -> bool:
        import pymysql

        return isinstance(error, pymysql.OperationalError) and bool(error.args) and error.args[0] in SERVER_GONE

    def close(self) -> None:
        if self.connection is not None:
            with suppress(Exception):  # noqa: BLE001 - a broken connection is closed all the same
                self.connection.close()
            self.connection = None


def row(record: Record) -> tuple:
    stored = records.stored_row(record.order, record.partition, record.offset)
    stored["event_time"] = stored["event_time"].replace(tzinfo=None)  # DATETIME has no zone: the column holds UTC
    return tuple(stored.values())


def run(clients, area: Area, dataset: str, **options) -> ConsumeResult:
    return consume(clients, area, dataset, MySqlSink(clients, area, dataset), **options)


if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], run))
