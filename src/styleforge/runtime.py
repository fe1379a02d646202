"""How idle compute threads wait, on a machine other work may share.

OpenMP threads spin for a while when they run out of work. Beside another busy process they burn the
cores that process needs, and both crawl: a `fastcut fewshot` step went from 0.34 to 1.46 s beside a
2-thread torch job, and to 0.68 s with OMP_WAIT_POLICY=PASSIVE (idle threads sleep). Alone, PASSIVE costs
1.6x (0.56 s), so it is chosen only when the machine is busy when the command starts: `choose_wait_policy`
samples how many cores other processes keep busy, before torch loads (the policy is read then, once).
The thread count stays torch's (all cores): 1 thread beside the same job took 0.89 s. Measured in
benchmarks/contention.py. The user's own OMP_WAIT_POLICY always wins.
"""
from __future__ import annotations

import os
import sys
import time

BUSY_CORES = 0.5  # other processes using at least this many cores: sleep, do not spin
_choice = {"policy": None, "busy": None}


def _cpu_times() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process) now."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    own = os.times()
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6]) / tick, own.user + own.system


def busy_cores(sample_s: float = 0.2) -> float:
    """Cores other processes used on average over the next `sample_s` seconds (0.0 where /proc is missing)."""
    try:
        a, own_a = _cpu_times()
        start = time.perf_counter()
        time.sleep(sample_s)
        b, own_b = _cpu_times()
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, (b - a) - (own_b - own_a)) / (time.perf_counter() - start)


def choose_wait_policy() -> str:
    """Set OMP_WAIT_POLICY=PASSIVE when other processes keep >= BUSY_CORES cores busy (and the user chose
    no policy and torch has not loaded yet). Returns the policy in force: 'PASSIVE', the user's, or 'default'."""
    if _choice["policy"] is None:
        if "OMP_WAIT_POLICY" in os.environ:
            _choice["policy"] = os.environ["OMP_WAIT_POLICY"]
        elif "torch" in sys.modules or int(os.environ.get("WORLD_SIZE", "1")) > 1:
            # under torchrun, passive waiting aborted gloo workers on a loaded machine (SIGABRT, "terminate
            # called without an active exception"; tests/training/test_distributed.py, 4 of 7 runs)
            _choice["policy"] = "default"
        else:
            _choice["busy"] = busy_cores()
            if _choice["busy"] >= BUSY_CORES:
                os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            _choice["policy"] = os.environ.get("OMP_WAIT_POLICY", "default")
    return _choice["policy"]


def describe_threads(threads: int) -> str:
    """One line for the run's log: the threads and the wait policy, and why."""
    busy = _choice["busy"]
    why = f", other processes kept {busy:.1f} cores busy at start" if busy is not None else ""
    return (f"threads: {threads} of {os.cpu_count()} cores, OpenMP waiting {choose_wait_policy().lower()}{why} "
            "(choose with --set train.threads=N and OMP_WAIT_POLICY=PASSIVE|ACTIVE)")
