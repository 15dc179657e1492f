"""The quickstart notebook runs top to bottom against the real model, so it cannot rot."""
from __future__ import annotations

import shutil

import pytest

from .conftest import PROJECT

pytestmark = pytest.mark.slow


def test_quickstart_notebook_executes(real_index, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    index = tmp_path / "index"
    shutil.copytree(real_index, index)  # the session index: the notebook's build finds nothing to re-embed
    monkeypatch.setenv("RAG_INDEX", str(index))
    nb = nbformat.read(PROJECT / "examples" / "quickstart.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(PROJECT / "examples")}}).execute()
    outputs = {i: c.get("outputs", []) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs[2])
    assert "<mark>" in html and "77%" in html
    assert "london-crc-sample-inspection.pdf" in html
    assert "Not found" in "".join(o.get("data", {}).get("text/html", "") for o in outputs[5])
