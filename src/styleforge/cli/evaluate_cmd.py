"""`styleforge evaluate`: score a style model on held-out photos; write metrics.json and report.html."""
from __future__ import annotations

import json
from pathlib import Path

from ..files import ensure_folder
from ..run_folder import CONFIG, LOG, read_log, run_of
from ..specs import parse_names

MIN_REFERENCE = 8  # fewest held-out style images worth scoring against

EXAMPLES = """examples:
  styleforge evaluate --style-name monet --content photos/ --style paintings/ --out eval/
  styleforge evaluate --model runs/00004-cut-monet --content photos/ --style paintings/ --metrics swd,ssim
"""


def add_parser(sub) -> None:
    import argparse

    from ..metrics.evaluate import DEFAULT_METRICS, all_metrics

    p = sub.add_parser("evaluate", help="score a style model and write an HTML report", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="a run folder or an export folder")
    which.add_argument("--style-name", help="a bundled style (e.g. monet)")
    p.add_argument("--content", required=True, help="folder of photos; its held-out split is used")
    p.add_argument("--style", required=True, help="folder of style images (the reference set)")
    p.add_argument("--metrics", default=",".join(DEFAULT_METRICS), help=f"comma list of {', '.join(all_metrics())} (fd_lite, kid_lite: "
                   "EfficientNet-Lite0 features, not comparable with published FID/KID; fid, kid need --inception)")
    p.add_argument("--size", type=int, default=128, help="evaluation resolution (default: 128)")
    p.add_argument("--limit", type=int, default=200, help="at most this many images per set (default: 200)")
    p.add_argument("--holdout", type=float, default=0.1, help="held-out fraction of --content (default: 0.1; 0 = all)")
    p.add_argument("--inception", help="FID Inception weights file (for fid/kid)")
    p.add_argument("--out", default="out/evaluate", help="output folder (default: out/evaluate)")
    p.set_defaults(run=run)


def run(args) -> int:
    import os

    from ..files import atomic_write_text
    from ..inference import Stylizer, resolve_style
    from ..metrics.evaluate import evaluate_model
    from ..metrics.report import write_report

    if args.inception:
        os.environ["STYLEFORGE_INCEPTION"] = args.inception
    model_dir = resolve_style(args.style_name, args.model)
    stylizer = Stylizer.from_pretrained(model_dir)
    metrics = tuple(parse_names(args.metrics))
    style_holdout = _training_style_holdout(Path(args.model) if args.model else None, Path(args.style))
    if style_holdout:
        from ..data.datasets import list_image_files, split_holdout

        held = len(split_holdout(list_image_files(args.style)[0], style_holdout, Path(args.style)))
        if held >= MIN_REFERENCE:
            print(f"{args.style} is the run's own style set: scoring against the {held} images it held out "
                  "(the ones it trained on would flatter it)")
        else:
            print(f"note: {args.style} is the run's own style set and only {held} of it were held out; scoring "
                  "against all of it, training images included (give --style a folder of other paintings)")
            style_holdout = 0.0
    result = evaluate_model(stylizer, args.content, args.style, args.size, metrics, args.holdout, args.limit,
                            style_holdout_fraction=style_holdout)
    result["model_path"] = str(model_dir)
    out = ensure_folder(args.out, "--out")
    plots = _training_plots(Path(args.model) if args.model else None, out)
    atomic_write_text(out / "metrics.json", json.dumps(
        {"model": result["model"], "identity": result["identity"], "color_transfer": result["color_transfer"],
         "split": result["split"],
         "model_path": str(model_dir)}, indent=2))
    name = run_of(model_dir).name  # a run's export: the run's name
    report = write_report(out / "report.html", result, f"styleforge evaluation: {name}", plots)
    width = max(len(k) for k in result["model"])
    print(f"{'metric':<{width}}  {'model':>10}  {'identity':>10}  {'colour transfer':>15}")
    for k, v in result["model"].items():
        print(f"{k:<{width}}  {v:>10.4f}  {result['identity'][k]:>10.4f}  {result['color_transfer'][k]:>15.4f}")
    skipped = result["split"]["skipped"]
    if skipped:
        print(f"{len(skipped)} files skipped (listed in metrics.json and the report):")
        for path, reason in skipped:
            print(f"  skipped {path}: {reason}")
    print(f"wrote {out / 'metrics.json'} and {report}")
    return 0


def _training_style_holdout(model: Path | None, style: Path) -> float:
    """The run's data.holdout_fraction when `style` is the folder the run trained on (else 0: all of it)."""
    if model is None:
        return 0.0
    try:
        data = json.loads((run_of(model) / CONFIG).read_text(encoding="utf-8"))["data"]
        same = Path(str(data.get("style", data.get("source")))) .resolve() == style.resolve()
        return float(data.get("holdout_fraction", 0.0)) if same else 0.0
    except (TypeError, OSError, ValueError, KeyError):
        return 0.0


def _training_plots(run: Path | None, out: Path) -> dict[str, Path]:
    """Loss curves and, where logged, metric-over-training curves of a run folder."""
    if run is None or not (run / LOG).is_file():
        return {}
    from ..training.plots import plot_curves

    records = read_log(run)
    plots = {"training losses": plot_curves(records, out / "loss_curves.png")}
    eval_keys = sorted({k for r in records for k in r if k.startswith("eval_")})
    if eval_keys:
        plots["metrics during training"] = plot_curves(records, out / "eval_curves.png", keys=eval_keys,
                                                       title="held-out metrics during training")
    return plots
