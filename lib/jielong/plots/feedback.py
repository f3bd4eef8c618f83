"""Stage 3's figures: reward models, best-of-n, RL against a reward model, DPO/KTO, verifiable rewards."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ._common import COLORS, loss_curve


def draw_reward_models(ax, runs: list[dict]) -> None:
    """Reward models' held-out pairwise accuracy against the number of human comparisons they learnt from."""
    runs = sorted(runs, key=lambda r: r["pairs"])
    pairs = [r["pairs"] for r in runs]
    ax.plot(pairs, [r["accuracy"] for r in runs], "o-", color=COLORS[0], label="all pairs")
    ax.plot(pairs, [r["fact_accuracy"] for r in runs], "s--", color=COLORS[1], label="right fact vs wrong")
    ax.plot(pairs, [r["friendly_accuracy"] for r in runs], "^--", color=COLORS[2], label="friendly \"!\" vs not")
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set(ylim=(0.4, 1.0), xlabel="human comparisons learnt from", ylabel="held-out pairwise accuracy")
    if runs:  # a log axis needs data; a panel draws before its first run ends
        ax.set_xscale("log")
        ax.legend(fontsize=7, loc="lower right")


def draw_reward_model_panel(fig: Figure, curve: list, max_steps: int, runs: list[dict]) -> Figure:
    """The reward-model panel: the live loss, then every finished run's accuracy against its number of pairs."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    loss_curve(left, curve, max_steps, "training the reward model")
    draw_reward_models(right, runs)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def reward_model_figure(runs: list[dict]) -> Figure:
    """The static twin of the reward-model panel: accuracy against the number of pairs."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    draw_reward_models(ax, runs)
    fig.tight_layout()
    return fig


def best_of_n_figure(result: dict) -> Figure:
    """Best-of-n: true quality and reward-model score against n (left), KL from the policy against the formula."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    n = result["n"]
    left.plot(n, result["quality"], "o-", color=COLORS[0], label="true quality (hidden)")
    left.plot(n, result["reward"], "s--", color=COLORS[1], label="reward model's score")
    if "random_quality" in result:
        left.plot(n, result["random_quality"], "^:", color=COLORS[3], label="true quality, random scores (control)")
    left.set(xscale="log", xlabel="n (answers sampled, best one kept)", ylabel="mean over questions")
    left.set_xticks(n, [str(x) for x in n])
    left.legend(fontsize=8)
    right.plot(n, result["analytic_kl"], "-", color="k", label="log n - (n-1)/n")
    right.plot(n, result["kl"], "o", color=COLORS[2], label="exact")
    if "simulated_kl" in result:
        right.plot(n, result["simulated_kl"], "x", color=COLORS[0], label="simulated best-of-n")
    right.set(xscale="log", xlabel="n", ylabel="KL from the policy (nats)")
    right.set_xticks(n, [str(x) for x in n])
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def draw_rl(ax, history: list[dict], max_steps: int, label: str = "", color: str = COLORS[0]) -> None:
    """A policy-optimisation run: true quality (solid) and the reward model's score (dashed) against the step."""
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["quality"] for h in history], "o-", color=color, label=f"true quality{label}")
    if history and "reward" in history[0]:
        ax.plot(steps, [h["reward"] for h in history], "s--", color=color, alpha=0.6, label=f"reward model{label}")
    ax.set(xlim=(0, max_steps), xlabel="step", ylabel="mean score of the answers")


