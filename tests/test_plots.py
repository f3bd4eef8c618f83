import matplotlib

from jielong import plots

matplotlib.use("Agg")


def _run(preset, params, losses):
    cps = [{"step": s, "loss": l, "val_loss": l, "samples": ["Lima", "Oslo", "Kyoto"]} for s, l in zip((1, 50, 100), losses)]
    return {"preset": preset, "parameters": params, "steps": 100, "curve": [(c["step"], c["loss"]) for c in cps],
            "checkpoints": cps, "prompts": ["A was born in"] * 3, "answers": ["Lima"] * 3,
            "tokens_per_step": 700, "val_loss": losses[-1], "fact_accuracy": 0.5}


SWEEP = {"presets": ["nano", "micro"], "runs": [_run("nano", 10_000, (7, 3, 2)), _run("micro", 50_000, (7, 2, 1))]}


def test_figures_have_their_axes():
    assert len(plots.training_figure(SWEEP["runs"][0]).axes) == 2
    assert len(plots.scaling_figure(SWEEP).axes) == 2
    results = [{"filters": [], "fact_accuracy": 0.1, "val_loss": 1.2}, {"filters": ["junk"], "fact_accuracy": 0.5, "val_loss": 0.6}]
    assert len(plots.cleaning_figure(results).axes) == 2
    assert len(plots.knowledge_figure({"fact_accuracy": 0.9, "qa_accuracy": 0.0, "people": 400}).axes) == 1


def test_sweep_animation_has_one_frame_per_checkpoint():
    html = plots.scrubber(plots.sweep_animation(SWEEP)).data
    assert html.count("frames[") >= 3 and 'type="range"' in html
    assert "https://" not in html  # an offline page must not fetch anything


def test_loss_mask_highlights_only_the_answer(small_tokenizer):
    page = plots.loss_mask(small_tokenizer, [{"role": "user", "content": "Where was X born?"},
                                            {"role": "assistant", "content": "Lima"}]).data
    highlighted = page.count("background:#ffd54f")
    assert highlighted == len(small_tokenizer.tokenize(" Lima")) + 1  # the answer and the end-of-turn token
    assert "&lt;|user|&gt;" in page


def _sft(d, n, seen, unseen):
    return {"diversity": d, "sft_people": n, "seen_accuracy": seen, "unseen_accuracy": unseen}


def test_stage2_figures_have_their_axes():
    runs = [_sft(1, 50, 0.9, 0.1), _sft(5, 50, 0.9, 0.5), _sft(1, 200, 0.95, 0.15), _sft(5, 200, 0.99, 0.7)]
    fig = plots.diversity_figure(runs)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 4
    lora = [{"rank": r, "trainable_share": r / 100, "seen_accuracy": 0.9, "unseen_accuracy": 0.7,
             "weight_distance": 0.1} for r in (1, 8)]
    assert len(plots.lora_figure(lora, reference={"seen_accuracy": 1, "unseen_accuracy": 0.6,
                                                  "weight_distance": 0.2}).axes) == 2
    forgetting = [{"replay": r, "kind": k, "method": "full", "lr": 2e-3, "a_before": 0.8, "a_after": 0.1 + r / 2,
                   "b_after": 0.9} for k in ("real", "generated") for r in (0.0, 0.5, 1.0)]
    assert len(plots.forgetting_figure(forgetting).axes) == 2
    imitation = [{"examples": n, "known": {"format": 1.0, "accuracy": 0.5},
                  "unknown": {"format": 1.0, "accuracy": 0.05, "chance": 0.04}} for n in (10, 100)]
    assert len(plots.imitation_figure(imitation).axes[0].lines) == 4


def test_a_live_curve_with_one_point_is_visible():
    """A run's first logged loss is a single point: it is drawn with a marker, not as an invisible line."""
    from matplotlib.figure import Figure

    fig = plots.draw_training(Figure(), [(1, 5.0)], [], 80)
    line = fig.axes[0].lines[0]
    assert line.get_marker() == "o" and list(line.get_markevery()) == [0]
    fig = plots.draw_lora_panel(Figure(), [(1, 5.0)], 40, [], None)
    assert fig.axes[0].lines[0].get_marker() == "o"
