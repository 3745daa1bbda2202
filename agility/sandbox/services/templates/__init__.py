"""The files the sandbox's services are configured with, one folder per service (as kafkatest
keeps services/kafka/templates/), read from the package so that the installed copy has them too.

Two kinds of file:
- a template (rendered by render(), or taken as it is by text()): string.Template syntax —
  `$name` / `${name}` is filled in, `$$` is a dollar sign; values put into an .xml file are
  XML-escaped. Lines starting with `##` say why a setting is there and are not written out, so a
  file comes out exactly as the service is meant to read it.
- a JVM options file (*.options, the format of Cassandra's conf/jvm*.options): one option a line,
  `#` starts a comment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from xml.sax.saxutils import escape

FOLDER = Path(__file__).parent


@cache
def text(service: str, name: str) -> str:
    """templates/<service>/<name> without its `##` lines."""
    lines = (FOLDER / service / name).read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("##"))


def render(service: str, name: str, verbatim: dict[str, str] | None = None, **values: object) -> str:
    """templates/<service>/<name> with `values` filled in; a missing value is an error (KeyError).
    `verbatim`: values put in as they are (another template's rendered XML), not escaped."""
    if name.endswith(".xml"):
        values = {key: escape(str(value)) for key, value in values.items()}
    return Template(text(service, name)).substitute({**values, **(verbatim or {})})


@cache
def options(service: str, name: str) -> tuple[str, ...]:
    """The options of templates/<service>/<name>, in order."""
    lines = (FOLDER / service / name).read_text().splitlines()
    return tuple(option for line in lines if (option := line.split("#", 1)[0].strip()))
