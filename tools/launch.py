"""Write the Colab install cell into every notebook, from the repository named once in `_config.yml`.

Run `python tools/launch.py` after changing the repository or branch in `_config.yml`; `tests/test_launch.py`
fails while any notebook's install cell disagrees with it.
"""
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARK = "# On Colab, install the book's library first"
# Every notebook a reader or student opens: the chapters, the lecture pages and the assignments' sources
# (their releases are generated from the sources by `make release`).
NOTEBOOK_GLOBS = ("book/*.ipynb", "lectures/*.ipynb", "classroom/source/*/*.ipynb")


def repository() -> tuple[str, str]:
    """The repository URL and branch that `_config.yml` names."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    return config["url"].rstrip("/"), config["branch"]


def install_cell_source() -> str:
    """The install cell: on Colab only, the library at the same branch as the notebook the launch button opened.

    No extras: Colab has Jupyter and ipywidgets already, and pip keeps Colab's own torch when it is in range.
    """
    url, branch = repository()
    return (f"{MARK} (Binder and a local checkout already have it).\n"
            "import sys\n"
            "if \"google.colab\" in sys.modules:\n"
            f"    %pip install -q \"jielong @ git+{url}@{branch}\"")


def notebooks() -> list[Path]:
    """Every notebook that carries the install cell."""
    return sorted(path for pattern in NOTEBOOK_GLOBS for path in ROOT.glob(pattern))


def install_cells(nb) -> list:
    """The cells of a notebook that are its install cell (exactly one when the notebook is right)."""
    return [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.startswith(MARK)]


def write(path: Path) -> bool:
    """Put the current install cell into one notebook (after its title cell); True when the file changed."""
    nb = nbformat.read(path, as_version=4)
    source = install_cell_source()
    cells = install_cells(nb)
    if len(cells) == 1 and cells[0].source == source:
        return False
    if cells:
        for cell in cells[1:]:
            nb.cells.remove(cell)
        cells[0].source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = ["remove-cell"]  # the online book has nothing to install
        position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
        nb.cells.insert(position, cell)
    nbformat.write(nb, path)
    return True


if __name__ == "__main__":
    changed = [path for path in notebooks() if write(path)]
    print("\n".join(str(path.relative_to(ROOT)) for path in changed) or "every install cell is current", file=sys.stderr)
