"""Speed benchmark (issue #9): training seconds per step, images/s and peak RSS per recipe and size, and
stylising milliseconds per image per generator at 256/512/1024, with parameters and MACs. The reference
CycleGAN architecture (ResNet-9, 64 channels, 70x70 PatchGAN, LSGAN + cycle + identity, batch 1) is always
the first row. Each training configuration runs in its own process, so its peak RSS is its own.

    python benchmarks/speed.py --steps 3 --json out/bench_speed.json
    python benchmarks/speed.py --part reference --steps 5   # the reference code side by side (../shared/peers)

`--part reference` runs the unmodified reference CycleGAN, CUT and FastCUT code (../shared/peers/
bench_reference.py: their own optimize_parameters() and generator) and, right after each, the project's
row of the same architecture in fp32 and at its defaults (train.amp=auto: bf16 autocast where this CPU
runs it faster), and prints the ratios (steps/s, peak RSS, stylising ms) with the CPU model: only ratios
measured in one run on one machine mean anything.
"""
from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

TRAIN_ROWS = [  # (label, recipe, preset, size, batch)
    ("reference CycleGAN", "cyclegan", "monet", 128, 1),
    ("reference CycleGAN", "cyclegan", "monet", 256, 1),
    ("cyclegan small", "cyclegan", "small", 128, 1),
    ("cut fast (light)", "cut", "fast", 128, 1),
    ("cut fast (light)", "cut", "fast", 128, 4),
    ("cut fast (light)", "cut", "fast", 256, 1),
    ("fastcut fewshot (light)", "fastcut", "fewshot", 128, 4),
    ("fastcut fast (light)", "fastcut", "fast", 256, 4),
    ("multistyle fast (3 styles)", "multistyle", "fast", 128, 4),
    ("distill (b12/2 from monet)", "distill", "default", 128, 4),
]
MONET = Path(__file__).resolve().parents[1] / "src/styleforge/assets/styles/monet"
RECIPE_OVERRIDES = {"multistyle": ["multistyle.styles=a=x,b=y,c=z"],  # what a recipe needs beyond its preset
                    "distill": [f"distill.teacher={MONET}"]}  # the bundled style as the teacher
GENERATORS_TO_TIME = [  # (label, name, kwargs)
    ("resnet-9 (reference)", "resnet", {"base_channels": 64, "blocks": 9}),
    ("light b32/4 (bundled monet)", "light", {"base_channels": 32, "blocks": 4}),
    ("light b16/2", "light", {"base_channels": 16, "blocks": 2}),
    ("light b12/2", "light", {"base_channels": 12, "blocks": 2}),
    ("filters, every stage at its start", "filters", {}),
    ("filters, cartoon (kuwahara2 + posterise 4 after box1 + ink)", "filters",
     {"moves": ("kuwahara2=0.5", "posterise=4+box1", "ink=0.5")}),
]


