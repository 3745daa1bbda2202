"""Writing an HDFS file whole or not at all, through WebHDFS (HttpFS).

HttpFS creates the file first and then streams the data into it, so a write that HDFS refuses
or that is cut off part way (a space quota reached at the next block, a DataNode lost, HttpFS
stopped mid-body) leaves a file holding the bytes it got. `write_whole` therefore writes to a
staging name beside the file, `_<name>.writing` (Hadoop's input formats, Spark and our readers
skip `_` and `.` names), and renames it into place once HDFS has taken all of it: readers meet
the whole file or none. After a refusal it removes the staging remainder before it reports, and
the refusal says in one line what HDFS said.

`transient(error)` tells a store that went away (HttpFS closed the connection or is down, a
timeout, a NameNode asking to retry) from a refusal: a caller that retries the first kind writes
the same path again, which overwrites whatever the interrupted write left under the staging name.
"""

from __future__ import annotations

from agility.core.errors import AgilityError

# WebHDFS RemoteExceptions that mean "not now" rather than "no": HttpFS relays them from the NameNode
RETRIABLE = {"RetriableException", "SafeModeException", "StandbyException", "ConnectException"}


class WriteRefused(AgilityError):
    """HDFS did not take a file; `reason` is its own one-line message, `left` says whether any of it
    remains, `cause` is the client's error (see `transient`)."""

    def __init__(self, path: str, size: int, reason: str, left: str | None = None, cause: BaseException | None = None):
        self.path, self.size, self.reason, self.left, self.cause = path, size, reason, left, cause
        remainder = f"; what was written could not be removed: {left}" if left else "; nothing of it is left"
        what = "was interrupted" if cause is not None and transient(cause) else "was refused"
        super().__init__(f"writing {path} ({size} bytes) {what}: {reason}{remainder}")


def one_line(error: BaseException) -> str:
    """HDFS's own message (WebHDFS's RemoteException message) on one line, without a stack trace."""
    text = str(getattr(error, "message", None) or error).strip()
    return " ".join(text.splitlines()[0].split()) if text else type(error).__name__


def staging_path(path: str) -> str:
    """Where `path` is written before it is renamed into place: hidden from readers, one per path,
    so a retried write overwrites what an interrupted one left."""
    folder, _, name = path.rpartition("/")
    return f"{folder}/_{name}.writing"


def hidden(name: str) -> bool:
    """Is a file name not data (in progress, a marker): Hadoop's own rule for `_` and `.` names."""
    return name.startswith(("_", "."))


def write_whole(client, path: str, data: bytes | str, overwrite: bool = True, encoding: str | None = None) -> int:
    """Write `data` to `path` as the client's user; the bytes written, or WriteRefused with nothing left.

    With overwrite=False an existing file is never touched, not even to clean up."""
    from hdfs.util import HdfsError
    from requests.exceptions import RequestException

    if isinstance(data, str):  # the hdfs client would send a str one character per socket write
        data = data.encode(encoding or "utf-8")
    size = len(data)
    if not overwrite and client.status(path, strict=False) is not None:
        raise WriteRefused(path, size, f"{path} already exists")
    staging, staged = staging_path(path), False
    try:
        client.write(staging, data=data, overwrite=True)
        staged = True
        try:
            client.rename(staging, path)
        except HdfsError as error:
            # WebHDFS's RENAME never replaces a file: it answers false when `path` exists, which the
            # client raises without a server exception. Renaming first saves a request per file;
            # a name that is taken is the rare case (a batch written again).
            if getattr(error, "exception", None) is not None:
                raise
            if not overwrite:  # created meanwhile by another writer: theirs stays
                raise WriteRefused(path, size, f"{path} already exists", remove_remainder(client, staging)) from None
            client.delete(path)
            client.rename(staging, path)  # refused if another writer created `path` meanwhile
    except (HdfsError, RequestException) as error:
        denied = not staged and getattr(error, "exception", None) == "AccessControlException"
        left = None if denied else remove_remainder(client, staging)  # a denied write created nothing
        raise WriteRefused(path, size, one_line(error), left, cause=error) from None
    return size


def transient(error: BaseException) -> bool:
    """Did HDFS (through HttpFS) go away or ask to retry, rather than refuse? Looks through WriteRefused."""
    from hdfs.util import HdfsError
    from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout

    error = getattr(error, "cause", None) or error
    if isinstance(error, ConnectionError | Timeout | ChunkedEncodingError):  # closed, refused, reset, timed out
        return True
    return isinstance(error, HdfsError) and error.exception in RETRIABLE


def remove_remainder(client, path: str) -> str | None:
    """Delete what a failed write left at `path`; None when nothing is left, else why it stays."""
    from hdfs.util import HdfsError
    from requests.exceptions import RequestException

    try:
        if client.status(path, strict=False) is not None:
            client.delete(path)
        if client.status(path, strict=False) is not None:
            return f"{path} still exists"
    except (HdfsError, RequestException) as error:
        return one_line(error)
    return None
