"""The chapter "Stage 2: how much instruction data, and how good", as the book build executed it, top to bottom from a
clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage2_instruction_data.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    assert len(outputs_of(nb, "image/png")) >= 1, "the data-size figure is missing"
    printed = printed_in(nb)
    assert "pre-training corpus" in printed and "instruction data" in printed, "the token counts are missing"
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 1 and "does not hold" not in verdicts
