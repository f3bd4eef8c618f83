"""Every claim of stages 1 to 3: verified on the book's seed here (trains several models: minutes), and on every
seed of `make verify`'s record, which must come from the current code and agree with what this suite recomputes."""
import json

import pytest

from conftest import ROOT, SEEDS
from jielong import claims, experiments as ex
from jielong.cache import code_version

RECORD = json.loads((ROOT / "benchmarks" / "verify.json").read_text())
LEAST_RECORDED_SEEDS = 5
# Training on 2 CPU threads repeats itself, but a float summed in another order may flip one greedy answer.
SAME_NUMBER = 0.02


def test_few_claims_are_marked_not_shown():
    marked = [c.id for c in claims.CLAIMS.values() if c.not_shown]
    assert set(marked) <= {"replay-prevents-forgetting", "self-replay-prevents-forgetting", "ju-yi-fan-san",
                           "over-optimising-the-reward-model", "kl-penalty-holds-back",
                           "lora-forgets-less", "more-pairs-better-reward-model",
                           "reward-model-imitates-the-human", "best-of-n-kl",
                           # failing on one seed each after the base model's 1000 steps and stage 3's noisy
                           # demonstrations, first verified at e48590f
                           "tasks-are-forgotten", "adapters-are-a-family",
                           "judging-is-easier-than-writing",
                           # failing on seed 2 only, whose policy starts with less to gain (seeds 2 to 4 first
                           # verified at this code in session 14)
                           "kto-improves"}, marked


def test_marks_name_claims_and_leave_the_verdicts_current():
    """A mark in claims/not_shown.py names a claim, and no claim's module imports it: its code version, which stamps
    the recorded verdicts, covers how the numbers are computed, not whether the book can show them."""
    import inspect

    from jielong.claims.not_shown import NOT_SHOWN

    assert set(NOT_SHOWN) <= set(claims.CLAIMS) and all(NOT_SHOWN.values())
    assert all(claims.CLAIMS[c].not_shown == text for c, text in NOT_SHOWN.items())
    assert not any("not_shown import" in inspect.getsource(m) for m in claims.MODULES)


def test_a_clustered_interval_draws_whole_clusters():
    from jielong.claims._clusters import clustered_difference

    a, b = [1, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0]
    one_cluster_each = clustered_difference(a, b, range(6), seed=0)
    by_person = clustered_difference(a, b, ["x", "x", "y", "y", "z", "z"], seed=0)
    assert one_cluster_each.effect == by_person.effect == pytest.approx(0.5)
    assert by_person.interval[1] - by_person.interval[0] > one_cluster_each.interval[1] - one_cluster_each.interval[0]
    with pytest.raises(ValueError, match="a, b and clusters must be as long"):
        clustered_difference(a, b[:5], range(6), seed=0)


def test_registry_is_complete():
    for claim in claims.CLAIMS.values():
        assert claim.lecture in (6, 7, 8) and 0 <= claim.stage <= 3
        assert claim.statement and claim.effect and claim.control and claim.bound[0] in "≥≤"
        assert hasattr(ex, claim.experiment)
        assert callable(claim.measure) and callable(claim.measure_control)
    assert {c.id for c in claims.CLAIMS.values() if c.stage == 1} >= {
        "self-supervised-learns-facts", "cleaning-matters", "bigger-models-help", "more-data-helps",
        "knows-but-cannot-answer"}
    assert len([c for c in claims.CLAIMS.values() if c.lecture == 8]) == 12


def test_bad_claim_or_seed():
    with pytest.raises(ValueError, match="claim_id must be one of"):
        claims.verify("the-moon-is-cheese")
    with pytest.raises(ValueError, match="seed must be an integer from 0"):
        claims.verify("cleaning-matters", seed=-1)


def _claim(measure, control, at_most=False, threshold=0.5):
    return claims.Claim("x", 6, 1, "s", "base_knowledge", "e", threshold, lambda seed: measure, "c",
                        lambda seed: control, at_most)


M = claims.Measurement


@pytest.mark.parametrize("measure, control, at_most, holds", [
    (M(0.8, (0.6, 0.9)), M(0.1), False, True),
    (M(0.8, (0.4, 0.9)), M(0.1), False, False),  # the interval's lower end misses: could be luck
    (M(0.8), M(0.6), False, False),  # the control passes too: the measure cannot tell
    (M(0.8, floors=(("learnt", False),)), M(0.1), False, False),  # a floor fails: nothing was learnt
    (M(0.1, (0.0, 0.3)), M(0.9), True, True),
    (M(0.1, (0.0, 0.6)), M(0.9), True, False),  # an upper bound: the interval's upper end must stay under
    (M(0.1), M(0.0, floors=(("learnt", False),)), True, True),  # the control passes the bound but not its floor
    (M(0.1), M(0.0), True, False),
])
def test_a_verdict_needs_interval_floors_and_a_failing_control(measure, control, at_most, holds):
    verdict = _claim(measure, control, at_most).verify(0)
    assert verdict.holds is holds
    assert verdict.effect == measure.effect and verdict.control == control.effect and verdict.interval == measure.interval


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("claim_id", list(claims.CLAIMS))
def test_claim_holds_and_its_control_fails(claim_id, seed):
    verdict = claims.verify(claim_id, seed=seed)
    claim = claims.CLAIMS[claim_id]
    assert not verdict.control_passes, str(verdict)
    if claim.not_shown:  # the book says plainly that it cannot show this one; its verdict is still measured
        assert "not shown at this scale" in verdict._repr_markdown_() or verdict.holds
        return
    assert verdict.holds, str(verdict)
    assert verdict.threshold == claim.threshold
    edge = verdict.effect if verdict.interval is None else verdict.interval[1 if claim.at_most else 0]
    assert claim.passes(edge) and all(verdict.floors.values())
    if verdict.interval is not None:
        # Wilson's bound for no success (or all) lands a rounding error (1e-19) inside the rate itself.
        assert verdict.interval[0] - 1e-12 <= verdict.effect <= verdict.interval[1] + 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", list(claims.CLAIMS))
