"""The chapter "Stage 3: rewards that check answers, and AI feedback", executed from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage3_grpo_rlaif.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 2 and "does not hold" not in verdicts
    assert len(outputs_of(nb, "image/png")) >= 1, "a figure is missing"
    text = printed_in(nb)
    assert "judge must be one of 'self', 'base'" in text and "DPO on its own labels" in text