def train_worker(recipe: str, preset: str, size: int, batch: int, steps: int, amp: str = "off") -> dict:
    """One recipe's training step timed in this process: `amp` 'off', 'bf16' or 'auto' (resolved here, as
    the trainer does). s_per_step is the mean, median_s the median of the timed steps."""
    from styleforge import load_config
    from styleforge.recipes import build_recipe
    from styleforge.training.stepper import Stepper

    config = load_config(preset, [f"data.image_size={size}", f"data.load_size={size}", f"train.batch_size={batch}",
                                  *RECIPE_OVERRIDES.get(recipe, [])], recipe=recipe)
    torch.manual_seed(0)
    r = build_recipe(config, 3)
    t = config.train
    opts = Stepper.adam(r.optimizer_groups(), betas=(t.beta1, t.beta2))
    domains = r.data_domains(config)
    batch_of = lambda: {d: torch.rand(batch, 3, size, size) * 2 - 1 for d in domains}  # noqa: E731
    from styleforge.precision import resolve_amp

    amp = resolve_amp(amp, torch.device("cpu"))
    autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp == "bf16")  # noqa: E731
    with FlopCounterMode(display=False) as counter, autocast():  # the warm-up step, counted: forward and backward
        r.training_step(batch_of(), opts)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        with autocast():
            r.training_step(batch_of(), opts)
        times.append(time.perf_counter() - start)
    seconds = sum(times) / steps
    return {"s_per_step": seconds, "median_s": sorted(times)[len(times) // 2], "amp": amp,
            "images_per_s": batch / seconds, "gflop_per_step": counter.get_total_flops() / 1e9,
            "gflop_per_s": counter.get_total_flops() / 1e9 / seconds,
            "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
            "params": {k: sum(p.numel() for p in n.parameters()) for k, n in r.networks.items()}}


def best_ms(fn, x, repeats: int) -> float:
    """Milliseconds of the fastest of `repeats` calls fn(x), after one warm-up call."""
    fn(x)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def generator_rows(sizes=(256, 512, 1024)) -> list[dict]:
    """Per generator: parameters, GMAC at 256², and ms per image at each size, called plainly (NCHW) and
    through the Stylizer as `styleforge stylize` runs it (channels-last for the generators that prefer it)."""
    from styleforge.inference import Stylizer
    from styleforge.models import GENERATORS

    rows = []
    for label, name, kwargs in GENERATORS_TO_TIME:
        kwargs = dict(kwargs)
        moves = kwargs.pop("moves", ())
        g = GENERATORS.create(name, **kwargs).eval()
        if moves:  # a filters generator as its structural search leaves it: the other stages switched off
            named = dict(g.search_moves())
            g.switch_off()
            for move in moves:
                named[move](g)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            g(torch.zeros(1, 3, 256, 256))
        row = {"generator": label, "params": sum(p.numel() for p in g.parameters()),
               "gmac_256": counter.get_total_flops() / 2e9}
        stylizer = Stylizer(copy.deepcopy(g), channels_last=getattr(g, "prefers_channels_last", False))
        for size in sizes:
            x = torch.rand(1, 3, size, size) * 2 - 1
            repeats = 3 if size < 1024 else 2
            with torch.no_grad():
                row[f"ms_{size}_plain"] = best_ms(g, x, repeats)
            row[f"ms_{size}"] = best_ms(stylizer, x, repeats)
        rows.append(row)
        print(f"{label}: {row['params']:,} params, {row['gmac_256']:.2f} GMAC at 256, stylising "
              + ", ".join(f"{s}: {row[f'ms_{s}']:.0f} ms (plain {row[f'ms_{s}_plain']:.0f})" for s in sizes), flush=True)
    return rows


FEATURE_ROWS = [  # (network, taps): what the losses and metrics read
    ("vgg16", ("relu1_2", "relu2_2", "relu3_3", "relu4_3")),
    ("vgg16", ("relu1_1", "relu2_1", "relu3_1")),
    ("efficientnet_lite0", ("stage2", "stage3", "stage5", "stage7")),
]


def feature_rows(sizes=(128, 256), batch: int = 4, repeats: int = 3) -> list[dict]:
    """Per frozen feature network and tap set: ms of forward + backward (gradient to the input, as when a
    generator trains through it) for a batch, in fp32 and under bf16 autocast."""
    from styleforge.models.features import create_features

    rows = []
    for name, taps in FEATURE_ROWS:
        net = create_features(name)
        for size in sizes:
            x = (torch.rand(batch, 3, size, size) * 2 - 1).requires_grad_(True)

            def step(x):
                out = net(x, taps)
                sum(f.float().square().mean() for f in out.values()).backward()

            row = {"network": name, "taps": list(taps), "size": size, "batch": batch}
            with FlopCounterMode(display=False) as counter:
                step(x)
            row["gflop"] = counter.get_total_flops() / 1e9
            row["ms_fp32"] = best_ms(step, x, repeats)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                row["ms_bf16"] = best_ms(step, x, repeats)
            rows.append(row)
            print(f"{name:18} {'+'.join(taps):32} {size}px batch {batch}: forward+backward {row['ms_fp32']:.0f} ms "
                  f"fp32, {row['ms_bf16']:.0f} ms bf16 ({row['ms_fp32'] / row['ms_bf16']:.2f}x), "
                  f"{row['gflop']:.1f} GFLOP", flush=True)
    return rows


PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers" / "bench_reference.py"
REFERENCE_TRAINING = [  # (reference case, size, project recipe, preset of the same architecture)
    ("cyclegan", 128, "cyclegan", "monet"),
    ("cut", 128, "cut", "monet"),
    ("fastcut", 128, "fastcut", "monet"),
]


def cpu_model() -> str:
    """'AMD EPYC (family 25, model 17)': the model name, with family and model where the name is generic."""
    info = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    if "model name" not in info:
        import platform
        return platform.processor() or "unknown CPU"
    return f"{info['model name']} (family {info.get('cpu family', '?')}, model {info.get('model', '?')})"


def cpu_flags() -> str:
    flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    return ", ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f" {f}" in flags) or "none of avx2/avx512"


def _reference(case: str, size: int | None, threads: int) -> dict:
    cmd = [sys.executable, str(PEERS), "--case", case, "--threads", str(threads)] + (["--size", str(size)] if size else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"reference {case}: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout[out.stdout.index("{"):])


def _project(recipe: str, preset: str, size: int, steps: int, amp: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--steps", str(steps), "--amp", amp, "--worker", recipe, preset,
                          str(size), "1"], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{recipe} {preset}: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def stylise_worker(threads: int, sizes=("256", "512"), warmup: int = 3, repeats: int = 10) -> dict:
    """In a fresh process, as the reference's inference case runs (3 warm-up calls, median of 10): ms of the
    ResNet-9 generator (fp32, bf16 autocast) and of the bundled style through the Stylizer (fp32, and
    `amp='auto'` as the CLI runs it: bf16 where the CPU has bf16 units), one image, inference mode."""
    import statistics

    from styleforge.inference import Stylizer
    from styleforge.models import GENERATORS

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    resnet = GENERATORS.create("resnet", base_channels=64, blocks=9).eval()
    bundled = Stylizer.from_pretrained(MONET)
    bundled_auto = Stylizer.from_pretrained(MONET, amp="auto")

    def median_ms(fn, x):
        for _ in range(warmup):
            fn(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn(x)
            times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    rows = {}
    with torch.inference_mode():
        for size in sizes:
            x = torch.rand(1, 3, int(size), int(size)) * 2 - 1
            rows[size] = {"resnet9_fp32_ms": median_ms(resnet, x)}
            with torch.autocast("cpu", dtype=torch.bfloat16):
                rows[size]["resnet9_bf16_ms"] = median_ms(resnet, x)
            rows[size]["bundled_light_ms"] = median_ms(bundled, x)
            rows[size]["bundled_light_auto_ms"] = median_ms(bundled_auto, x)
            rows[size]["bundled_light_auto_amp"] = "bf16" if bundled_auto.autocast else "off"
    return rows


def reference_rows(steps: int, threads: int = 2) -> dict:
    """The reference code's training step and the project's same-architecture step back to back, per case;
    then the reference generator's stylising time beside the project's (same architecture, and the
    bundled style's light generator)."""
    import statistics

    training = []
    for case, size, recipe, preset in REFERENCE_TRAINING:
        ref = _reference(case, size, threads)
        ref_s = statistics.median(ref["times_s"])
        ref_rss = ref["rss_peak_mib"] / 1024
        row = {"case": case, "size": size, "reference_s": ref_s, "reference_rss_gib": ref_rss}
        for amp in ("off", "auto"):
            mine = _project(recipe, preset, size, steps, amp)
            key = "fp32" if amp == "off" else "defaults"
            row.update({f"{key}_amp": mine["amp"], f"{key}_s": mine["median_s"], f"{key}_rss_gib": mine["peak_rss_gib"],
                        f"{key}_speed_ratio": ref_s / mine["median_s"], f"{key}_memory_ratio": mine["peak_rss_gib"] / ref_rss})
        training.append(row)
        print(f"{case:9} {size}px batch 1: reference {ref_s:.3f} s/step, {ref_rss:.2f} GiB | project fp32 "
              f"{row['fp32_s']:.3f} s ({row['fp32_speed_ratio']:.2f}x speed, {row['fp32_memory_ratio']:.2f}x memory) | "
              f"defaults ({row['defaults_amp']}) {row['defaults_s']:.3f} s ({row['defaults_speed_ratio']:.2f}x speed, "
              f"{row['defaults_memory_ratio']:.2f}x memory)", flush=True)
    stylising = []
    ref = _reference("infer_cyclegan", None, threads)
    out = subprocess.run([sys.executable, __file__, "--stylise-worker", str(threads)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"stylise worker: {out.stderr.strip().splitlines()[-1:]}")
    mine = json.loads(out.stdout.strip().splitlines()[-1])
    for size_key, info in sorted(ref["sizes"].items(), key=lambda kv: int(kv[0])):
        ref_ms, m = 1000 * statistics.median(info["times_s"]), mine[size_key]
        row = {"size": int(size_key), "reference_ms": ref_ms, **m, "fp32_speed_ratio": ref_ms / m["resnet9_fp32_ms"],
               "bf16_speed_ratio": ref_ms / m["resnet9_bf16_ms"], "defaults_speed_ratio": ref_ms / m["bundled_light_ms"],
               "auto_speed_ratio": ref_ms / m["bundled_light_auto_ms"]}
        stylising.append(row)
        print(f"stylise {size_key}px: reference ResNet-9 {ref_ms:.0f} ms | project ResNet-9 fp32 {m['resnet9_fp32_ms']:.0f} ms "
              f"({row['fp32_speed_ratio']:.2f}x), bf16 {m['resnet9_bf16_ms']:.0f} ms ({row['bf16_speed_ratio']:.2f}x) | "
              f"bundled light generator fp32 {m['bundled_light_ms']:.0f} ms ({row['defaults_speed_ratio']:.2f}x), "
              f"{m['bundled_light_auto_amp']} (precision auto) {m['bundled_light_auto_ms']:.0f} ms ({row['auto_speed_ratio']:.2f}x)",
              flush=True)
    return {"training": training, "stylising": stylising, "reference_raw_infer": ref}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--json", default="out/bench_speed.json")
    p.add_argument("--part", choices=["all", "training", "stylising", "features", "reference"], default="all")
    p.add_argument("--amp", default="off", help=argparse.SUPPRESS)
    p.add_argument("--stylise-worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    p.add_argument("--only", default="", help="only the training rows whose label contains this text, e.g. to time one row on two versions of the code (default: all rows, the reference first)")
    p.add_argument("--worker", nargs=4, metavar=("RECIPE", "PRESET", "SIZE", "BATCH"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        recipe, preset, size, batch = args.worker
        print(json.dumps(train_worker(recipe, preset, int(size), int(batch), args.steps, args.amp)))
        return
    if args.stylise_worker:
        print(json.dumps(stylise_worker(args.stylise_worker)))
        return
    if args.part == "reference":
        print(f"CPU: {cpu_model()} ({cpu_flags()}), {torch.get_num_threads()} threads", flush=True)
        result = {"benchmark": "speed-reference", "cpu": cpu_model(), "cpu_flags": cpu_flags(), "threads": 2,
                  "steps": args.steps, **reference_rows(args.steps)}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")
        return
    rows = []
    for label, recipe, preset, size, batch in TRAIN_ROWS if args.part in ("all", "training") else []:
        if args.only not in label:
            continue
        out = subprocess.run([sys.executable, __file__, "--steps", str(args.steps), "--worker", recipe, preset,
                              str(size), str(batch)], capture_output=True, text=True)
        if out.returncode:
            print(f"{label} {size}px batch {batch}: failed: {out.stderr.strip().splitlines()[-1]}")
            continue
        row = {"recipe": label, "size": size, "batch": batch, **json.loads(out.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(f"{label:28} {size:4d}px batch {batch}: {row['s_per_step']:.3f} s/step, {row['images_per_s']:.2f} img/s, "
              f"{row['gflop_per_s']:.0f} GFLOP/s, peak RSS {row['peak_rss_gib']:.2f} GiB", flush=True)
    result = {"benchmark": "speed", "threads": torch.get_num_threads(), "steps": args.steps, "training": rows,
              "stylising": generator_rows() if args.part in ("all", "stylising") else [],
              "features": feature_rows() if args.part in ("all", "features") else []}
    base = next((r for r in rows if r["recipe"] == "reference CycleGAN" and r["size"] == 256), None)
    if base:
        for r in rows:
            r["speedup_vs_reference_256"] = base["s_per_step"] / r["s_per_step"] * r["batch"]
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
