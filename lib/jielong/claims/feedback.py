"""The claims of lecture 8 (stage 3, learning from feedback), each with its control."""
from __future__ import annotations

from ..experiments.ai_feedback import rlaif_run
from ..experiments.policy_optimisation import RL_BETAS, direct_run, rl_run, verifiable_run
from ..experiments.preferences import PAIRS
from ..experiments.reward import best_of_n_run
from ..experiments.reward_pairs import LARGE_HELD_OUT, reward_pairs_run
from ..stats import mean
from ._clusters import clustered
from ._core import Claim, Measurement, paired, rate


def _reward_accuracy(seed: int, labels: str = "human") -> Measurement:
    """The default reward model's accuracy on the large held-out set, resampled by question (the pairs about one
    question are not independent; the chapter's 300 held-out pairs leave too wide an interval)."""
    run = reward_pairs_run(PAIRS, labels, seed=seed)
    return clustered(lambda i: mean(run["ordered_right"], i), run["ordered_questions"], seed)


def _best_of_n(seed: int, key: str = "quality") -> Measurement:
    result = best_of_n_run(seed=seed)
    upto = result["n"].index(16) + 1
    curve = result[key][:upto]
    rising = all(b >= a - 0.01 for a, b in zip(curve, curve[1:]))
    first, best = result["by_question"][key][0], result["by_question"][key][upto - 1]
    return paired(lambda i: mean(best, i) - mean(first, i), len(first), seed,
                  ("true quality rises at every n up to 16", rising))


def _kl_error(seed: int, target: str = "kl") -> Measurement:
    """The largest relative gap, over n from 2 to 32, between the simulated best-of-n KL and `target`."""
    result = best_of_n_run(seed=seed)
    gaps = [abs(s - t) / t for n, s, t in zip(result["n"], result["simulated_kl"], result[target]) if n > 1]
    below = all(kl <= bound + 1e-9 for kl, bound in zip(result["kl"], result["analytic_kl"]))
    return Measurement(max(gaps), floors=(("the exact KL stays under log n - (n-1)/n at every n", below),))


def _peak(history: list[dict]) -> int:
    """The checkpoint at which true quality peaks, on the running mean of three checkpoints (one lucky point of
    sampled answers does not pass for the peak)."""
    quality = [h["quality"] for h in history]
    smoothed = [sum(quality[i - 1:i + 2]) / 3 for i in range(1, len(quality) - 1)]
    return 1 + max(range(len(smoothed)), key=smoothed.__getitem__)


def _given_back(history: list[dict], indices: list[int] | None) -> tuple[float, float, float]:
    """(start, peak, end) of true quality along a run, on the questions at `indices`."""
    top = _peak(history)
    at = lambda k: mean(history[k]["quality_by_question"], indices)  # noqa: E731
    return at(0), sum(at(k) for k in (top - 1, top, top + 1)) / 3, at(-1)


def _overoptimisation(seed: int, beta: float = RL_BETAS[0]) -> Measurement:
    history = rl_run(beta=beta, seed=seed)["history"]

    def statistic(i: list[int] | None) -> float:
        start, peak, end = _given_back(history, i)
        return (peak - end) / (peak - start) if peak - start > 0 else 0.0

    start, peak, _ = _given_back(history, None)
    rose = history[-1]["reward"] - history[0]["reward"]
    return paired(statistic, len(history[0]["quality_by_question"]), seed,
                  ("the proxy reward rose by 0.5 or more", rose >= 0.5),
                  ("true quality first rose by 0.05 or more", peak - start >= 0.05))


def _drop(history: list[dict], i: list[int] | None) -> float:
    _, peak, end = _given_back(history, i)
    return peak - end


def _kl_holds_back(seed: int) -> Measurement:
    small, large = (rl_run(beta=beta, seed=seed)["history"] for beta in RL_BETAS)
    moved = large[-1]["reward"] - large[0]["reward"]
    return paired(lambda i: _drop(small, i) - _drop(large, i), len(small[0]["quality_by_question"]), seed,
                  ("the penalised policy moved: its proxy reward rose by 0.25 or more", moved >= 0.25))


def _verifiable_gives_back(seed: int) -> Measurement:
    return Measurement(_drop(verifiable_run(seed=seed)["history"], None))


def _gain(before: list[float], after: list[float], seed: int) -> Measurement:
    return paired(lambda i: mean(after, i) - mean(before, i), len(before), seed)


def _direct(method: str, labels: str, seed: int) -> Measurement:
    run = direct_run(method, seed=seed, labels=labels)
    return _gain(run["before"]["quality_by_question"], run["after"]["quality_by_question"], seed)


