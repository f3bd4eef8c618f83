"""The book's matplotlib figures, one function per kind of figure; each returns its Figure."""
from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib import animation
from matplotlib.figure import Figure
from transformers import PreTrainedTokenizerFast

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def draw_training(fig: Figure, curve: list, checkpoints: list, max_steps: int, title: str = "") -> Figure:
    """Draw a run's training and held-out loss (left) and its latest sample completions (right) into `fig`."""
    fig.clear()
    ax, text = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    if curve:
        # The newest point is marked, so that a live run's first point is visible before there is a line.
        ax.plot(*zip(*curve), "-o", markevery=[len(curve) - 1], label="training loss", color=COLORS[0])
    if checkpoints:
        ax.plot([c["step"] for c in checkpoints], [c["val_loss"] for c in checkpoints], "o-",
                label="held-out loss", color=COLORS[1])
    ax.set(xlim=(0, max_steps), xlabel="step", ylabel="loss (nats per token)", title=title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    text.axis("off")
    if checkpoints:
        last = checkpoints[-1]
        lines = [f"step {last['step']}: the model continues"] + [f"… {s!r}" for s in last["samples"]]
        text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9, wrap=True)
    # A fixed layout: tight_layout would render the figure once more on every live redraw.
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.1)
    return fig


def training_figure(result: dict) -> Figure:
    """A finished `pretraining_run` as a figure."""
    fig = plt.figure(figsize=(10, 3.6))
    return draw_training(fig, result["curve"], result["checkpoints"], result["steps"],
                         f"{result['preset']} ({result['parameters']:,} parameters)")


def scaling_figure(sweep: dict) -> Figure:
    """Held-out loss against tokens read, one line per model size, and each model's lowest held-out loss against
    parameters."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, run in enumerate(sweep["runs"]):
        tokens = [c["step"] * run["tokens_per_step"] for c in run["checkpoints"]]
        left.plot(tokens, [c["val_loss"] for c in run["checkpoints"]], "o-", color=COLORS[i],
                  label=f"{run['preset']} ({run['parameters']:,})")
    left.set(xscale="log", xlabel="tokens read", ylabel="held-out loss", title="while training")
    left.legend()
    params = [r["parameters"] for r in sweep["runs"]]
    best = [min(c["val_loss"] for c in r["checkpoints"]) for r in sweep["runs"]]
    right.plot(params, best, "o-", color="k")
    for r, loss in zip(sweep["runs"], best):
        right.annotate(r["preset"], (r["parameters"], loss), textcoords="offset points", xytext=(5, 5))
    right.set(xscale="log", xlabel="parameters", ylabel="lowest held-out loss", title="bigger models")
    fig.tight_layout()
    return fig


def data_figure(sweep: dict) -> Figure:
    """Held-out loss against the number of distinct people read (same model, same steps), with the control: the
    fewest people's text copied to as many tokens as the most."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    people = [r["people"] for r in sweep["runs"]]
    ax.plot(people, [r["val_loss"] for r in sweep["runs"]], "o-", color=COLORS[0], label="distinct biographies")
    repeated = sweep["repeated"]
    ax.plot([people[-1]], [repeated["val_loss"]], "x", color=COLORS[3], markersize=10,
            label=f"{repeated['people']} people's biographies x {repeated['copies']}")
    ax.set(xlabel="people whose biographies the model read", ylabel="held-out loss", xticks=people)
    ax.legend()
    fig.tight_layout()
    return fig


