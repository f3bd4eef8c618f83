"""ipywidgets panels: knobs, run and stop buttons, and a plot that updates while the model trains.

Training runs in a background thread so that the stop button stays live; the plot is drawn with
matplotlib's Agg canvas into an image widget, which is safe to update from that thread.
"""
from __future__ import annotations

import html
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import torch
from matplotlib.figure import Figure

from .base import BaseSpec, base_model
from .experiments import (FORGET_BATCH, LIVE_STEPS, LORA_BATCH, PAIRS, REWARD_LR, RL, SFT_BATCH, dpo_live_run,
                          forgetting_run, learning_rate_run, lora_run, pretraining_run, reward_model_run, rl_run, sft_run)
from .models import LORA_TARGETS, PRESETS
from .pictures import LR_MAX
from .plots import (draw_dpo_panel, draw_forgetting_panel, draw_ju_yi_fan_san, draw_learning_rate_panel,
                    draw_lora_panel, draw_reward_model_panel, draw_rl_panel, draw_training)
from .train import check_training_knobs
from .validation import check_beta, check_choice, check_float, check_int, check_subset

REDRAW_SECONDS = 1.0
# torch threads while a panel trains. With two, each step waits for the slower thread, and beside another busy process
# (a second notebook) one of them is often off the core: re-runs took 1.2 to 1.6 times as long as with one thread
# (`make bench`, both ways). The small models are as fast or faster on one thread when the machine is idle; the two
# panels that train on batches of 32 (举一反三's SFT, the reward model's comparisons) keep torch's own choice, which is
# about 1 s faster idle.
PANEL_THREADS = 1


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class Panel:
    """A generic panel: `knobs` feed `run_fn(**values, callback=..., stop=...)`; `draw(fig, state)` plots."""

    def __init__(self, knobs: dict[str, w.ValueWidget], run_fn: Callable[..., dict],
                 draw: Callable[[Figure, dict], None], figsize: tuple[float, float] = (10, 3.6),
                 threads: int | None = PANEL_THREADS):
        if threads is not None:
            check_int("threads", threads, 1, 1024)
        self.knobs, self.run_fn, self.draw, self.threads = knobs, run_fn, draw, threads
        self.figure = Figure(figsize=figsize)
        self.image = w.Image(format="png")
        self.message = w.HTML()
        self.run_button = w.Button(description="Train", button_style="primary", icon="play")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.run_button.on_click(lambda _: self.run())
        self.stop_button.on_click(lambda _: self.stop())
        for knob in knobs.values():
            if isinstance(knob, (w.IntSlider, w.FloatSlider)):
                knob.layout.min_width = "380px"  # a slider squeezed into a row of knobs cannot be dragged
        self.widget = w.VBox([w.HBox(list(knobs.values()), layout=w.Layout(flex_flow="row wrap")),
                              w.HBox([self.run_button, self.stop_button]), self.message, self.image])
        self._placeholder()
        self.result: dict | None = None
        self.history: list[dict] = []  # every finished run of this panel, for the plots that compare runs
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: dict[str, Any] = {}
        self._last_draw = 0.0
        self.first_event_s: float | None = None

    def _placeholder(self) -> None:
        """Before the first run the image shows what will appear there (an empty image is a broken-image icon)."""
        self.figure.clear()
        self.figure.text(0.5, 0.5, "Press Train: the curves appear here while the model trains.", ha="center",
                         va="center", fontsize=12, color="grey")
        self.image.value = _png(self.figure)

    def values(self) -> dict[str, Any]:
        """The knobs' current values."""
        return {name: knob.value for name, knob in self.knobs.items()}

    def run(self, block: bool = False) -> None:
        """Start a run with the current knobs (in the background unless `block`)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.error, self.result, self.first_event_s = None, None, None
        self._state = {"values": self.values(), "events": [], "history": self.history}
        self._started = time.perf_counter()
        self._set_running(True)
        self.message.value = "<i>training…</i>"
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()
        if block:
            self._thread.join()

    def stop(self) -> None:
        """Ask the running run to stop after its current step."""
        self._stop.set()

    def _work(self) -> None:
        threads = torch.get_num_threads()
        try:
            if self.threads is not None:
                torch.set_num_threads(self.threads)
            self.result = self.run_fn(**self._state["values"], callback=self._on_event, stop=self._stop)
            self._state["result"] = self.result
            if not self.result.get("stopped"):
                self.history.append(self.result)
            self._redraw(force=True)
            done = "stopped" if self.result.get("stopped") else "done"
            self.message.value = f"<b>{done}</b> in {time.perf_counter() - self._started:.1f} s"
        except Exception as err:  # shown in the panel: a reader sees the message, never a traceback
            self.error = str(err)
            kind = "Invalid setting" if isinstance(err, ValueError) else type(err).__name__
            self.message.value = f'<span style="color:#b00020"><b>{kind}:</b> {html.escape(str(err))}</span>'
        finally:
            torch.set_num_threads(threads)
            self._set_running(False)

    def _on_event(self, event: dict) -> None:
        if self.first_event_s is None:
            self.first_event_s = time.perf_counter() - self._started
        self._state["events"].append(event)
        self._redraw()

    def _redraw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if force or len(self._state["events"]) == 1 or now - self._last_draw > REDRAW_SECONDS:
            self._last_draw = now
            self.draw(self.figure, self._state)
            self.image.value = _png(self.figure)

    def _set_running(self, running: bool) -> None:
        self.run_button.disabled = running
        self.stop_button.disabled = not running

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


STYLE = {"description_width": "initial"}


def learning_rate_panel(lr: float = 0.5, steps: int = 150, seed: int = 0) -> Panel:
    """The search for parameters live: the classifier of yellow cats and black dogs trained with the learning rate,
    steps and seed chosen; each search's loss stays on the plot beside the next, so too small, good and too large
    can be compared."""
    check_float("lr", lr, 0.0, LR_MAX, low_open=True)
    check_int("steps", steps, 10, 400)
    check_int("seed", seed, 0, 2**31 - 1)
    knobs = {
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=1.5, step=0.05, description="learning rate",
                               readout_format=".3g", style=STYLE),
        "steps": w.IntSlider(value=steps, min=10, max=400, step=10, description="steps", style=STYLE),
        "seed": w.IntText(value=seed, description="seed", style=STYLE),
    }

    def run(lr, steps, seed, callback, stop) -> dict:
        check_int("seed", seed, 0, 2**31 - 1)
        return learning_rate_run(lr, steps, seed, callback=callback, stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        draw_learning_rate_panel(fig, _live_curve(state), state["values"]["steps"], state["values"]["lr"],
                                 state["history"])

    return Panel(knobs, run, draw)


def _draw_pretraining(fig: Figure, state: dict) -> None:
    if "result" in state:
        r = state["result"]
        draw_training(fig, r["curve"], r["checkpoints"], r["steps"], f"{r['preset']} ({r['parameters']:,} parameters)")
        return
    events = state["events"]
    draw_training(fig, [(e["step"], e["loss"]) for e in events], [e for e in events if "samples" in e],
                  state["values"]["steps"], state["values"]["preset"])


def pretraining_panel(preset: str = "micro", steps: int = 120, lr: float = 1e-2, seed: int = 0) -> Panel:
    """Train a tiny LM live: model size, steps, learning rate and seed; loss and completions stream in.

    The default run is long enough for the completions to become words of the world (a city, a field of study).
    """
    check_choice("preset", preset, PRESETS)
    check_training_knobs(steps, lr, 16, seed)
    style = {"description_width": "initial"}
    knobs = {
        "preset": w.Dropdown(options=list(PRESETS), value=preset, description="model size", style=style),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=style),
        "lr": w.FloatText(value=lr, description="learning rate (0-1]", style=style),
        "seed": w.IntText(value=seed, description="seed", style=style),
    }
    return Panel(knobs, lambda **kw: pretraining_run(**kw, use_cache=False), _draw_pretraining)


DIVERSITIES = (1, 2, 3, 5)
PANEL_EVAL = 40  # people asked about after a panel's run (the chapters ask 100): a live run must stay quick


def _live_curve(state: dict) -> list:
    if "result" in state:
        return state["result"]["curve"]
    return [(e["step"], e["loss"]) for e in state["events"]]


def ju_yi_fan_san_panel(diversity: int = 5, sft_people: int = 200, steps: int = 30, lr: float = 2e-3,
                        seed: int = 0) -> Panel:
    """举一反三 live: fine-tune a base model of the chosen pre-training diversity on questions about some people,
    then ask about the others. A base model not yet cached is pre-trained first (about a minute).

    The default is a short fine-tuning (30 steps) that fits the live budget; the chapter's runs take 200.
    """
    check_choice("diversity", diversity, DIVERSITIES)
    check_int("sft_people", sft_people, 10, 390)
    check_training_knobs(steps, lr, SFT_BATCH, seed)
    knobs = {
        "diversity": w.Dropdown(options=DIVERSITIES, value=diversity, description="renderings per person", style=STYLE),
        "sft_people": w.IntSlider(value=sft_people, min=10, max=390, step=10, description="people in SFT",
                                  style=STYLE),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=STYLE),
        "lr": w.FloatText(value=lr, description="learning rate (0-1]", style=STYLE),
    }

    def run(diversity, sft_people, steps, lr, callback, stop) -> dict:
        check_choice("diversity", diversity, DIVERSITIES)
        spec = BaseSpec(world_seed=seed, diversity=diversity, seed=seed)
        if not spec.folder().is_dir():
            panel.message.value = (f"<i>pre-training the base model for diversity {diversity} (first use: about a "
                                   "minute, then cached)…</i>")
            base_model(spec, progress=False)  # a progress bar cannot be drawn from the panel's thread
            panel.message.value = "<i>training…</i>"
        return sft_run("base", diversity, sft_people, steps, lr, seed, eval_people=PANEL_EVAL, callback=callback,
                       stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        draw_ju_yi_fan_san(fig, _live_curve(state), state["values"]["steps"], state["history"])

    panel = Panel(knobs, run, draw, threads=None)
    return panel


def lora_panel(rank: int = 8, targets: tuple[str, ...] = LORA_TARGETS, lr: float = 3e-3, steps: int = 40,
               seed: int = 0, reference: dict | None = None) -> Panel:
    """LoRA live: rank, target layers and learning rate of a peft adapter; trainable share, accuracy and distance.

    `reference` (a finished `sft_run`) is drawn as full fine-tuning's point. The default run is short (40 steps)
    to fit the live budget; the chapter's runs take 200.
    """
    check_int("rank", rank, 1, 64)
    targets = check_subset("targets", targets, LORA_TARGETS)
    check_training_knobs(steps, lr, LORA_BATCH, seed)
    knobs = {
        "rank": w.IntSlider(value=rank, min=1, max=64, description="LoRA rank", style=STYLE),
        "targets": w.SelectMultiple(options=LORA_TARGETS, value=targets, rows=4, description="target layers",
                                    style=STYLE),
        "lr": w.FloatText(value=lr, description="learning rate (0-1]", style=STYLE),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=STYLE),
    }

    def run(rank, targets, lr, steps, callback, stop) -> dict:
        check_int("rank", rank, 1, 64)
        return lora_run(rank, tuple(targets), lr, steps, seed, eval_people=PANEL_EVAL, callback=callback, stop=stop,
                        use_cache=False)

    def draw(fig, state) -> None:
        draw_lora_panel(fig, _live_curve(state), state["values"]["steps"], state["history"], reference)

    return Panel(knobs, run, draw, figsize=(11, 3.4))


def forgetting_panel(replay: float = 0.5, kind: str = "real", method: str = "full", lr: float = 2e-3,
                     steps: int = 60, seed: int = 0) -> Panel:
    """Forgetting live: learn task B after task A and watch A's accuracy while B is learnt; replay real or
    self-generated (LAMOL) A examples, with full fine-tuning or LoRA. Task A's model is trained on first use."""
    check_float("replay", replay, 0.0, 1.0)
    check_choice("kind", kind, ("real", "generated"))
    check_choice("method", method, ("full", "lora"))
    check_training_knobs(steps, lr, FORGET_BATCH, seed)
    knobs = {
        "replay": w.FloatSlider(value=replay, min=0.0, max=1.0, step=0.05, description="replay ratio", style=STYLE),
        "kind": w.Dropdown(options=("real", "generated"), value=kind, description="replayed examples", style=STYLE),
        "method": w.Dropdown(options=("full", "lora"), value=method, description="method", style=STYLE),
        "lr": w.FloatText(value=lr, description="learning rate (0-1]", style=STYLE),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=STYLE),
    }

    def run(replay, kind, method, lr, steps, callback, stop) -> dict:
        return forgetting_run(replay, kind, method, lr, steps, seed, callback=callback, stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        if "result" in state:
            checkpoints = state["result"]["checkpoints"]
        else:
            checkpoints = [e for e in state["events"] if "a" in e]
        draw_forgetting_panel(fig, checkpoints, state["values"]["steps"], "while learning task B", state["history"])

    return Panel(knobs, run, draw, figsize=(11, 3.4))


RM_PANEL_PAIRS = 1000  # the reward panel's first run: the first third of the chapter's comparisons
RM_PANEL_STEPS = 60  # a live reward model: 60 steps of 32 pairs (the chapter's take 300; 30 learnt too little)
RL_PANEL_STEPS = 15  # a live policy run: 15 GRPO steps (the chapter's take 300)


def reward_model_panel(pairs: int = RM_PANEL_PAIRS, steps: int = RM_PANEL_STEPS, seed: int = 0) -> Panel:
    """A reward model live: train it with trl on the first comparisons of the simulated human's set (sampled once, so
    every number starts training at once), test it on held-out pairs; each run adds a point to accuracy against the
    number of comparisons."""
    check_int("pairs", pairs, 100, PAIRS)
    check_training_knobs(steps, REWARD_LR, 32, seed)
    knobs = {
        "pairs": w.IntSlider(value=pairs, min=100, max=PAIRS, step=100, description="human comparisons",
                             style=STYLE),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=STYLE),
    }

    def run(pairs, steps, callback, stop) -> dict:
        return reward_model_run(pairs, steps, REWARD_LR, seed, callback=callback, stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        draw_reward_model_panel(fig, _live_curve(state), state["values"]["steps"], state["history"])

    return Panel(knobs, run, draw, threads=None)


RL_PANEL_SAMPLES = 4  # answers to each question at a live checkpoint (the book's runs take 8)


def rl_panel(beta: float = 0.1, steps: int = RL_PANEL_STEPS, seed: int = 0,
             reference: list[dict] | None = None) -> Panel:
    """Policy optimisation against the reward model live (trl's GRPO): the KL penalty beta and the steps; the
    reward model's score and the true quality stream in. `reference` holds the book's long runs, drawn beside."""
    check_beta(beta, zero_allowed=True)
    check_training_knobs(steps, RL["lr"], 32, seed)
    knobs = {
        "beta": w.FloatText(value=beta, description="KL penalty beta [0, 10]", style=STYLE),
        "steps": w.IntText(value=steps, description="steps (1-100000)", style=STYLE),
    }

    def run(beta, steps, callback, stop) -> dict:
        return rl_run(beta, steps, RL["lr"], seed, checkpoints=3, eval_samples=RL_PANEL_SAMPLES, callback=callback,
                      stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        history = state["result"]["history"] if "result" in state else state["events"]
        draw_rl_panel(fig, history, state["values"]["steps"], state["history"], reference or [])

    return Panel(knobs, run, draw, figsize=(11, 3.6))


def dpo_panel(beta: float = 0.1, steps: int = LIVE_STEPS, seed: int = 0) -> Panel:
    """DPO live, the lecture's homework: beta and steps of trl's DPO on the simulated human's pairs (8 a step); the
    loss streams in, then how often the policy finds the better answer of a held-out pair the more likely one."""
    check_beta(beta, zero_allowed=False)
    check_int("steps", steps, 4, 2 * LIVE_STEPS)
    check_int("seed", seed, 0, 2**31 - 1)
    knobs = {
        "beta": w.FloatLogSlider(value=beta, base=10, min=-2, max=1, step=0.1, description="beta",
                                 readout_format=".3g", style=STYLE),
        "steps": w.IntSlider(value=steps, min=4, max=2 * LIVE_STEPS, step=4, description="steps", style=STYLE),
    }

    def run(beta, steps, callback, stop) -> dict:
        return dpo_live_run(beta, steps, seed, callback=callback, stop=stop, use_cache=False)

    def draw(fig, state) -> None:
        draw_dpo_panel(fig, _live_curve(state), state["values"]["steps"], state["history"])

    return Panel(knobs, run, draw, figsize=(11, 3.4))
