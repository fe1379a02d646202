"""`styleforge export`: write a trained style model as ONNX for onnxruntime and other runtimes."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="export a style model (ONNX)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="a run folder or an export folder")
    src.add_argument("--style", help="a bundled style name")
    p.add_argument("--format", default="onnx", choices=["onnx"], help="output format (default: onnx)")
    p.add_argument("--out", required=True, help="output file, e.g. monet.onnx")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..export import export_onnx
    from ..inference import Stylizer, resolve_style

    stylizer = Stylizer.from_pretrained(resolve_style(args.style, args.model))
    result = export_onnx(stylizer.generator, args.out)
    print(f"wrote {result['path']} (max |ONNX - PyTorch| on a check image: {result['max_abs_diff']:.2e}, "
          f"{result['mismatch_share']:.3%} of values beyond 1e-3); "
          f"use it with `styleforge stylize --model {result['path']}`")
    return 0
