"""The base model: trained once on first use, loaded after, safe against kills and concurrent first use."""
import os
import signal
import subprocess
import sys
import time

import torch

from jielong.base import BaseSpec, base_model

QUICK = dict(n_people=20, preset="nano", batch_size=8)


def _spawn(cache_dir, steps, *, seed=0):
    code = (
        "import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "from jielong.base import BaseSpec, base_model\n"
        f"base_model(BaseSpec(n_people=20, preset='nano', batch_size=8, steps={steps}, seed={seed}), progress=False)\n"
        "print('LOADED', flush=True)\n"
    )
    env = {**os.environ, "JIELONG_CACHE": str(cache_dir)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_first_use_trains_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    spec = BaseSpec(steps=20, **QUICK)
    model, tok = base_model(spec, progress=False)
    folder = spec.folder()
    assert (folder / "model.safetensors").exists() and (folder / "training.json").exists()
    start = time.perf_counter()
    again, _ = base_model(spec, progress=False)
    assert time.perf_counter() - start < 5
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_a_killed_training_leaves_no_cache_entry(tmp_path):
    steps = 600  # about ten seconds of training: the kill lands in the middle of it
    proc = _spawn(tmp_path, steps)
    models = tmp_path / "models"
    deadline = time.time() + 120
    while not list(models.glob("base-*.partial-*")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)  # well into training
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finals = [p for p in models.iterdir() if p.is_dir() and ".partial-" not in p.name]
    assert finals == []
    # The next first use of the same model cleans up after the killed one and trains normally.
    done = _spawn(tmp_path, steps)
    out, _ = done.communicate(timeout=300)
    assert "LOADED" in out, out
    assert not list(models.glob("*.partial-*"))
    assert len([p for p in models.iterdir() if p.is_dir()]) == 1


def test_two_processes_at_once_train_only_once(tmp_path):
    procs = [_spawn(tmp_path, 150, seed=5) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert all("LOADED" in o for o in outputs), outputs
    assert sum("pre-training the base model" in o for o in outputs) == 1, outputs


def test_bad_spec():
    import pytest

    for knobs, message in [({"diversity": 0}, "diversity must be an integer from 1 to 20"),
                           ({"preset": "giant"}, "preset must be one of"),
                           ({"steps": 0}, "steps must be an integer from 1"),
                           ({"lr": -1.0}, "lr must be a number in"),
                           ({"n_people": 1}, "n_people must be an integer from 2"),
                           ({"known_people": 0}, "known_people must be an integer from 1 to 400")]:
        with pytest.raises(ValueError, match=message):
            BaseSpec(**knobs)


def test_a_new_unset_field_keeps_old_cache_keys():
    """`known_people` unset is left out of the key, so models cached before it existed stay valid."""
    assert BaseSpec().folder() != BaseSpec(known_people=200).folder()
    assert BaseSpec(known_people=None).folder() == BaseSpec().folder()
    assert "known_people" not in BaseSpec().knobs() and BaseSpec(known_people=3).knobs()["known_people"] == 3
