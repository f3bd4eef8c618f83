"""The chapter "Stage 1: cleaning the web", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in

CHAPTER = ROOT / "book" / "stage1_cleaning.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    assert len(outputs_of(nb, "image/png")) >= 1, "the cleaning figure is missing"
    assert panels_in(nb) == [], "this chapter has no panel"
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 1 and "does not hold" not in verdicts
