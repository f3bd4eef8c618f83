"""The chapter "Stage 2: imitating a stronger model", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in

CHAPTER = ROOT / "book" / "stage2_imitation.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 2 and "does not hold" not in verdicts
    assert len(outputs_of(nb, "image/png")) >= 1, "a figure is missing"
    assert panels_in(nb) == [], "this chapter has no panel"
