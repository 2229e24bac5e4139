"""The tutorial notebooks: stored without outputs, and each runs top to bottom.

Every notebook starts with a cell tagged ``parameters`` that sets
``PRESET = "tiny"`` (or, for the analysis notebook, only seeds and shuffle
counts), so the tests execute exactly what a reader runs; each takes well
under a minute.  They are executed with nbclient in a scratch folder, on the
Python running the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
#: The subjects the notebook set must cover (one notebook each), by file-name stem.
EXPECTED = ("01_quickstart", "02_three_levels", "03_binary_theory", "04_your_own_spikes",
            "05_sweeps", "06_eprop")
#: Seconds one notebook should take on a loaded two-core machine; a notebook
#: that runs far longer is stopped (a hang, not a slow machine).
BUDGET_S = 150


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_notebook_set_is_complete() -> None:
    assert tuple(p.stem for p in PATHS) == EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    dirty = [k for k, cell in enumerate(book.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have outputs; clear them "
                       f"(jupyter nbconvert --clear-output --inplace {path.name})")


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_has_tiny_parameters_first(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), \
        f"{path.name}: the first code cell should be tagged 'parameters'"
    source = code[0].source
    assert 'PRESET = "tiny"' in source or "PRESET" not in "".join(c.source for c in code), \
        f"{path.name}: the stored notebook should run on the tiny preset"


@pytest.mark.timeout(3 * BUDGET_S)
@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=2 * BUDGET_S, kernel_name="python3",
        # jupyter_client starts a "python" kernel on the interpreter running the tests
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [output for cell in book.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors
    assert not list(tmp_path.iterdir()), \
        f"{path.name} wrote into its working folder: {sorted(p.name for p in tmp_path.iterdir())}"
