"""A training step on a busy machine (issue #20): `fastcut fewshot` at 128 px, batch 4, timed alone and beside
a competing process (another 2-thread torch job), with torch's defaults, OMP_WAIT_POLICY=PASSIVE, a short
GOMP_SPINCOUNT, 1 thread, and what the CLI chooses (styleforge.runtime.choose_wait_policy).

    python benchmarks/contention.py --steps 8 --json out/bench_contention.json

Each configuration is its own process (the OpenMP wait policy is read once, when the library loads).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

STYLEFORGE_ENV: dict = {}  # what the CLI sets before torch loads (styleforge.runtime)
COMPETITOR = """
import torch, time
torch.set_num_threads(2)
x = torch.randn(8, 64, 96, 96); conv = torch.nn.Conv2d(64, 64, 3, padding=1)
with torch.no_grad():
    while True:
        conv(x)
"""


def worker(steps: int, threads: int) -> dict:
    if threads < 0:  # as the CLI starts
        from styleforge.runtime import choose_wait_policy
        choose_wait_policy()
    import torch

    from styleforge import load_config
    from styleforge.recipes import build_recipe
    from styleforge.training.stepper import Stepper

    if threads > 0:
        torch.set_num_threads(threads)
    config = load_config("fewshot", ["data.image_size=128", "data.load_size=128", "train.batch_size=4"], recipe="fastcut")
    torch.manual_seed(0)
    r = build_recipe(config, 3)
    t = config.train
    opts = Stepper.adam(r.optimizer_groups(), betas=(t.beta1, t.beta2))
    batch = lambda: {d: torch.rand(4, 3, 128, 128) * 2 - 1 for d in r.data_domains(config)}  # noqa: E731
    r.training_step(batch(), opts)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        r.training_step(batch(), opts)
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "threads": torch.get_num_threads(),
            "wait_policy": os.environ.get("OMP_WAIT_POLICY", "default")}


def run(steps: int, threads: int, env: dict, busy: bool) -> dict:
    competitor = subprocess.Popen([sys.executable, "-c", COMPETITOR]) if busy else None
    try:
        if competitor:
            time.sleep(3)  # let it reach full speed
        base = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
        out = subprocess.run([sys.executable, __file__, "--worker", str(steps), str(threads)], capture_output=True,
                             text=True, env={**base, **env})
    finally:
        if competitor:
            competitor.kill()
            competitor.wait()
    if out.returncode:
        raise RuntimeError(out.stderr[-500:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--json", default="out/bench_contention.json")
    p.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from speed import cpu_flags, cpu_model

    passive, short = {"OMP_WAIT_POLICY": "PASSIVE"}, {"GOMP_SPINCOUNT": "20000"}
    cases = [  # (label, threads (0: torch's default, -1: styleforge's choice), environment, busy)
        ("alone, torch defaults", 0, {}, False),
        ("alone, OMP_WAIT_POLICY=PASSIVE", 0, passive, False),
        ("alone, GOMP_SPINCOUNT=20000", 0, short, False),
        ("alone, styleforge defaults", -1, STYLEFORGE_ENV, False),
        ("busy, torch defaults", 0, {}, True),
        ("busy, OMP_WAIT_POLICY=PASSIVE", 0, passive, True),
        ("busy, GOMP_SPINCOUNT=20000", 0, short, True),
        ("busy, 1 thread", 1, {}, True),
        ("busy, styleforge defaults", -1, STYLEFORGE_ENV, True),
    ]
    print(f"CPU: {cpu_model()} ({cpu_flags()}), {os.cpu_count()} cores; fastcut fewshot 128 px batch 4, median of "
          f"{args.steps} steps", flush=True)
    rows = []
    for label, threads, env, busy in cases:
        row = {"case": label, **run(args.steps, threads, env, busy)}
        rows.append(row)
        print(f"{label:36} {row['threads']} threads, {row['wait_policy']:8}: {row['median_s']:.3f} s/step", flush=True)
    alone = rows[0]["median_s"]
    for row in rows:
        row["slowdown_vs_alone"] = row["median_s"] / alone
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"cpu": cpu_model(), "steps": args.steps, "rows": rows}, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
