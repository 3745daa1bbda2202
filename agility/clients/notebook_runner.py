"""A notebook run cell by cell on a kernel of a user's server (agility.clients.hub.Kernel), as
JupyterLab's "Run All" does, with papermill's convention for parameters: the code cell tagged
`parameters` is replaced by assignments of the values given. It stops at the first cell that fails."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from agility.clients.hub import Cell, Kernel
from agility.core.errors import AgilityError

PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class CellRun:
    index: int  # among the notebook's cells (markdown included)
    source: str
    cell: Cell

    @property
    def draws(self) -> bool:
        """A chart cell: one that shows a matplotlib figure."""
        return "plt.show()" in self.source


@dataclass
class NotebookRun:
    path: str
    cells: list[CellRun] = field(default_factory=list)
    code_cells: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> CellRun | None:
        return next((run for run in self.cells if run.cell.reply != "ok" or run.cell.error), None)

    def charts(self) -> list[tuple[int, bytes]]:
        return [(run.index, image) for run in self.cells for image in run.cell.images]

    def last_json(self) -> dict | None:
        """The JSON object the last cell printed last (the notebook's figures)."""
        for run in reversed(self.cells):
            for line in reversed(run.cell.stdout.splitlines()):
                if line.startswith("{"):
                    return json.loads(line)
        return None


def with_parameters(path: Path, parameters: dict) -> dict:
    """The notebook with its cell tagged `parameters` giving `parameters` (what papermill injects)."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = "\n".join(f"{name} = {value!r}  # given by the run" for name, value in parameters.items())
    return notebook


def code_cells(notebook: dict) -> list[tuple[int, str]]:
    """(index, source) of the notebook's code cells."""
    return [(index, "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"])
            for index, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"]


def run(kernel: Kernel, name: str, notebook: dict, timeout: float = 300.0) -> NotebookRun:
    started = time.monotonic()
    cells = code_cells(notebook)
    result = NotebookRun(name, code_cells=len(cells))
    for index, source in cells:
        try:
            cell = kernel.execute(source, timeout=timeout)
        except AgilityError as error:
            first = source.strip().splitlines()[0] if source.strip() else ""
            raise AgilityError(f"{name}, cell {index} ({first!r}): {error}") from None
        result.cells.append(CellRun(index, source, cell))
        if result.failed:
            break
    result.seconds = round(time.monotonic() - started, 2)
    return result
