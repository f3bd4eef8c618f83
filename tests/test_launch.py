"""tools/launch.py: every notebook carries the same Colab install cell, made from the repository `_config.yml` names."""
import subprocess

import nbformat
import pytest

from conftest import ROOT  # which also puts tools/ on the path

import launch  # noqa: E402


@pytest.mark.parametrize("notebook", [p.relative_to(ROOT).as_posix() for p in launch.notebooks()])
def test_every_notebook_has_the_current_install_cell_after_its_title(notebook):
    nb = nbformat.read(ROOT / notebook, as_version=4)
    cells = launch.install_cells(nb)
    assert len(cells) == 1, "run `python tools/launch.py` to write the install cell"
    assert cells[0].source == launch.install_cell_source(), "run `python tools/launch.py`: the cell is out of date"
    assert nb.cells.index(cells[0]) == 1 and nb.cells[0].cell_type == "markdown"
    assert "remove-cell" in cells[0].metadata.get("tags", [])


def test_the_launch_globs_find_every_notebook_a_reader_opens():
    opened = {p for pattern in ("book/*.ipynb", "lectures/*.ipynb", "classroom/source/*/*.ipynb") for p in ROOT.glob(pattern)}
    assert len(opened) >= 16 and set(launch.notebooks()) == opened


def test_the_install_cell_installs_only_on_colab_from_the_configured_branch():
    url, branch = launch.repository()
    source = launch.install_cell_source()
    assert 'if "google.colab" in sys.modules:' in source
    assert f'%pip install -q "jielong @ git+{url}@{branch}"' in source
    assert "[book]" not in source and "torch" not in source  # Colab has Jupyter; its own torch is kept


def test_the_repository_is_named_in_one_place():
    """Only _config.yml names the repository; the notebooks' install cells are written from it."""
    url, _ = launch.repository()
    owner_and_name = url.removeprefix("https://github.com/")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    generated = {p.relative_to(ROOT).as_posix() for p in launch.notebooks()}
    released = {p for p in tracked if p.startswith("classroom/release/")}  # made from the sources by `make release`
    naming = [p for p in tracked if (ROOT / p).is_file() and owner_and_name in (ROOT / p).read_text(errors="ignore")]
    assert set(naming) - generated - released == {"_config.yml"}


def test_launch_links_have_no_dot_segment():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"].get("path_to_book", "") in ("", None)  # "." puts "./" into every launch link
    assert config["execute"]["raise_on_error"] is True
