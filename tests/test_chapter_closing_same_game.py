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
def test_each_stage_raises_the_measure_of_its_own_data():
    """What the chapter's text says, recomputed: each stage raises its own held-out measure beyond a paired 95%
    interval (the same items before and after); pre-training and instruction fine-tuning raise theirs more than any
    other stage does, and DPO takes the preferences to their highest."""
    import jielong as jl
    from jielong.stats import bootstrap, mean

    run = jl.experiments.same_game_run(seed=0)
    measures, checkpoints = run["measures"], run["checkpoints"]
    for stage, data in enumerate(("text", "answers", "preferences"), start=1):
        before, after = measures[checkpoints[stage - 1]][data], measures[checkpoints[stage]][data]
        low, _ = bootstrap(lambda i: mean(after, i) - mean(before, i), len(before))
        assert low > 0, data
        rises = [mean(measures[b][data]) - mean(measures[a][data]) for a, b in zip(checkpoints, checkpoints[1:])]
        if data != "preferences":
            assert max(range(3), key=rises.__getitem__) == stage - 1, (data, rises)
    shares = [mean(measures[c]["preferences"]) for c in checkpoints]
    assert max(shares) == shares[-1]
