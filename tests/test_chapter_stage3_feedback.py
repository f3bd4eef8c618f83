"""The chapter "Stage 3: feedback and the reward model", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage3_feedback.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 3 and "does not hold" not in verdicts
    text = printed_in(nb)
    assert "held-out accuracy" in text and "one reward per answer" in text and "kappa" in text
