"""The OpenMP wait policy: PASSIVE only when other processes keep the machine busy at start, the user's own
choice kept, nothing changed once torch has loaded."""
import os
import subprocess
import sys

CHOOSE = ("import os, sys; from styleforge import runtime; p = runtime.choose_wait_policy(); "
          "print(p, os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)")


def _choose(env):
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    return subprocess.run([sys.executable, "-c", CHOOSE], capture_output=True, text=True, env={**base, **env},
                          check=True).stdout.split()


def test_a_busy_machine_gets_passive_waiting_and_an_idle_one_the_default():
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = _choose({})
        distributed = _choose({"WORLD_SIZE": "2"})
    finally:
        spin.kill()
        spin.wait()
    assert busy == ["PASSIVE", "PASSIVE", "False"]  # decided before torch loaded
    assert distributed == ["default", "None", "False"]  # a torchrun worker keeps the default, busy or not
    assert _choose({"OMP_WAIT_POLICY": "ACTIVE"})[:2] == ["ACTIVE", "ACTIVE"]


def test_the_policy_is_left_alone_once_torch_has_loaded():
    code = "import torch; " + CHOOSE
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=base, check=True).stdout.split()
    assert out == ["default", "None", "True"]
