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
from matplotlib.figure import Figure

from .experiments import pretraining_run
from .models import PRESETS
from .plots import draw_training
from .train import check_training_knobs
from .validation import check_choice

REDRAW_SECONDS = 1.0


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class Panel:
    """A generic panel: `knobs` feed `run_fn(**values, callback=..., stop=...)`; `draw(fig, state)` plots."""

    def __init__(self, knobs: dict[str, w.ValueWidget], run_fn: Callable[..., dict],
                 draw: Callable[[Figure, dict], None], figsize: tuple[float, float] = (10, 3.6)):
        self.knobs, self.run_fn, self.draw = knobs, run_fn, draw
        self.figure = Figure(figsize=figsize)
        self.image = w.Image(format="png")
        self.message = w.HTML()
        self.run_button = w.Button(description="Train", button_style="primary", icon="play")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.run_button.on_click(lambda _: self.run())
        self.stop_button.on_click(lambda _: self.stop())
        self.widget = w.VBox([w.HBox(list(knobs.values())), w.HBox([self.run_button, self.stop_button]),
                              self.message, self.image])
        self.result: dict | None = None
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state: dict[str, Any] = {}
        self._last_draw = 0.0
        self.first_event_s: float | None = None

    def values(self) -> dict[str, Any]:
        """The knobs' current values."""
        return {name: knob.value for name, knob in self.knobs.items()}

    def run(self, block: bool = False) -> None:
        """Start a run with the current knobs (in the background unless `block`)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.error, self.result, self.first_event_s = None, None, None
        self._state = {"values": self.values(), "events": []}
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
        try:
            self.result = self.run_fn(**self._state["values"], callback=self._on_event, stop=self._stop)
            self._state["result"] = self.result
            self._redraw(force=True)
            done = "stopped" if self.result.get("stopped") else "done"
            self.message.value = f"<b>{done}</b> in {time.perf_counter() - self._started:.1f} s"
        except Exception as err:  # shown in the panel: a reader sees the message, never a traceback
            self.error = str(err)
            kind = "Invalid setting" if isinstance(err, ValueError) else type(err).__name__
            self.message.value = f'<span style="color:#b00020"><b>{kind}:</b> {html.escape(str(err))}</span>'
        finally:
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


def _draw_pretraining(fig: Figure, state: dict) -> None:
    if "result" in state:
        r = state["result"]
        draw_training(fig, r["curve"], r["checkpoints"], r["steps"], f"{r['preset']} ({r['parameters']:,} parameters)")
        return
    events = state["events"]
    draw_training(fig, [(e["step"], e["loss"]) for e in events], [e for e in events if "samples" in e],
                  state["values"]["steps"], state["values"]["preset"])


def pretraining_panel(preset: str = "micro", steps: int = 80, lr: float = 5e-3, seed: int = 0) -> Panel:
    """Train a tiny LM live: model size, steps, learning rate and seed; loss and completions stream in."""
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
