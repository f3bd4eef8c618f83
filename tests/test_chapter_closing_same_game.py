"""The closing chapter "The same game, different data", as the book build executed it, top to bottom from a clean
kernel."""
import pytest

from conftest import ROOT, executed, outputs_of, panels_in

CHAPTER = ROOT / "book" / "closing_same_game.ipynb"


@pytest.mark.slow
def test_chapter_runs_and_shows_its_figure(built_book):
    nb = executed(built_book, CHAPTER)
    assert len(outputs_of(nb, "image/png")) == 1  # the one figure: three stages, their tokens and what they change
    assert not panels_in(nb)
    glued = {o["metadata"]["scrapbook"]["name"] for c in nb.cells for o in c.get("outputs", [])
             if "scrapbook" in o.get("metadata", {})}
    assert {"text_after_stage_1", "answers_after_stage_2", "preferences_after_stage_3"} <= glued


@pytest.mark.slow
def test_each_stage_moves_the_measure_of_its_own_data_most():
    """What the chapter's text says, recomputed: every stage's own held-out measure rises most at that stage, and
    each stage's rise clears its 95% interval (the interval of the checkpoint before lies wholly below)."""
    import jielong as jl

    run = jl.experiments.same_game_run(seed=0)
    means, intervals = run["means"], run["intervals"]
    checkpoints = run["checkpoints"]
    for stage, data in enumerate(("text", "answers", "preferences"), start=1):
        rises = [means[b][data] - means[a][data] for a, b in zip(checkpoints, checkpoints[1:])]
        assert max(range(3), key=rises.__getitem__) == stage - 1, (data, rises)
        assert intervals[checkpoints[stage - 1]][data][1] < intervals[checkpoints[stage]][data][0], data
