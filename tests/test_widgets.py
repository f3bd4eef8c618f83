import time

import pytest

from jielong.widgets import (dpo_panel, forgetting_panel, ju_yi_fan_san_panel, learning_rate_panel, lora_panel,
                             pretraining_panel, reward_model_panel, rl_panel)


@pytest.fixture()
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))


def test_panel_trains_and_draws(cache):
    panel = pretraining_panel(preset="nano", steps=20)
    panel.run(block=True)
    assert panel.error is None and panel.result["steps"] == 20
    assert bytes(panel.image.value).startswith(b"\x89PNG")
    assert "done" in panel.message.value
    assert panel.first_event_s is not None and not panel.run_button.disabled and panel.stop_button.disabled


def test_the_learning_rate_panel_keeps_each_search_for_comparison(cache):
    panel = learning_rate_panel(steps=30)
    for lr in (0.5, 30.0):
        panel.knobs["lr"].value = lr
        panel.run(block=True)
        assert panel.error is None, panel.error
    assert [r["lr"] for r in panel.history] == [0.5, 30.0]
    assert panel.history[0]["accuracy"] > panel.history[1]["accuracy"]  # the good rate learns, the large one not
    assert bytes(panel.image.value).startswith(b"\x89PNG") and panel.first_event_s is not None
    panel.knobs["seed"].value = -1
    panel.run(block=True)
    assert "seed must be an integer from 0" in panel.error and "Invalid setting" in panel.message.value


@pytest.mark.parametrize("knobs, message", [
    ({"lr": 0.0}, r"lr must be a number in \(0, 100\]"),
    ({"steps": 5}, "steps must be an integer from 10 to 400"),
    ({"seed": -1}, "seed must be an integer from 0"),
])
def test_the_learning_rate_panel_refuses_bad_initial_values(knobs, message):
    with pytest.raises(ValueError, match=message):
        learning_rate_panel(**knobs)


def test_a_new_panel_shows_a_placeholder_and_sliders_that_can_be_dragged():
    panel = lora_panel()
    assert bytes(panel.image.value).startswith(b"\x89PNG")  # not an empty image (a broken-image icon)
    assert "Press Train" in panel.figure.texts[0].get_text()
    assert panel.knobs["rank"].layout.min_width == "380px"


@pytest.mark.slow
def test_the_pretraining_panels_default_run_ends_with_words_of_its_world(cache):
    """What a student watches live is learning: from an untrained model's noise to the world's own words."""
    from jielong.experiments import SMALL_WORLD
    from jielong.worlds import ATTRIBUTES, World

    panel = pretraining_panel()
    panel.run(block=True)
    world = World(0, SMALL_WORLD)
    words = {str(person.fact(a)) for person in world.people for a in ATTRIBUTES}
    first, last = panel.result["checkpoints"][0]["samples"], panel.result["checkpoints"][-1]["samples"]
    assert all(sample.strip() in words for sample in last), last
    assert not all(sample.strip() in words for sample in first), first


@pytest.mark.parametrize("knob, value, message", [
    ("steps", 0, "steps must be an integer from 1 to 100000"),
    ("steps", -10, "steps must be an integer from 1 to 100000"),
    ("lr", -1.0, "lr must be a number in (0, 1]"),
    ("lr", 0.0, "lr must be a number in (0, 1]"),
    ("lr", 3.0, "lr must be a number in (0, 1]"),
    ("seed", -4, "seed must be an integer from 0"),
])
def test_bad_values_show_a_message_not_a_traceback(cache, knob, value, message):
    panel = pretraining_panel(preset="nano", steps=5)
    panel.knobs[knob].value = value
    panel.run(block=True)
    assert panel.result is None
    assert message in panel.error
    assert "Invalid setting" in panel.message.value and message.replace("(", "(") in panel.message.value
    assert not panel.run_button.disabled


def test_stop_button_ends_the_run(cache):
    panel = pretraining_panel(preset="nano", steps=5000)
    panel.run()
    deadline = time.time() + 60
    while panel.first_event_s is None and time.time() < deadline:
        time.sleep(0.05)
    panel.stop_button.click()
    panel._thread.join(timeout=60)
    assert panel.result["stopped"] and panel.result["steps"] < 5000
    assert "stopped" in panel.message.value


@pytest.mark.parametrize("knobs, message", [
    ({"preset": "huge"}, "preset must be one of"),
    ({"steps": 0}, "steps must be an integer from 1"),
    ({"lr": 2.0}, "lr must be a number in"),
    ({"seed": -1}, "seed must be an integer from 0"),
])
def test_bad_initial_values_raise(knobs, message):
    with pytest.raises(ValueError, match=message):
        pretraining_panel(**knobs)


