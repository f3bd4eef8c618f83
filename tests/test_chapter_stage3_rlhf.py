"""The chapter "Stage 3: learning from the reward model, and over-learning it", executed from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage3_rlhf.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 2 and "does not hold" not in verdicts
    assert len(outputs_of(nb, "image/png")) >= 1, "a figure is missing"
    assert len(panels_in(nb)) == 1, "the live panel is missing (or shown twice)"
    text = printed_in(nb)
    assert "start" in text and "best" in text and "'!' per answer" in text
