"""Writing an HDFS file whole or not at all, through WebHDFS (HttpFS).

HttpFS creates the file first and then streams the data into it, so a write that HDFS refuses
part way (a space quota reached at the next block, a DataNode lost) leaves a file holding the
blocks it got. `write_whole` removes that remainder before it reports the refusal: readers never
meet half a file, and the refusal says in one line what HDFS said.

`transient(error)` tells a store that went away (HttpFS closed the connection or is down, a
timeout, a NameNode asking to retry) from a refusal: a caller that retries the first kind writes
the same path again, which overwrites whatever the interrupted write left.
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


def write_whole(client, path: str, data: bytes | str, overwrite: bool = True, encoding: str | None = None) -> int:
    """Write `data` to `path` as the client's user; the bytes written, or WriteRefused with nothing left.

    With overwrite=False an existing file is never touched, not even to clean up."""
    from hdfs.util import HdfsError
    from requests.exceptions import RequestException

    size = len(data.encode(encoding or "utf-8")) if isinstance(data, str) else len(data)
    existed = not overwrite and client.status(path, strict=False) is not None
    try:
        client.write(path, data=data, overwrite=overwrite, encoding=encoding)
    except (HdfsError, RequestException) as error:
        if existed or getattr(error, "exception", None) in ("AccessControlException", "FileAlreadyExistsException"):
            left = None  # refused before the file was created: there is nothing of ours to remove
        else:
            left = remove_remainder(client, path)
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