@pytest.mark.parametrize("make, knobs, message", [
    (ju_yi_fan_san_panel, {"diversity": 4}, "diversity must be one of 1, 2, 3, 5"),
    (ju_yi_fan_san_panel, {"sft_people": 5}, "sft_people must be an integer from 10 to 390"),
    (ju_yi_fan_san_panel, {"steps": 0}, "steps must be an integer from 1"),
    (lora_panel, {"rank": 0}, "rank must be an integer from 1 to 64"),
    (lora_panel, {"rank": 65}, "rank must be an integer from 1 to 64"),
    (lora_panel, {"targets": ("attention",)}, "targets must be chosen from"),
    (lora_panel, {"lr": 0.0}, "lr must be a number in"),
    (forgetting_panel, {"replay": 2.0}, r"replay must be a number in \[0, 1\]"),
    (forgetting_panel, {"kind": "dreamt"}, "kind must be one of 'real', 'generated'"),
    (forgetting_panel, {"method": "adapter"}, "method must be one of 'full', 'lora'"),
    (reward_model_panel, {"pairs": 5}, "pairs must be an integer from 100 to 3000"),
    (reward_model_panel, {"steps": 0}, "steps must be an integer from 1"),
    (rl_panel, {"beta": -1.0}, r"beta must be a number in \[0, 10\]"),
    (rl_panel, {"steps": 0}, "steps must be an integer from 1"),
    (dpo_panel, {"beta": 0.0}, r"beta must be a number in \(0, 10\]"),
    (dpo_panel, {"steps": 0}, "steps must be an integer from 4 to 80"),
    (dpo_panel, {"seed": -1}, "seed must be an integer from 0"),
])
def test_stage2_panels_refuse_bad_initial_values(make, knobs, message):
    with pytest.raises(ValueError, match=message):
        make(**knobs)


@pytest.mark.slow
@pytest.mark.parametrize("make, knob, value, message", [
    (ju_yi_fan_san_panel, "steps", 0, "steps must be an integer from 1"),
    (lora_panel, "targets", (), "targets must name at least one"),
    (lora_panel, "lr", 5.0, "lr must be a number in"),
    (forgetting_panel, "lr", -1.0, "lr must be a number in"),
    (reward_model_panel, "steps", 0, "steps must be an integer from 1"),
    (rl_panel, "beta", -0.5, "beta must be a number in [0, 10]"),
    (rl_panel, "steps", 0, "steps must be an integer from 1"),
])
def test_stage2_panels_show_bad_values_as_a_message(make, knob, value, message):
    panel = make()
    panel.knobs[knob].value = value
    panel.run(block=True)
    assert panel.result is None and message in panel.error and "Invalid setting" in panel.message.value


@pytest.mark.slow
@pytest.mark.parametrize("make, knobs", [
    (ju_yi_fan_san_panel, {"steps": 4}),
    (lora_panel, {"steps": 4}),
    (forgetting_panel, {"steps": 4, "kind": "generated"}),
    (reward_model_panel, {"steps": 4, "pairs": 200}),
    (rl_panel, {"steps": 4}),
    (dpo_panel, {"steps": 4}),
])
def test_stage2_panels_train_draw_and_keep_their_runs(make, knobs):
    """On the cached base models (the chapters' tests train them): two short runs, both kept for the plot."""
    panel = make(**knobs)
    for _ in range(2):
        panel.run(block=True)
        assert panel.error is None, panel.error
    assert len(panel.history) == 2 and panel.first_event_s is not None
    assert bytes(panel.image.value).startswith(b"\x89PNG") and "done" in panel.message.value


@pytest.mark.parametrize("threads", [1, None])
def test_a_panel_trains_on_its_threads_and_gives_torchs_back(threads):
    import torch

    from jielong.widgets import Panel

    seen, original = [], torch.get_num_threads()
    torch.set_num_threads(2)  # what a kernel on two cores has, whatever this test process was started with
    try:
        panel = Panel({}, lambda callback, stop: seen.append(torch.get_num_threads()) or {}, lambda fig, state: None,
                      threads=threads)
        panel.run(block=True)
        assert panel.error is None and seen == [2 if threads is None else threads]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)


def test_a_panel_refuses_a_thread_count_below_one():
    from jielong.widgets import Panel

    with pytest.raises(ValueError, match="threads must be an integer from 1"):
        Panel({}, lambda callback, stop: {}, lambda fig, state: None, threads=0)
