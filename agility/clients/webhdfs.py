"""The WebHDFS client the jobs and checks use: the pinned `hdfs` package's client, with a write of
a whole body in one request.

The package's `write` first asks where to send the data (a PUT without a body, answered with a
redirect) and then sends it: two round trips per file through the tunnel, and HttpFS serves both.
HttpFS takes the body at once with `data=true`; a NameNode's WebHDFS answers that request with
its redirect to a DataNode, which requests follows with the same body (a 307 keeps it).
"""

from __future__ import annotations

from urllib.parse import quote

from hdfs import Client
from hdfs.client import _to_error


class WebHdfsClient(Client):
    """Who the client is comes with its session (Clients.webhdfs_session): a Kerberos ticket, or
    with simple authentication a `user.name` that the service believes."""

    def write(self, hdfs_path, data=None, overwrite=False, **options):
        if not isinstance(data, bytes) or options:  # streams, appends, permissions: the package's way
            return super().write(hdfs_path, data=data, overwrite=overwrite, **options)
        url = f"{self.url.rstrip('/')}/webhdfs/v1{quote(self.resolve(hdfs_path), '/= ')}"
        params = {"op": "CREATE", "overwrite": "true" if overwrite else "false", "data": "true"}
        if self._proxy is not None:
            params["doas"] = self._proxy
        response = self._request(method="PUT", url=url, data=data, params=params)
        if not response:
            raise _to_error(response)
        return None
