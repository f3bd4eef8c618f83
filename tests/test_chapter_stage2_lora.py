"""The chapter "Stage 2: adapters and LoRA", as the book build executed it, top to bottom from a clean kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in, verdicts_in, printed_in

CHAPTER = ROOT / "book" / "stage2_lora.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_results(built_book):
    nb = executed(built_book, CHAPTER)
    verdicts = verdicts_in(nb)
    assert verdicts.count("Verdict") == 4 and "does not hold" not in verdicts
    assert len(outputs_of(nb, "image/png")) >= 1, "a figure is missing"
    assert len(panels_in(nb)) == 1, "the live panel is missing (or shown twice)"
    text = printed_in(nb)
    assert "rank must be an integer from 1 to 128" in text and "targets must be chosen from" in text
    assert "IA3" in text and "LoRA at rank 8" in text
    assert "tokens of the fine-tuning data that pre-training never read: <|user|>" in text
    assert "With its embeddings frozen, LoRA answers exactly one of the two birth questions right for" in text
