"""tests/offline: the network guard that the suite, the book build and every chapter's kernel run under."""
import os
import socket
import subprocess
import sys

import pytest

from conftest import OFFLINE


def test_connections_off_the_machine_are_refused_in_the_test_process():
    import sitecustomize

    before = len(sitecustomize.ATTEMPTS)
    try:
        with pytest.raises(OSError, match="network access is blocked"):
            socket.create_connection(("93.184.216.34", 80), timeout=1)
        with pytest.raises(OSError, match="network access is blocked"):
            socket.getaddrinfo("huggingface.co", 443)
        assert len(sitecustomize.ATTEMPTS) == before + 2
    finally:
        del sitecustomize.ATTEMPTS[before:]  # this test's own attempts must not fail the session


def test_training_sends_no_telemetry(tmp_path):
    """trl's and transformers' trainers report to the Hub from a thread unless told not to; jielong tells them."""
    log = tmp_path / "attempts.log"
    env = {**os.environ, "PYTHONPATH": str(OFFLINE), "JIELONG_NETWORK_LOG": str(log), "JIELONG_CACHE": str(tmp_path)}
    # trl stays silent under CI=..., and the Hub under any of its opt-outs: a CI runner sets some, so the test clears them
    for quiet in ("HF_HUB_DISABLE_TELEMETRY", "DISABLE_TELEMETRY", "DO_NOT_TRACK", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "CI"):
        env.pop(quiet, None)
    code = ("import time\nimport jielong as jl\n"
            "world = jl.worlds.World(seed=0, n_people=20)\ntokenizer = jl.base.tokenizer_for(world)\n"
            "model = jl.models.build_model('nano', len(tokenizer), seed=0)\n"
            "jl.train.sft(model, tokenizer, [jl.train.chat('Who?', 'Ada')] * 4, steps=2, batch_size=2, progress=False)\n"
            "time.sleep(3)  # the Hub's telemetry thread would have tried by now\n")
    for telemetry, attempts in ((None, False), ("0", True)):  # as jielong sets it; and the control, telemetry on
        log.unlink(missing_ok=True)
        run_env = env if telemetry is None else {**env, "HF_HUB_DISABLE_TELEMETRY": telemetry}
        subprocess.run([sys.executable, "-c", code], env=run_env, check=True, timeout=300, capture_output=True)
        assert log.exists() == attempts, log.read_text()[:1500] if log.exists() else "the control made no attempt"


def test_loopback_stays_open():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()


def test_a_guarded_process_records_each_attempt(tmp_path):
    log = tmp_path / "attempts.log"
    env = {**os.environ, "PYTHONPATH": str(OFFLINE), "JIELONG_NETWORK_LOG": str(log)}
    code = "import urllib.request\ntry:\n    urllib.request.urlopen('https://pypi.org', timeout=2)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert "resolve 'pypi.org'" in log.read_text()
