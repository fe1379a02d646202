"""Benchmark: DCGAN on MNIST — training images/s and CPU time to reach the recognisability bar.

The bar (issue #2): of 1,000 generated samples, >= 80% are classified with confidence >= 0.9 by a
small classifier trained on real MNIST labels, and every digit class is >= 3% of the samples.

    python benchmarks/dcgan_mnist.py --loss bce --steps 4000 --eval-every 250 --json out/bench_dcgan_mnist.json
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from styleforge import load_config, train
from styleforge.data import open_source
from styleforge.imageio import to_tensor
from styleforge.metrics import classifier_score, train_classifier
from styleforge.metrics.classifier_score import SmallClassifier, accuracy
from styleforge.run_folder import read_log

BAR_CONFIDENT, BAR_MIN_CLASS = 0.80, 0.03


def mnist_judge(epochs: int = 2, seed: int = 0, cache: str = ""):
    """A classifier trained on the first 50,000 MNIST images; accuracy measured on the last 10,000.
    With `cache`, its weights are read from / written to that file (one judge for several runs)."""
    data = open_source("mnist")
    x, y = to_tensor(data.images), torch.from_numpy(data.labels)
    if cache and Path(cache).is_file():
        model = SmallClassifier(1, 10, 28)
        model.load_state_dict(torch.load(cache, weights_only=True))
        model.eval()
    else:
        model = train_classifier(x[:50000], y[:50000], epochs=epochs, seed=seed)
        if cache:
            torch.save(model.state_dict(), cache)
    return model, accuracy(model, x[50000:], y[50000:])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loss", default="bce", choices=["bce", "lsgan", "hinge"])
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--out", default="out/bench")
    p.add_argument("--json", default="out/bench_dcgan_mnist.json")
    p.add_argument("--judge-epochs", type=int, default=2, help="epochs of the judge classifier (default: 2)")
    p.add_argument("--judge-cache", default="", help="file to keep the judge's weights in between runs")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()

    judge, judge_acc = mnist_judge(epochs=args.judge_epochs, cache=args.judge_cache)
    print(f"judge accuracy on held-out MNIST: {judge_acc:.4f}")
    config = load_config("mnist", [f"train.steps={args.steps}", f"loss.adversarial={args.loss}",
                                   f"run.output_dir={args.out}", "train.progress=false",
                                   "train.tensorboard=false", f"train.sample_every={args.steps}"] + args.overrides,
                         recipe="dcgan")
    curve, state = [], {"train_s": 0.0, "t0": time.perf_counter(), "reached": None}

    def evaluate(trainer, step, losses):
        if step % args.eval_every:
            return
        state["train_s"] += time.perf_counter() - state["t0"]
        g = trainer.export_module()
        was = g.training
        g.eval()
        with torch.no_grad():
            z = torch.randn(1000, config.model.latent_dim, generator=torch.Generator().manual_seed(123))
            score = classifier_score(judge, g(z))
        g.train(was)
        ok = score.confident_fraction >= BAR_CONFIDENT and score.min_class_fraction >= BAR_MIN_CLASS
        curve.append({"step": step, "train_cpu_s": round(state["train_s"], 1),
                      "confident": score.confident_fraction, "min_class": score.min_class_fraction})
        print(json.dumps(curve[-1]), flush=True)
        if ok and state["reached"] is None:
            state["reached"] = curve[-1]
        state["t0"] = time.perf_counter()

    run = train(config, callbacks=[evaluate])
    speeds = [r["images_per_s"] for r in read_log(run)[1:]]
    result = {"benchmark": "dcgan_mnist", "loss": args.loss, "steps": args.steps, "judge_epochs": args.judge_epochs,
              "batch_size": config.train.batch_size, "threads": torch.get_num_threads(),
              "judge_accuracy": judge_acc, "train_images_per_s": sum(speeds) / max(1, len(speeds)),
              "bar": {"confident": BAR_CONFIDENT, "min_class": BAR_MIN_CLASS},
              "reached_bar_at": state["reached"], "curve": curve, "run": str(run)}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    reached = state["reached"]
    print(f"\ntraining speed: {result['train_images_per_s']:.0f} images/s (batch {config.train.batch_size}, "
          f"{result['threads']} threads)")
    print("time to bar: " + (f"{reached['train_cpu_s']} s of training (step {reached['step']})" if reached
                             else f"not reached in {args.steps} steps"))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