def test_the_record_is_what_this_code_computes(claim_id):
    """The record's seed 0 is recomputed here: its other seeds were made the same way, by the same code."""
    verdict, recorded = claims.verify(claim_id, seed=0), RECORD["verdicts"][f"{claim_id}@0"]
    assert abs(verdict.effect - recorded["effect"]) <= SAME_NUMBER, (verdict.effect, recorded)
    assert abs(verdict.control - recorded["control"]) <= SAME_NUMBER, (verdict.control, recorded)


def test_every_claim_holds_on_every_recorded_seed():
    """Every claim the book shows holds, its control failing, on every seed of the record; a claim marked not shown
    is reported as measured (the book says why it cannot show it)."""
    for claim_id, claim in claims.CLAIMS.items():
        records = [r for r in RECORD["verdicts"].values() if r["claim"] == claim_id]
        stale = sorted(r["seed"] for r in records if r["code"] != claims.code(claim_id))
        assert not stale, f"{claim_id}: seeds {stale} were verified by older code: run make verify"
        seeds = sorted(r["seed"] for r in records)
        assert 0 in seeds and len(seeds) >= LEAST_RECORDED_SEEDS, f"{claim_id}: recorded on seeds {seeds} only"
        for record in records:
            assert claim.not_shown or (record["holds"] and not record["control_passes"]), (claim_id, record)


def test_a_claims_record_goes_stale_with_its_own_code_only():
    """Changing one stage's experiments re-verifies that stage's claims, not every claim of the book."""
    assert claims.code("cleaning-matters") == code_version("jielong.claims.pretraining")
    assert claims.code("dpo-improves") == code_version("jielong.claims.feedback")
    assert len({claims.code(c) for c in claims.CLAIMS}) == len(claims.MODULES)
    with pytest.raises(ValueError, match="claim_id must be one of"):
        claims.code("the-moon-is-cheese")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_base_model_knows_facts_but_cannot_answer(seed):
    """The issue's numbers, on the whole world: fact completion >= 80 %, direct questions <= 20 %."""
    result = ex.base_knowledge(seed)
    assert result["fact_accuracy"] >= 0.8
    assert result["qa_accuracy"] <= 0.2


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_fine_tuning_numbers(seed):
    """The issue's numbers: taught people >= 90 %; from the base model, untaught people >= 30 points above random."""
    base, scratch = ex.sft_run("base", seed=seed), ex.sft_run("random", seed=seed)
    assert base["seen_accuracy"] >= 0.9
    assert base["unseen_accuracy"] - scratch["unseen_accuracy"] >= 0.3


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lora_numbers(seed):
    """The issue's numbers: LoRA at its default rank trains 1-10% of the weights; it ends nearer the base."""
    lora, full = ex.lora_run(seed=seed), ex.full_run(seed)
    assert 0.01 <= lora["trainable_share"] <= 0.10
    assert lora["trainable"] < 0.1 * lora["parameters"]
    assert lora["weight_distance"] < full["weight_distance"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_forgetting_numbers(seed):
    """Task B is learnt while A is forgotten; either replay keeps more of A than replaying B's own examples."""
    plain = ex.forgetting_run(seed=seed)
    assert plain["b_after"] >= plain["b_before"] + 0.5, "task B was not learnt"
    assert plain["a_before"] - plain["a_after"] >= 0.3
    control = ex.forgetting_run(replay=1.0, kind="task-b", seed=seed)
    for kind in ("real", "generated"):
        replayed = ex.forgetting_run(replay=1.0, kind=kind, seed=seed)
        assert replayed["replayed"] > 0 and replayed["a_after"] > control["a_after"] + 0.1, kind


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_imitation_numbers(seed):
    """The student copies the style (>= 90%) but not facts only the teacher knew (near chance)."""
    run = ex.imitation_run(seed=seed)
    assert run["teacher_accuracy"] >= 0.9
    assert run["unknown"]["format"] >= 0.9 and run["known"]["format"] >= 0.9
    assert run["unknown"]["accuracy"] <= run["unknown"]["chance"] + 0.1
    assert run["known"]["accuracy"] >= run["unknown"]["accuracy"] + 0.3  # what it read, it can use


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_held_out_figures_saw_no_training(seed):
    """Each experiment's record of what it trained on and what it tested on: the two never meet."""
    tested_a = {q.question for q in ex.task_a_split(seed)[1]}
    for kind in ("real", "generated"):
        assert not set(ex.forgetting_run(replay=1.0, kind=kind, seed=seed)["replayed_questions"]) & tested_a, kind
    run = ex.imitation_run(seed=seed)
    assert not set(run["asked"]) & set(run["known"]["questions"] + run["unknown"]["questions"])
    for pairs in (ex.PAIRS, ex.FEW_PAIRS):
        train, held = ex.preference_data(seed, pairs)
        assert len(held) == ex.HELD_OUT_PAIRS and not {ex.pair_key(r) for r in train} & {ex.pair_key(r) for r in held}
