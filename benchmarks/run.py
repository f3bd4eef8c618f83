"""Measure the budgets of DESIGN.md on this machine; write benchmarks/results.json and BENCHMARKS.md.

Run with `make bench`. Every chapter is executed in a fresh kernel against a cache that holds only the base models,
so that its experiments run for real, as they do for a student opening the chapter for the first time.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="jielong-bench-"))
# A fresh cache, unless JIELONG_BENCH_CACHE names one that already holds the trained models (for `--only`).
os.environ["JIELONG_CACHE"] = os.environ.get("JIELONG_BENCH_CACHE") or str(WORK / "cache")

import jielong as jl  # noqa: E402  (first: it sets torch's thread wait policy before torch loads)
import jielong.warm  # noqa: E402,F401  (jl.warm: the models to train)
import torch  # noqa: E402
from transformers import DataCollatorForLanguageModeling, Trainer, TrainerCallback  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import execute  # noqa: E402
import profile_book  # noqa: E402

# The lecture pages are named by folder: "lectures/lecture06" is the page, "lecture06" the assignment (the names the
# book's build reads back to start the longest chapters first).
CHAPTERS = {execute.bench_name(path): path
            for folder in ("book", "lectures") for path in sorted((ROOT / folder).glob("*.ipynb"))}

ASSIGNMENTS = {name: course.CLASSROOM / "source" / name / f"{name}.ipynb" for name in course.ASSIGNMENTS}
WIDGETS = {"learning_rate_panel": jl.widgets.learning_rate_panel, "pretraining_panel": jl.widgets.pretraining_panel,
           "ju_yi_fan_san_panel": jl.widgets.ju_yi_fan_san_panel, "lora_panel": jl.widgets.lora_panel,
           "forgetting_panel": jl.widgets.forgetting_panel, "reward_model_panel": jl.widgets.reward_model_panel,
           "rl_panel": jl.widgets.rl_panel, "dpo_panel": jl.widgets.dpo_panel}
# DESIGN.md's budgets (and goals), in one place for the report.
BUDGETS = {"base_train_s": 120.0, "base_load_s": 2.0, "first_point_s": 1.0, "rerun_median_s": 5.0,
           "chapter_s": 90.0, "peak_rss_mb": 1536.0, "step_ratio": 1.3, "assignment_s": 90.0, "grade_s": 120.0,
           "book_cold_s": 600.0, "book_rebuild_s": 60.0}
GOALS = {"base_train_s": 60.0, "rerun_median_s": 2.0, "step_ratio": 1.05, "book_cold_s": 300.0}


AT = profile_book.commit()  # the code each measurement was taken at


def machine() -> dict:
    """What ran the benchmarks."""
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
            "python": platform.python_version(), "device": str(jl.models.device()), "at": AT,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY")}


class _StepClock(TrainerCallback):
    def __init__(self):
        self.times: list[float] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter())


def train_step(gflops: float, repeats: int = 5) -> dict:
    """The library's training step against a bare torch loop: the median of `repeats` measured pairs."""
    pairs = [_train_step_pair(gflops) for _ in range(repeats)]
    ratios = sorted(p["ratio"] for p in pairs)
    median = min(pairs, key=lambda p: abs(p["ratio"] - statistics.median(ratios)))
    return {**median, "ratio": statistics.median(ratios), "ratios": ratios, "repeats": repeats}


def _train_step_pair(gflops: float, warmup: int = 5, steps: int = 30) -> dict:
    """The library's training step (transformers Trainer) against a bare torch loop, same model and batch."""
    spec = jl.base.BaseSpec()
    tokenizer = jl.base.tokenizer_for(spec.world)
    docs = jl.train.tokenize_documents(tokenizer, jl.worlds.biographies(spec.world.people, 1)[: spec.batch_size])
    collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)

    model = jl.models.build_model(spec.preset, len(tokenizer), seed=0)
    clock = _StepClock()
    trainer = Trainer(model=model, args=jl.train.training_arguments(warmup + steps, spec.lr, spec.batch_size, 0, None),
                      train_dataset=docs, data_collator=collator, callbacks=[clock])
    trainer.remove_callback(jl.train.PrinterCallback)
    trainer.train()
    library = (clock.times[-1] - clock.times[warmup - 1]) / steps

    model = jl.models.build_model(spec.preset, len(tokenizer), seed=0)
    model.train()
    batch = {k: v.to(model.device) for k, v in collator(docs).items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr, weight_decay=0.01, betas=(0.9, 0.98), fused=True)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        model(**batch).loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    bare = (time.perf_counter() - start) / steps
    tokens = int(batch["attention_mask"].sum())
    flops = 6 * jl.models.count_parameters(model) * tokens
    return {"library_s": library, "torch_s": bare, "ratio": library / bare,
            "mfu": flops / library / (gflops * 1e9), "tokens_per_step": tokens, "model": spec.preset}


