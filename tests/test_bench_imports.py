"""The benchmarks under bench/ still import: they are scripts nobody runs in the suite, so a moved
module would otherwise break them unnoticed."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

BENCH = sorted((Path(__file__).resolve().parents[1] / "bench").glob("*.py"))


def test_every_bench_script_imports():
    # one test, not one per script: a script's name (kafka_pipeline) must not join `-k kafka`
    assert BENCH
    for script in BENCH:
        if 'if __name__ == "__main__"' not in script.read_text():
            continue  # a module the scripts share (figures.py), not a script
        spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # their work is under main(): importing runs nothing
        assert callable(getattr(module, "main", None) or getattr(module, "measure", None)), script
