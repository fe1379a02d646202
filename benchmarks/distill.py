"""Distillation benchmark (issue #9, target 3): a teacher learns a ground-truth operator, a light student
is distilled from it (`styleforge distill`), and both are scored against the operator's true output.

Per operator: train the teacher (CUT, a light generator b32/4 unless --teacher-args), distil the student
(configs/distill/default.yaml: light b12/2), optionally train the student's architecture directly with the
teacher's recipe for the same number of steps (--direct), then PSNR on the held-out photos at --test-size,
MACs at 256² and stylising ms at 256² and 1024² through the Stylizer.

    python benchmarks/distill.py --operators pencil_sketch,film_grade --teacher-steps 600 --student-steps 600
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from styleforge import load_config, train
from styleforge.data import data_root
from styleforge.inference import Stylizer
from styleforge.metrics.ground_truth import evaluate, prepare_split

from speed import best_ms  # benchmarks/ is on the path when a script in it runs


def cost(run: Path) -> dict:
    """GMAC at 256² and stylising ms (best of 3) at 256² and 1024², the way `styleforge stylize` runs it."""
    stylizer = Stylizer.from_pretrained(run)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        stylizer.generator(torch.zeros(1, 3, 256, 256))
    row = {"gmac_256": counter.get_total_flops() / 2e9,
           "params": sum(p.numel() for p in stylizer.generator.parameters())}
    for size in (256, 1024):
        row[f"ms_{size}"] = best_ms(stylizer, torch.rand(1, 3, size, size) * 2 - 1, repeats=3)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--operators", default="pencil_sketch,film_grade")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--test-size", type=int, default=256)
    p.add_argument("--teacher-steps", type=int, default=600)
    p.add_argument("--teacher-args", default="{base_channels: 32, blocks: 4}")
    p.add_argument("--student-steps", type=int, default=600)
    p.add_argument("--direct", action="store_true", help="also train the student architecture without a teacher")
    p.add_argument("--workdir", default="out/bench_distill")
    p.add_argument("--json", default="out/bench_distill.json")
    p.add_argument("--set", dest="overrides", action="append", default=[], help="override for the distillation")
    args = p.parse_args()
    work, results = Path(args.workdir), []
    common = ["train.progress=false", "train.tensorboard=false", f"run.output_dir={work / 'runs'}",
              f"data.image_size={args.size}", f"data.load_size={args.size}", "data.holdout_fraction=0"]
    for operator in args.operators.split(","):
        split = prepare_split(data_root() / "gan_getting_started" / "photo_jpg", operator, work / "data",
                              size=args.size, test_size=args.test_size)
        data = [f"data.style={split.style_dir}", f"data.content={split.content_dir}"]
        runs, seconds = {}, {}

        def timed(name, config):
            t0 = time.perf_counter()
            runs[name] = train(config)
            seconds[name] = round(time.perf_counter() - t0, 1)
            print(f"{operator}: {name} trained in {seconds[name]} s", flush=True)

        timed("teacher", load_config("fast", common + data + [f"train.steps={args.teacher_steps}",
                                                             f"model.generator_args={args.teacher_args}",
                                                             f"run.name=teacher-{operator}"], recipe="cut"))
        timed("student", load_config("default", common + data + [f"train.steps={args.student_steps}",
                                                                f"distill.teacher={runs['teacher']}",
                                                                f"run.name=student-{operator}"] + args.overrides,
                                     recipe="distill"))
        if args.direct:
            student_args = load_config("default", recipe="distill").model.generator_args
            timed("direct", load_config("fast", common + data + [f"train.steps={args.student_steps}",
                                                                f"model.generator_args={json.dumps(student_args)}",
                                                                f"run.name=direct-{operator}"], recipe="cut"))
        row = {"operator": operator, "train_s": seconds}
        for name, run in runs.items():
            row[name] = {**evaluate(split, Stylizer.from_pretrained(run))["model"], **cost(run)}
        base = evaluate(split)
        row.update(identity=base["identity"], color_transfer=base["color_transfer"])
        row["student_minus_teacher_db"] = row["student"]["psnr"] - row["teacher"]["psnr"]
        results.append(row)
        print(f"{operator:<14} identity {row['identity']['psnr']:.2f} dB | teacher {row['teacher']['psnr']:.2f} dB "
              f"({row['teacher']['gmac_256']:.2f} GMAC) | student {row['student']['psnr']:.2f} dB "
              f"({row['student']['gmac_256']:.2f} GMAC, {row['student']['ms_256']:.0f} ms at 256², "
              f"{row['student']['ms_1024']:.0f} ms at 1024²) | student - teacher {row['student_minus_teacher_db']:+.2f} dB"
              + (f" | direct {row['direct']['psnr']:.2f} dB" if "direct" in row else ""), flush=True)
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
