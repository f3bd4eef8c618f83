"""The chapter "Stage 3: learning without a reward model (DPO and KTO)", executed from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage3_dpo_kto.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 2 and "does not hold" not in verdicts
    assert len(outputs_of(nb, "image/png")) >= 2, "a figure is missing (the runs, the DPO panel's static twin)"
    assert len(panels_in(nb)) == 1, "the DPO panel is missing (or shown twice)"
    text = printed_in(nb)
    assert "DPO, beta" in text and "KTO, beta" in text and "SFT policy" in text
