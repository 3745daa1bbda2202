"""What a check shows a person as it goes. Lines are said one by one (a step's narration, or print);
a thing to look at whole — a table of results, a sample of the events, a command's output — is also
kept where the sayer can keep it: a sayer with a `keep(name, content, mime_type)` attribute (the
suite's narration attaches it to the report's step); any other sayer keeps nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence

Say = Callable[[str], None]


def keep_text(say: Say, name: str, text: str) -> None:
    _keep(say, name, text, "text/plain")


def keep_table(say: Say, name: str, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """A table (the report shows CSV as a table)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    _keep(say, name, out.getvalue(), "text/csv")


def keep_json(say: Say, name: str, value) -> None:
    _keep(say, name, json.dumps(value, indent=2, ensure_ascii=False, default=str), "application/json")


def keep_picture(say: Say, name: str, content: bytes, mime_type: str) -> None:
    """A picture (PNG, SVG) to look at, which has no lines to say."""
    _keep(say, name, content, mime_type)


def _keep(say: Say, name: str, content: str | bytes, mime_type: str) -> None:
    keeper = getattr(say, "keep", None)
    if keeper is not None:
        keeper(name, content, mime_type)