def base_model() -> dict:
    """First-use training of the default base model, then a load from the cache; then every other model the chapters load."""
    train_s = jl.warm.warm([jl.warm.DEFAULT_BASE])[jl.warm.DEFAULT_BASE]
    load_s = jl.warm.warm([jl.warm.DEFAULT_BASE])[jl.warm.DEFAULT_BASE]
    others = jl.warm.warm([name for name in jl.warm.MODELS if name != jl.warm.DEFAULT_BASE])
    return {"train_s": train_s, "load_s": load_s, "others_train_s": others}


# Another busy process, as a student has one: a second notebook training with torch's default threads and wait policy.
NEIGHBOUR = "import torch\nx = torch.randn(384, 384)\nwhile True:\n    x = torch.tanh(x @ x)\n"


def beside_a_busy_process(measure, *args) -> dict:
    """Run `measure(*args)` while another process keeps torch busy on every core."""
    neighbour = subprocess.Popen([sys.executable, "-c", NEIGHBOUR], env={k: v for k, v in os.environ.items()
                                                                        if k != "OMP_WAIT_POLICY"})
    try:
        time.sleep(3)  # let it start spinning
        return measure(*args)
    finally:
        neighbour.kill()
        neighbour.wait()


def widget(make, reruns: int = 5) -> dict:
    """Time a panel's default run: when its first point arrives, and the median of several re-runs."""
    panel = make()
    totals, firsts = [], []
    for _ in range(reruns + 1):
        start = time.perf_counter()
        panel.run(block=True)
        if panel.error:
            raise RuntimeError(f"the panel's default run failed: {panel.error}")
        totals.append(time.perf_counter() - start)
        firsts.append(panel.first_event_s)
    # The first run pays for imports and warm-up; a student's re-runs are what the budget is about.
    return {"first_point_s": statistics.median(firsts[1:]), "first_point_cold_s": firsts[0],
            "rerun_median_s": statistics.median(totals[1:]), "runs": reruns, "at": AT}


# Knob settings that make a panel compute new data before its first point: a new world and tokenizer (the pre-training
# panel's seed), self-generated replay examples (the forgetting panel), every comparison of the set (the reward panel).
COLD_KNOBS = {"pretraining_panel": {"seed": 7}, "forgetting_panel": {"kind": "generated"},
              "reward_model_panel": {"pairs": 3000}}


def cold_knobs(names=COLD_KNOBS) -> dict:
    """Each panel's first point with a knob set to a value whose data nothing has computed yet in this process."""
    measured = {}
    for name in names:
        values = COLD_KNOBS[name]
        panel = WIDGETS[name]()
        for knob, value in values.items():
            panel.knobs[knob].value = value
        start = time.perf_counter()
        panel.run(block=True)
        if panel.error:
            raise RuntimeError(f"{name} with {values} failed: {panel.error}")
        measured[name] = {"knobs": values, "first_point_s": panel.first_event_s,
                          "run_s": time.perf_counter() - start, "at": AT}
    return measured


@contextlib.contextmanager
def cold_experiments():
    """Run with no experiment result cached; afterwards every result is kept, the new ones with the old, so that
    a lecture page measured later reads the verdicts of every chapter before it, as in the book's build."""
    live, kept = jl.cache.cache_dir() / "experiments", WORK / "experiments-kept"
    if live.exists():
        shutil.copytree(live, kept, dirs_exist_ok=True)
        shutil.rmtree(live)
    try:
        yield
    finally:
        if live.exists():
            shutil.copytree(live, kept, dirs_exist_ok=True)
            shutil.rmtree(live)
        if kept.exists():
            shutil.move(kept, live)


