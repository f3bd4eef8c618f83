"""The claims of lecture 6 (stage 1, pre-training), each with its control."""
from __future__ import annotations

from ..experiments.fine_tuning import sft_run
from ..experiments.pretraining import base_knowledge, cleaning_run, data_sweep, scaling_sweep
from ..stats import mean
from ._core import Claim, Measurement, paired, rate


def _facts(seed: int) -> Measurement:
    return rate(base_knowledge(seed)["facts_correct"])


def _untrained_facts(seed: int) -> Measurement:
    return Measurement(base_knowledge(seed)["untrained_fact_accuracy"])


def _facts_gain(with_filters: dict, without: dict, seed: int) -> Measurement:
    a, b = with_filters["facts_correct"], without["facts_correct"]
    return paired(lambda i: mean(a, i) - mean(b, i), len(a), seed)


def _cleaning(seed: int) -> Measurement:
    return _facts_gain(cleaning_run(seed=seed), cleaning_run(filters=(), seed=seed), seed)


def _cleaning_clean_text(seed: int) -> Measurement:
    return _facts_gain(cleaning_run(seed=seed, dirty=False), cleaning_run(filters=(), seed=seed, dirty=False), seed)


def _drop(small: float, large: float) -> float:
    return 1 - large / small


def _size(seed: int) -> Measurement:
    runs = scaling_sweep(seed=seed)["runs"]
    best = [min(c["val_loss"] for c in run["checkpoints"]) for run in runs]  # each size at its best, before it overfits
    learnt = best[-1] < 0.5 * runs[-1]["untrained_val_loss"]
    return Measurement(_drop(best[0], best[-1]),
                       floors=(("the largest model halved its untrained held-out loss", learnt),))


def _size_untrained(seed: int) -> Measurement:
    runs = scaling_sweep(seed=seed)["runs"]
    return Measurement(_drop(runs[0]["untrained_val_loss"], runs[-1]["untrained_val_loss"]))


def _data(seed: int) -> Measurement:
    runs = data_sweep(seed=seed)["runs"]
    return Measurement(_drop(runs[0]["val_loss"], runs[-1]["val_loss"]))


def _data_repeated(seed: int) -> Measurement:
    sweep = data_sweep(seed=seed)
    return Measurement(_drop(sweep["runs"][0]["val_loss"], sweep["repeated"]["val_loss"]))


def _knows_not_answers(seed: int) -> Measurement:
    result = base_knowledge(seed)
    facts, answers = result["facts_correct"], result["qa_correct"]
    return paired(lambda i: mean(facts, i) - mean(answers, i), len(facts), seed,
                  ("facts completed ≥ 0.8", mean(facts) >= 0.8), ("questions answered ≤ 0.2", mean(answers) <= 0.2))


def _knows_and_answers_after_sft(seed: int) -> Measurement:
    run = sft_run("base", seed=seed)
    facts, answers = run["facts_after_correct"], run["unseen_correct"]
    return Measurement(mean(facts) - mean(answers),
                       floors=(("facts completed ≥ 0.8", mean(facts) >= 0.8),
                               ("questions answered ≤ 0.2", mean(answers) <= 0.2)))


CLAIMS = (
    Claim(
        "self-supervised-learns-facts", 6, 1,
        "Predicting the next token of raw biographies, with no labels, teaches the model the world's facts.",
        "base_knowledge", "share of facts the base model completes correctly", 0.8, _facts,
        "the same architecture with its random initial parameters", _untrained_facts,
    ),
    Claim(
        "cleaning-matters", 6, 1,
        "Web text must be cleaned: with junk, spam and duplicates filtered out, the same training budget learns many "
        "more facts.",
        "cleaning_run", "fact accuracy with all filters minus fact accuracy on the dirty corpus", 0.2, _cleaning,
        "the same filters on a corpus with no junk in it", _cleaning_clean_text,
    ),
    Claim(
        "bigger-models-help", 6, 1,
        "A bigger model trained on the same tokens reaches a lower loss on text it has not seen (biographies of "
        "people held out of training).",
        "scaling_sweep", "relative drop in the lowest held-out loss from the smallest to the largest model", 0.25, _size,
        "the same two models untrained", _size_untrained,
    ),
    Claim(
        "more-data-helps", 6, 1,
        "The same model, for the same number of steps, reaches a lower held-out loss when it reads more distinct text.",
        "data_sweep", "relative drop in held-out loss from 12 people's biographies to 48 people's", 0.4, _data,
        "12 people's biographies copied four times (as many tokens as 48 people's, no new text)", _data_repeated,
    ),
    Claim(
        "knows-but-cannot-answer", 6, 1,
        "The pre-trained model completes 'X was born in' correctly but cannot answer 'Where was X born?': it has the "
        "knowledge without knowing how to use it.",
        "base_knowledge", "fact-completion accuracy minus question-answering accuracy", 0.6, _knows_not_answers,
        "the same gap after instruction fine-tuning, on people it was not asked about", _knows_and_answers_after_sft,
    ),
)