def rl_figure(runs: list[dict]) -> Figure:
    """Runs against the reward model at several KL penalties: proxy and true quality against the step (left),
    true quality against the proxy (right: where the two part ways)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, r in enumerate(runs):
        draw_rl(left, r["history"], r["steps"], f", beta {r['beta']:g}", COLORS[i])
        right.plot([h["reward"] for h in r["history"]], [h["quality"] for h in r["history"]], "o-", color=COLORS[i],
                   label=f"beta {r['beta']:g}")
    left.legend(fontsize=7, loc="upper left")
    right.set(xlabel="reward model's score (proxy)", ylabel="true quality")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def draw_rl_panel(fig: Figure, history: list[dict], max_steps: int, runs: list[dict], reference: list[dict]) -> Figure:
    """The RL panel: the live run's proxy and true quality (left); the finished runs and the book's long runs
    (right), true quality against the proxy."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    draw_rl(left, history, max_steps)
    left.legend(fontsize=7, loc="upper left")
    for i, r in enumerate(reference):
        right.plot([h["reward"] for h in r["history"]], [h["quality"] for h in r["history"]], "-", color="grey",
                   alpha=0.5 + 0.2 * i, label=f"book's run, beta {r['beta']:g}, {r['steps']} steps")
    for i, r in enumerate(runs):
        right.plot([h["reward"] for h in r["history"]], [h["quality"] for h in r["history"]], "o-",
                   color=COLORS[i % len(COLORS)], label=f"beta {r['beta']:g}, {r['steps']} steps")
    right.set(xlabel="reward model's score (proxy)", ylabel="true quality")
    if reference or runs:
        right.legend(fontsize=6)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.92, wspace=0.3)
    return fig


def direct_figure(runs: list[dict], reference: tuple[str, float] | None = None) -> Figure:
    """DPO and KTO: true quality after training against beta, beside the policy before and, as `reference`, a
    (label, true quality) of the reward-model route."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for i, method in enumerate(("dpo", "kto")):
        mine = sorted((r for r in runs if r["method"] == method), key=lambda r: r["beta"])
        ax.plot([r["beta"] for r in mine], [r["after"]["quality"] for r in mine], "o-", color=COLORS[i],
                label=method.upper())
    if runs:
        ax.axhline(runs[0]["before"]["quality"], color="grey", ls=":", label="the SFT policy")
    if reference is not None:
        ax.axhline(reference[1], color="k", ls="--", label=reference[0])
    ax.set(xscale="log", xlabel="beta", ylabel="true quality")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def verifiable_figure(result: dict) -> Figure:
    """GRPO with a verifiable reward: the share of right answers against the step."""
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    history = result["history"]
    ax.plot([h["step"] for h in history], [h["right"] for h in history], "o-", color=COLORS[2])
    ax.set(xlim=(0, result["steps"]), ylim=(0, 1), xlabel="GRPO step", ylabel="share of right answers (sampled)")
    fig.tight_layout()
    return fig


def _draw_dpo_shares(ax, runs: list[dict]) -> None:
    """The held-out share after each DPO run against its beta, beside the SFT policy's and chance."""
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.text(12, 0.5, " chance", va="center", fontsize=7, color="grey")
    if runs:
        ax.axhline(runs[0]["before"]["share"], color=COLORS[1], ls="--", label="the SFT policy (no DPO)")
        ax.plot([r["beta"] for r in runs], [r["after"]["share"] for r in runs], "o", color=COLORS[0],
                label="after DPO")
        for r in runs:
            ax.annotate(f"{r['steps']} steps", (r["beta"], r["after"]["share"]), fontsize=6,
                        textcoords="offset points", xytext=(4, 4))
        ax.legend(fontsize=7, loc="lower left")
    ax.set(xscale="log", xlim=(0.005, 20), ylim=(0.3, 1.0), xlabel="beta",
           ylabel="held-out pairs: better answer\nthe more likely")


def draw_dpo_panel(fig: Figure, curve: list, max_steps: int, runs: list[dict]) -> Figure:
    """The DPO panel: the live DPO loss (left); the held-out share after each finished run against its beta (right)."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    loss_curve(left, curve, max_steps, "DPO loss (live)")
    left.set_ylabel("DPO loss")
    _draw_dpo_shares(right, runs)
    fig.tight_layout()
    return fig


def dpo_live_figure(runs: list[dict]) -> Figure:
    """The DPO panel's static twin: the loss of short DPO runs with different betas, and the held-out share after."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    for i, r in enumerate(runs):
        left.plot(*zip(*r["curve"]), color=COLORS[(i + 2) % len(COLORS)], label=f"beta {r['beta']:g}")
    left.set(xlabel="step", ylabel="DPO loss", title=f"short DPO runs ({runs[0]['steps']} steps)")
    left.legend(fontsize=7)
    _draw_dpo_shares(right, runs)
    fig.tight_layout()
    return fig