def chapter(path: Path) -> dict:
    """Execute a chapter in a fresh kernel, against a cache that holds only the trained models.

    A lecture page reads the verdicts of the chapters before it, as in the book's build, so its experiments stay."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # VmHWM is the kernel's own peak; ru_maxrss would also count the parent it was forked from.
    nb.cells.append(nbformat.v4.new_code_cell(
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"))
    client = NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    if path.parent.name == "book":
        with cold_experiments():
            client.execute()
    else:
        client.execute()
    seconds = time.perf_counter() - start
    peak_kb = int(nb.cells[-1].outputs[0]["text"].strip())
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "at": AT}


def assignment(name: str, path: Path) -> dict:
    """Run an assignment's solutions top to bottom in a fresh kernel (the models cached, its experiments not: as a
    student meets it on Binder), then autograde one student's submission with nbgrader in a scratch copy of the course."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with cold_experiments():
        NotebookClient(nb, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    folder = WORK / "course"
    shutil.rmtree(folder, ignore_errors=True)
    course.scratch_course(folder, (name,))
    (folder / "submitted" / "student" / name).mkdir(parents=True)
    shutil.copy(path, folder / "submitted" / "student" / name / path.name)
    start = time.perf_counter()
    course.nbgrader(folder, "autograde", name, "--create", "--force")
    return {"seconds": seconds, "grade_s": time.perf_counter() - start, "at": AT}


def book() -> dict:
    """`make book` in a scratch copy of the tracked files, from empty caches (models, experiments, execution), then
    again with nothing changed."""
    tree = WORK / "book"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    venv = ROOT / ".venv"
    # This environment is already set up: `-o` keeps make from reinstalling it for the copy's newer pyproject.toml.
    command = ["make", "book", f"VENV={venv}", "-o", str(venv / ".ready")]
    env = {**os.environ, "JIELONG_CACHE": str(WORK / "book-cache")}
    times = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run(command, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return {"cold_s": times[0], "rebuild_s": times[1], "at": AT}


def report(results: dict) -> str:
    """BENCHMARKS.md: each figure beside its budget."""
    def row(name, value, key, entry=None, unit="s"):
        budget, goal = BUDGETS[key], GOALS.get(key)
        ok = "✅" if value <= budget else "❌"
        goal_text = f" (goal {goal:g} {unit})" if goal else ""
        at = (entry or {}).get("at", results["machine"].get("at", "?"))
        return f"| {name} | {value:.2f} {unit} | ≤ {budget:g} {unit}{goal_text} | {ok} | {at} |"

    m = results["machine"]
    lines = [
        "# Benchmarks", "",
        "Measured by `make bench` (`benchmarks/run.py`); the raw numbers are in `benchmarks/results.json`.", "",
        f"Machine: {m['processor']}, {m['cpus']} CPUs, torch {m['torch']} with {m['torch_threads']} threads "
        f"(OpenMP wait policy {m.get('omp_wait_policy')}), on {m['device']}; {m['platform']}.", "",
        "The last column names the commit each figure was measured at (`+changes`: with uncommitted changes); "
        "`make bench --only NAME` re-measures one panel, chapter or assignment and keeps the rest.", "",
        "| measure | value | budget | | measured at |", "| --- | --- | --- | --- | --- |",
        row("base model: first-use training", results["base_model"]["train_s"], "base_train_s"),
        row("base model: load from the cache", results["base_model"]["load_s"], "base_load_s"),
    ]
    lines += [row(f"{name}: first-use training", seconds, "base_train_s")
              for name, seconds in results["base_model"]["others_train_s"].items()]
    for where, key in (("", "widgets"), (", beside a busy process", "widgets_loaded")):
        for name, w in results.get(key, {}).items():
            lines.append(row(f"widget `{name}`: first point{where}", w["first_point_s"], "first_point_s", w))
            lines.append(row(f"widget `{name}`: re-run median{where}", w["rerun_median_s"], "rerun_median_s", w))
    for name, w in results.get("widgets_cold_knobs", {}).items():
        knobs = ", ".join(f"{k}={v}" for k, v in w["knobs"].items())
        lines.append(row(f"widget `{name}`: first point with {knobs} (new data)", w["first_point_s"], "first_point_s", w))
    for name, c in results["chapters"].items():
        lines.append(row(f"chapter `{name}`: executed top to bottom", c["seconds"], "chapter_s", c))
        lines.append(row(f"chapter `{name}`: peak memory", c["peak_rss_mb"], "peak_rss_mb", c, unit="MB"))
    if "book" in results:
        b = results["book"]
        lines.append(row("the whole book: `make book` from empty caches", b["cold_s"], "book_cold_s", b))
        lines.append(row("the whole book: `make book` again, nothing changed", b["rebuild_s"], "book_rebuild_s", b))
    for name, a in results.get("assignments", {}).items():
        lines.append(row(f"assignment `{name}`: solutions top to bottom", a["seconds"], "assignment_s", a))
        lines.append(row(f"assignment `{name}`: autograding one student", a["grade_s"], "grade_s", a))
    t = results["train_step"]
    lines += [
        row(f"training step, library / bare torch ({t['model']}, {t['tokens_per_step']} tokens; median of "
            f"{t.get('repeats', 1)})", t["ratio"], "step_ratio", unit="x"),
        "", f"Training step: library {t['library_s'] * 1000:.1f} ms, bare torch loop {t['torch_s'] * 1000:.1f} ms. "
        f"Machine fp32 matmul: {results['matmul_gflops']:.0f} GFLOP/s; the library's training loop reaches "
        f"{t['mfu']:.0%} of it (model FLOP utilisation, 6 x parameters x tokens per step).", "",
        "The first point of a widget is timed on re-runs, as a student clicks again; the very first run of a fresh "
        f"kernel, which also pays for imports, took {list(results['widgets'].values())[0]['first_point_cold_s']:.2f} s. "
        "Beside a busy process: the same runs while another process trains with torch on every core (torch's "
        "default threads and wait policy), as a second notebook would.",
        "Chapters are executed in a fresh kernel with only the trained models above cached, so every experiment "
        "runs; a lecture page runs after them and reads their verdicts, as in the book's build. Assignments run with "
        "the models cached and their experiments not, as a student meets them on Binder; grading is nbgrader's "
        "`autograde` of one student's submission. The whole book: `make book` in a copy of the tracked files from "
        "empty caches (every model trained, every notebook executed), then again with nothing changed.", "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=5, help="widget re-runs to take the median of")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="measure only these widgets, chapters (lecture pages as lectures/NAME), assignments or the "
                             "whole `book`, and merge them into results.json (with JIELONG_BENCH_CACHE pointing at a "
                             "cache that holds the trained models)")
    args = parser.parse_args()
    if args.only:
        unknown = set(args.only) - set(WIDGETS) - set(CHAPTERS) - set(ASSIGNMENTS) - {"book"}
        if unknown:
            parser.error(f"--only names no widget, chapter or assignment: {sorted(unknown)}")
        results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
        results.setdefault("widgets_cold_knobs", {}).update(
            cold_knobs([n for n in args.only if n in COLD_KNOBS]))
        results["widgets"].update({n: widget(WIDGETS[n], args.reruns) for n in args.only if n in WIDGETS})
        results.setdefault("widgets_loaded", {}).update(
            {n: beside_a_busy_process(widget, WIDGETS[n], args.reruns) for n in args.only if n in WIDGETS})
        results["chapters"].update({n: chapter(CHAPTERS[n]) for n in args.only if n in CHAPTERS})
        results["chapters"] = {n: results["chapters"][n] for n in CHAPTERS if n in results["chapters"]}
        results.setdefault("assignments", {}).update(
            {n: assignment(n, ASSIGNMENTS[n]) for n in args.only if n in ASSIGNMENTS})
        if "book" in args.only:
            results["book"] = book()
        finish(results)
        return
    # A full run starts from the last record and rewrites it after every section, each row naming the commit it was
    # measured at: a run that fails after half an hour keeps what it measured.
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    results["machine"], results["matmul_gflops"] = machine(), profile_book.matmul_gflops()
    results["base_model"] = base_model()
    results["train_step"] = train_step(results["matmul_gflops"])
    save(results)
    results["widgets_cold_knobs"] = cold_knobs()  # first, while nothing but the models is computed
    save(results)
    for key, measure in (("widgets", widget), ("widgets_loaded", lambda make, n: beside_a_busy_process(widget, make, n))):
        for name, make in WIDGETS.items():
            results.setdefault(key, {})[name] = measure(make, args.reruns)
            save(results)
    results["chapters"] = {n: c for n, c in results["chapters"].items() if n in CHAPTERS}  # chapters that still exist
    for name, path in CHAPTERS.items():
        results["chapters"][name] = chapter(path)
        save(results)
    for name, path in ASSIGNMENTS.items():
        results.setdefault("assignments", {})[name] = assignment(name, path)
        save(results)
    results["book"] = book()
    finish(results)


def save(results: dict) -> None:
    """Write results.json and BENCHMARKS.md."""
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "BENCHMARKS.md").write_text(report(results))


def finish(results: dict) -> None:
    """Write results.json and BENCHMARKS.md, print the report, remove the scratch folder."""
    save(results)
    print(report(results))
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