def cleaning_figure(results: list[dict]) -> Figure:
    """Fact accuracy and held-out loss for each set of filters."""
    labels = [" + ".join(r["filters"]) or "no filter" for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.barh(labels, [r["fact_accuracy"] for r in results], color=COLORS[2])
    left.set(xlim=(0, 1), xlabel="facts completed correctly")
    right.barh(labels, [r["val_loss"] for r in results], color=COLORS[3])
    right.set(xlabel="held-out loss on clean biographies")
    right.set_yticklabels([])
    fig.tight_layout()
    return fig


def knowledge_figure(result: dict) -> Figure:
    """The base model's fact completion against its answers to direct questions."""
    fig, ax = plt.subplots(figsize=(6, 2.4))
    ax.barh(["asked 'Where was X born?'", "completing 'X was born in'"],
            [result["qa_accuracy"], result["fact_accuracy"]], color=[COLORS[3], COLORS[2]])
    ax.set(xlim=(0, 1), xlabel=f"share correct over all {result['people']} people x 5 facts")
    fig.tight_layout()
    return fig


def sweep_animation(sweep: dict) -> animation.FuncAnimation:
    """Scrub through training: every model size's held-out loss and its completions, checkpoint by checkpoint."""
    runs = sweep["runs"]
    frames = min(len(r["checkpoints"]) for r in runs)
    fig, (ax, text) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    top = max(c["val_loss"] for r in runs for c in r["checkpoints"])
    prompts = runs[0]["prompts"]

    def draw(k: int):
        ax.clear()
        text.clear()
        text.axis("off")
        lines = []
        for i, run in enumerate(runs):
            cps = run["checkpoints"][: k + 1]
            ax.plot([c["step"] for c in cps], [c["val_loss"] for c in cps], "o-", color=COLORS[i],
                    label=f"{run['preset']} ({run['parameters']:,})")
            lines.append(f"{run['preset']:>6}: {prompts[0]} … {cps[-1]['samples'][0]!r}")
        step = runs[0]["checkpoints"][k]["step"]
        ax.set(xlim=(0, runs[0]["steps"]), ylim=(0, top * 1.05), xlabel="step", ylabel="held-out loss",
               title=f"step {step}")
        ax.legend(loc="upper right")
        lines.append(f"{'truth':>6}: {runs[0]['answers'][0]}")
        text.text(0, 0.9, "\n\n".join(lines), va="top", family="monospace", fontsize=8)
        fig.tight_layout()

    anim = animation.FuncAnimation(fig, draw, frames=frames, interval=400)
    plt.close(fig)
    return anim


def scrubber(anim: animation.Animation) -> HTML:
    """An animation as a self-contained HTML player (a slider and buttons) that works without a kernel.

    matplotlib links its button icons from a CDN; the link is dropped so that an offline page makes no request
    (the book's theme ships the same icon font).
    """
    page = anim.to_jshtml()
    return HTML(re.sub(r'<link rel="stylesheet"[^>]*font-awesome[^>]*>', "", page))


def loss_mask(tokenizer: PreTrainedTokenizerFast, conversation: list[dict[str, str]]) -> HTML:
    """The tokens of one chat exchange, those the fine-tuning loss is computed on highlighted."""
    enc = tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    cells = []
    for token, trained in zip(tokenizer.convert_ids_to_tokens(enc["input_ids"]), enc["assistant_masks"]):
        style = "background:#ffd54f;font-weight:bold" if trained else "background:#eeeeee;color:#666"
        cells.append(f'<span style="{style};padding:2px 4px;margin:1px;border-radius:3px;font-family:monospace">'
                     f"{html.escape(token.replace('Ġ', '␣'))}</span>")
    legend = ('<div style="margin-top:6px;font-size:90%">highlighted: the loss is computed on these tokens; '
              "grey: context only</div>")
    return HTML('<div style="line-height:2.2">' + "".join(cells) + "</div>" + legend)


# --- stage 2 -------------------------------------------------------------------------------------------------


def _loss(ax, curve: list, max_steps: int, title: str = "") -> None:
    if curve:
        ax.plot(*zip(*curve), "-o", markevery=[len(curve) - 1], color=COLORS[0])  # the newest point marked
    ax.set(xlim=(0, max_steps), xlabel="step", ylabel="fine-tuning loss", title=title)
    ax.set_ylim(bottom=0)


def draw_diversity(ax, runs: list[dict]) -> None:
    """Accuracy on taught and untaught people against pre-training diversity, one colour per fine-tuning size."""
    sizes = sorted({r["sft_people"] for r in runs})
    for i, size in enumerate(sizes):
        mine = sorted((r for r in runs if r["sft_people"] == size), key=lambda r: r["diversity"])
        x = [r["diversity"] for r in mine]
        ax.plot(x, [r["unseen_accuracy"] for r in mine], "o-", color=COLORS[i % len(COLORS)],
                label=f"untaught people (SFT on {size})")
        ax.plot(x, [r["seen_accuracy"] for r in mine], "o:", mfc="none", color=COLORS[i % len(COLORS)],
                label=f"taught people (SFT on {size})")
    ax.set(ylim=(0, 1.02), xlabel="renderings per person in pre-training (diversity)", ylabel="QA accuracy")
    ax.set_xticks(sorted({r["diversity"] for r in runs}) or [1])
    if runs:
        ax.legend(fontsize=7, loc="upper left")


def draw_ju_yi_fan_san(fig: Figure, curve: list, max_steps: int, runs: list[dict]) -> Figure:
    """The 举一反三 panel: the live fine-tuning loss (left) and every finished run's accuracy (right)."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    _loss(left, curve, max_steps, "fine-tuning")
    draw_diversity(right, runs)
    right.set_title("learn one, infer three")  # matplotlib's default font has no CJK glyphs
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
    return fig


def diversity_figure(runs: list[dict]) -> Figure:
    """The static twin of the 举一反三 panel: a finished sweep over diversity and fine-tuning size."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    draw_diversity(ax, runs)
    fig.tight_layout()
    return fig


LORA_BAND = (0.01, 0.10)


def draw_lora(axes, runs: list[dict], reference: dict | None = None) -> None:
    """LoRA runs: accuracy against the share of trainable weights (the 1-10% band shaded), and weight distance."""
    acc, dist = axes
    for ax in axes:
        ax.axvspan(*LORA_BAND, color="#c8e6c9", alpha=0.6, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("share of the weights trained")
    shares = [r["trainable_share"] for r in runs]
    acc.plot(shares, [r["seen_accuracy"] for r in runs], "o", mfc="none", color=COLORS[1], label="taught people")
    acc.plot(shares, [r["unseen_accuracy"] for r in runs], "o", color=COLORS[1], label="untaught people")
    dist.plot(shares, [r["weight_distance"] for r in runs], "s", color=COLORS[2], label="LoRA")
    for r in runs:
        acc.annotate(f"r={r['rank']}", (r["trainable_share"], r["unseen_accuracy"]), textcoords="offset points",
                     xytext=(4, -10), fontsize=7)
    if reference is not None:
        for ax, key in ((acc, "seen_accuracy"), (acc, "unseen_accuracy"), (dist, "weight_distance")):
            ax.plot([1.0], [reference[key]], "*", ms=11, color="k")
        acc.plot([], [], "*", color="k", label="full fine-tuning")
        dist.plot([], [], "*", color="k", label="full fine-tuning")
    acc.set(ylim=(0, 1.02), ylabel="QA accuracy", xlim=(3e-4, 1.5))
    dist.set(ylabel="distance from the base weights", xlim=(3e-4, 1.5))
    dist.set_ylim(bottom=0)
    # Legends above the axes: inside, they covered the points they describe.
    acc.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)
    dist.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)


