"""The chapter "Stage 0: background", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in

CHAPTER = ROOT / "book" / "stage0_background.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    assert len(outputs_of(nb, "image/png")) >= 3  # the pictures, the three searches (the static twin), the shortcut
    assert len(panels_in(nb)) == 1, "the live panel is missing (or shown twice)"
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 4 and "does not hold" not in verdicts and "not shown" not in verdicts
