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


def _kernels(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    return subprocess.run([sys.executable, "-c", code + "; print(torch.backends.cpu.get_cpu_capability())"], env=env,
                          capture_output=True, text=True, check=True)


def test_importing_jielong_first_gives_the_same_kernels_on_every_x86_machine():
    """AVX-512 kernels give other numbers than AVX2 ones (the record's): importing jielong first picks AVX2."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return  # other processors have their own kernels: the book's numbers are made on x86-64
    own = _kernels("import torch").stdout.split()[-1]  # what torch picks by itself on this processor
    assert _kernels("import jielong, torch").stdout.split()[-1] == ("AVX2" if own.startswith("AVX") else own)
    late = _kernels("import torch; torch.ones(1) + 1; import jielong")
    assert ("AVX-512" in late.stderr) == own.startswith("AVX512"), late.stderr  # warned only when it matters
