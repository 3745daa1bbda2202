"""Graphviz DOT text, written the same way every time, and rendered by Graphviz's own `dot`.

The committed diagrams are compared byte for byte with fresh ones (tests/test_diagrams.py), so
nothing here may depend on an accidental order: statements keep the order they were added in
(the callers add them in the order of the files they read), attributes are sorted by name.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

from agility.core.errors import AgilityError

FORMATS = ("svg", "png")
RENDER_TIMEOUT_S = 60
FONT = "Helvetica"  # Graphviz's default (Times) reads poorly in small boxes


def quoted(text: object) -> str:
    """A DOT string: every identifier and value is quoted, so no name can break the syntax."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def attribute_list(values: dict) -> str:
    return ", ".join(f"{name}={quoted(value)}" for name, value in sorted(values.items()) if value is not None)


@dataclass
class Graph:
    """A digraph, or (with `cluster`) a box of nodes drawn inside one."""

    name: str
    label: str = ""
    attributes: dict = field(default_factory=dict)
    statements: list = field(default_factory=list)  # DOT lines and subgraphs, in the order added

    def node(self, node_id: str, label: str, **attributes) -> str:
        self.statements.append(f"{quoted(node_id)} [{attribute_list({'label': label, **attributes})}]")
        return node_id

    def edge(self, tail: str, head: str, label: str | None = None, **attributes) -> None:
        listed = attribute_list({"label": label, **attributes})
        self.statements.append(f"{quoted(tail)} -> {quoted(head)}" + (f" [{listed}]" if listed else ""))

    def cluster(self, cluster_id: str, label: str, **attributes) -> Graph:
        """A box drawn around its nodes (Graphviz draws only subgraphs named `cluster…` as boxes)."""
        box = Graph(f"cluster_{cluster_id}", label, attributes)
        self.statements.append(box)
        return box

    def same_rank(self, *node_ids: str) -> None:
        self.statements.append("{rank=same; " + " ".join(quoted(node_id) for node_id in node_ids) + "}")

    def lines(self, indent: str, defaults: tuple[str, ...] = ()) -> list[str]:
        own = attribute_list({"label": self.label or None, **self.attributes})
        lines = [*([f"{indent}graph [{own}]"] if own else []), *(f"{indent}{line}" for line in defaults)]
        for statement in self.statements:
            if isinstance(statement, Graph):
                lines += [f"{indent}subgraph {quoted(statement.name)} {{", *statement.lines(indent + "\t"), f"{indent}}}"]
            else:
                lines.append(f"{indent}{statement}")
        return lines

    def dot(self) -> str:
        defaults = (f"node [{attribute_list({'fontname': FONT, 'fontsize': 11, 'shape': 'box', 'style': 'rounded'})}]",
                    f"edge [{attribute_list({'fontname': FONT, 'fontsize': 10})}]")
        return "\n".join([f"digraph {quoted(self.name)} {{", *self.lines("\t", defaults), "}"]) + "\n"


def diagram(name: str, label: str, **attributes) -> Graph:
    """A whole diagram: its title on top, in the same font as its boxes."""
    return Graph(name, label, {"fontname": FONT, "fontsize": 14, "labelloc": "t", **attributes})


def render(dot_text: str, fmt: str) -> bytes:
    """The picture `dot -T<fmt>` draws of `dot_text`."""
    program = shutil.which("dot")
    if program is None:
        raise AgilityError("graphviz's dot is not installed: apt-get install graphviz")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                              timeout=RENDER_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise AgilityError(f"dot -T{fmt} did not finish within {RENDER_TIMEOUT_S} s") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise AgilityError(f"dot -T{fmt} failed (exit {done.returncode}): {said[0] if said else 'no message'}")
    return done.stdout
