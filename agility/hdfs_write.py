"""Writing an HDFS file whole or not at all, through WebHDFS (HttpFS).

HttpFS creates the file first and then streams the data into it, so a write that HDFS refuses
part way (a space quota reached at the next block, a DataNode lost) leaves a file holding the
blocks it got. `write_whole` removes that remainder before it reports the refusal: readers never
meet half a file, and the refusal says in one line what HDFS said.
"""

from __future__ import annotations

from agility.errors import AgilityError


class WriteRefused(AgilityError):
    """HDFS did not take a file; `reason` is its own one-line message, `left` says whether any of it remains."""

    def __init__(self, path: str, size: int, reason: str, left: str | None = None):
        self.path, self.size, self.reason, self.left = path, size, reason, left
        remainder = f"; what was written could not be removed: {left}" if left else "; nothing of it is left"
        super().__init__(f"writing {path} ({size} bytes) was refused: {reason}{remainder}")


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
        raise WriteRefused(path, size, one_line(error), left) from None
    return size


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
