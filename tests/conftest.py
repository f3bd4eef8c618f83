"""Shared test setup: one cache folder for the whole session, so trained models are shared between tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
# Persistent across local runs (fast re-runs), empty on a fresh clone (CI trains everything once).
os.environ.setdefault("JIELONG_CACHE", str(ROOT / "_build" / "test-cache"))
torch.set_num_threads(min(2, torch.get_num_threads()))

SEEDS = (0, 1, 2)


@pytest.fixture(scope="session")
def small_world():
    from jielong.worlds import World

    return World(seed=0, n_people=20)


@pytest.fixture(scope="session")
def small_tokenizer(small_world):
    from jielong.base import tokenizer_for

    return tokenizer_for(small_world)


@pytest.fixture(scope="session")
def base():
    """The default base model and tokenizer (trained once per fresh cache)."""
    from jielong.base import base_model

    return base_model(progress=False)


def execute_notebook(path: Path, timeout: int = 900):
    """Run a notebook top to bottom in a fresh kernel, from its own folder; return it with its outputs."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def outputs_of(nb, kind: str) -> list:
    """Every output of the given mime type (e.g. "image/png") across the notebook's code cells."""
    return [o["data"][kind] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if kind in o.get("data", {})]