def draw_lora_panel(fig: Figure, curve: list, max_steps: int, runs: list[dict], reference: dict | None) -> Figure:
    """The LoRA panel: the live fine-tuning loss, then every finished run's accuracy and weight distance."""
    fig.clear()
    axes = fig.subplots(1, 3)
    _loss(axes[0], curve, max_steps, "fine-tuning the adapter")
    draw_lora(axes[1:], runs, reference)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def lora_figure(runs: list[dict], reference: dict | None = None) -> Figure:
    """The static twin of the LoRA panel: a finished sweep over rank."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    draw_lora(axes, runs, reference)
    fig.tight_layout()
    return fig


def draw_forgetting(ax, checkpoints: list[dict], max_steps: int, title: str = "") -> None:
    """Task A's and task B's accuracy while the model learns task B."""
    steps = [c["step"] for c in checkpoints]
    ax.plot(steps, [c["a"] for c in checkpoints], "o-", color=COLORS[3], label="task A: questions about people")
    ax.plot(steps, [c["b"] for c in checkpoints], "s-", color=COLORS[2], label="task B: what kind of thing")
    ax.set(xlim=(0, max_steps), ylim=(0, 1.02), xlabel="step of learning task B", ylabel="accuracy", title=title)
    ax.legend(fontsize=7, loc="center right")


def draw_forgetting_panel(fig: Figure, checkpoints: list[dict], max_steps: int, title: str, runs: list[dict]) -> Figure:
    """The forgetting panel: both tasks' accuracy while B is learnt (left), each finished run's A after B (right)."""
    fig.clear()
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    draw_forgetting(left, checkpoints, max_steps, title)
    labels = [_forgetting_label(r) for r in runs]
    right.barh(range(len(runs)), [r["a_after"] for r in runs], color=COLORS[3])
    right.set_yticks(range(len(runs)), labels, fontsize=7)
    right.set(xlim=(0, 1), xlabel="task A accuracy after B", title="finished runs")
    right.invert_yaxis()
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.6)
    return fig


def _forgetting_label(r: dict) -> str:
    replay = f"{r['replay']:.0%} {r['kind']} replay" if r["replay"] else "no replay"
    return f"{r['method']}, {replay}, lr {r['lr']:g}"


def forgetting_figure(runs: list[dict]) -> Figure:
    """The static twin of the forgetting panel: task A accuracy after B against the replay ratio, per replay kind."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    plain = [r for r in runs if r["method"] == "full"]
    none = [r for r in plain if r["replay"] == 0]
    for i, kind in enumerate(("real", "generated")):
        mine = sorted(none + [r for r in plain if r["kind"] == kind and r["replay"] > 0], key=lambda r: r["replay"])
        left.plot([r["replay"] for r in mine], [r["a_after"] for r in mine], "o-", color=COLORS[i],
                  label=f"{kind} task-A examples replayed")
    if plain:
        left.axhline(plain[0]["a_before"], ls="--", color="grey", label="task A before learning B")
    left.set(ylim=(0, 1.02), xlabel="replayed A examples, as a share of B's data", ylabel="task A accuracy after B")
    left.legend(fontsize=7)
    labels = [_forgetting_label(r) for r in runs]
    right.barh(range(len(runs)), [r["a_after"] for r in runs], color=COLORS[3], label="task A after B")
    right.barh(range(len(runs)), [r["b_after"] for r in runs], height=0.3, color=COLORS[2], label="task B after B")
    right.set_yticks(range(len(runs)), labels, fontsize=7)
    right.set(xlim=(0, 1), xlabel="accuracy")
    right.invert_yaxis()
    right.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def imitation_figure(runs: list[dict]) -> Figure:
    """The student's style and facts against the number of the teacher's answers it imitated."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = [r["examples"] for r in runs]
    ax.plot(x, [r["unknown"]["format"] for r in runs], "o-", color=COLORS[0], label="answers in the teacher's style")
    ax.plot(x, [r["known"]["accuracy"] for r in runs], "s-", color=COLORS[2],
            label="right facts: people the student read about")
    ax.plot(x, [r["unknown"]["accuracy"] for r in runs], "s-", color=COLORS[3],
            label="right facts: people only the teacher knows")
    ax.plot(x, [r["unknown"]["chance"] for r in runs], "--", color="grey", label="chance")
    ax.set(xscale="log", ylim=(0, 1.02), xlabel="teacher's answers imitated", ylabel="share of answers")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# --- stage 3: learning from feedback ------------------------------------------------------------------------

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
    _loss(left, curve, max_steps, "training the reward model")
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