def _errors_fixed(seed: int, reward: str = "verifiable") -> Measurement:
    """The share of the policy's wrong answers that GRPO makes right: policies that start at different accuracies are
    judged on the room each had (one that starts at 0.73 right can gain at most 0.27)."""
    history = verifiable_run(seed=seed, reward=reward)["history"]
    before, after = history[0]["right_by_question"], history[-1]["right_by_question"]

    def statistic(i: list[int] | None) -> float:
        wrong = 1 - mean(before, i)
        return (mean(after, i) - mean(before, i)) / wrong if wrong > 0 else 0.0

    return paired(statistic, len(before), seed)


def _judge(seed: int, judge: str = "self") -> Measurement:
    return rate(rlaif_run(judge, seed)["agrees_with_human"])


CLAIMS = (
    Claim(
        "reward-model-imitates-the-human", 8, 3,
        "A reward model trained on the human's comparisons predicts their preferences on pairs of answers it was never "
        "trained on.",
        "reward_pairs_run", f"accuracy (against the true order) on {LARGE_HELD_OUT:,} held-out pairs, at the default "
        f"number of comparisons ({PAIRS:,})", 0.75,
        _reward_accuracy,
        "the same reward model trained on shuffled labels", lambda seed: _reward_accuracy(seed, "shuffled"),
    ),
    Claim(
        "best-of-n-improves", 8, 3,
        "Keeping the best of n answers by the reward model's score gives better answers as n grows.",
        "best_of_n_run", "true quality at n = 16 minus at n = 1", 0.2, _best_of_n,
        "the best of n by a reward that knows nothing (random scores)",
        lambda seed: _best_of_n(seed, "random_quality"),
    ),
    Claim(
        "best-of-n-kl", 8, 3,
        "Best-of-n stays close to the policy: its KL is the exact one of 'the top of n draws', never more than "
        "log n - (n-1)/n nats.",
        "best_of_n_run",
        "largest relative gap between the KL of simulated best-of-n draws and the exact KL, n from 2 to 32", 0.1,
        _kl_error,
        "the same gap to log n - (n-1)/n, which assumes no two answers are the same",
        lambda seed: _kl_error(seed, "analytic_kl"), at_most=True,
    ),
    Claim(
        "over-optimising-the-reward-model", 8, 3,
        "Learning too much from the virtual human hurts: its score keeps rising while true quality rises, then falls.",
        "rl_run", "share of its gain true quality gives back after its peak (small KL penalty)", 0.25,
        _overoptimisation,
        "the same run with a large KL penalty (beta 1)", lambda seed: _overoptimisation(seed, RL_BETAS[1]),
    ),
    Claim(
        "kl-penalty-holds-back", 8, 3,
        "A KL penalty that keeps the policy near where it started holds the over-optimisation back.",
        "rl_run", "true quality given back after the peak with the small penalty minus with the large one", 0.05,
        _kl_holds_back,
        "the quality given back when the reward checks the facts (nothing to over-optimise, nothing to hold back)",
        _verifiable_gives_back,
    ),
    Claim(
        "dpo-improves", 8, 3,
        "DPO learns from the preferences directly, with no reward model, and improves the answers.",
        "direct_run", "true quality after DPO minus before", 0.05, lambda seed: _direct("dpo", "human", seed),
        "DPO on the same pairs with shuffled labels", lambda seed: _direct("dpo", "shuffled", seed),
    ),
    Claim(
        "kto-improves", 8, 3,
        "KTO learns from unpaired thumbs-up and thumbs-down and improves the answers.",
        "direct_run", "true quality after KTO minus before", 0.02, lambda seed: _direct("kto", "human", seed),
        "KTO on the same answers with shuffled labels", lambda seed: _direct("kto", "shuffled", seed),
    ),
    Claim(
        "grpo-verifiable-reward", 8, 3,
        "With a reward that checks answers against the facts (DeepSeek's GRPO recipe), accuracy rises with training.",
        "verifiable_run", "share of the policy's wrong answers that GRPO makes right ((right after - right before) / "
        "wrong before)", 0.5, _errors_fixed,
        "GRPO rewarded by a coin that knows nothing", lambda seed: _errors_fixed(seed, "random"),
    ),
    Claim(
        "ai-judge-agrees", 8, 3,
        "RLAIF: a model can give the feedback, even to itself; where two answers state different facts, its "
        "judgments mostly agree with the human's.",
        "rlaif_run",
        "share of held-out pairs stating different facts (one of them right) on which the policy, as judge, prefers "
        "the answer the human preferred", 0.7, _judge,
        "a judge that prefers the longer answer", lambda seed: _judge(seed, "length"),
    ),
)
