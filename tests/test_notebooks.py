"""The worked-example notebooks: stored without outputs, public API only, and they run.

Each notebook in ``notebooks/`` is executed top to bottom with nbclient in a fresh kernel whose
working directory is an empty temporary folder (and whose ``TMPDIR`` points into pytest's
temporary area), so a broken notebook fails the suite and a notebook that writes next to
itself is caught.

The kernel is the ``python3`` kernel spec that ipykernel installs into the environment
(``<prefix>/share/jupyter/kernels/python3``). Its command is plain ``python``, which
jupyter_client replaces by ``sys.executable``, so the kernel runs the interpreter that runs the
tests, whether or not the virtual environment is activated. Should ``python3`` resolve to
another interpreter (a user-level spec pointing elsewhere) or not exist, a kernel spec for
``sys.executable`` is written to a temporary ``JUPYTER_PATH`` for the session instead; nothing
is installed.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import nbformat
import pytest

import analysis

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell; each notebook takes well under two minutes in total
PYTHON_NAMES = {"python", f"python{sys.version_info[0]}",
                f"python{sys.version_info[0]}.{sys.version_info[1]}"}


def _ids(path: Path) -> str:
    return path.stem


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_design_a_survey.ipynb", "02_validate_the_scales.ipynb",
            "03_what_drives_loyalty.ipynb"} <= names, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.execution_count is None, f"{path.name} cell {k}: clear execution counts"
            assert cell.outputs == [], f"{path.name} cell {k}: clear outputs before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_uses_only_public_api(path):
    """No ``_private`` module, name or attribute of engagekit (or anything else) is used."""
    nb = nbformat.read(path, as_version=4)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                names = [*(node.module or "").split("."), *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [part for a in node.names for part in a.name.split(".")]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.name} cell {k} uses private names {private}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
                undeclared = [a.name for a in node.names if a.name not in analysis.__all__]
                assert not undeclared, (f"{path.name} cell {k} imports {undeclared}, which "
                                        "analysis.__all__ does not declare public")


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory):
    """``python3`` when it runs this interpreter; otherwise a temporary spec for it."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
    except NoSuchKernel:
        argv0 = None
    if argv0 is not None and (argv0 in PYTHON_NAMES
                              or os.path.realpath(argv0) == os.path.realpath(sys.executable)):
        yield "python3"
        return
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(str(root / "kernels" / "engagekit-tests"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root) + os.pathsep + os.environ.get("JUPYTER_PATH", ""))
        yield "engagekit-tests"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_runs(path, tmp_path, monkeypatch, kernel_name):
    cwd = tmp_path / "cwd"
    tmp = tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    # The kernel inherits this environment: its temporary files land under tmp_path.
    monkeypatch.setenv("TMPDIR", str(tmp))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=kernel_name, timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count is not None for c in ran)
    assert list(cwd.iterdir()) == [], f"{path.name} wrote into its working directory"
    assert any(tmp.iterdir()), f"{path.name} wrote nothing to its temporary folder"
