"""The package itself (`jielong/__init__`): what importing it sets up before torch is loaded."""
import os
import subprocess
import sys


def _policy_after_import(env: dict) -> str:
    code = "import jielong, os, sys; assert 'torch' in sys.modules; print(os.environ['OMP_WAIT_POLICY'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_jielong_makes_torch_threads_wait_passively():
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert _policy_after_import(env) == "PASSIVE"


def test_a_users_own_wait_policy_wins():
    assert _policy_after_import({**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"
