"""`styleforge optimize`: paint one photo in the style of a set of images by optimising its pixels
(Gatys et al. 2016 on VGG-16, inference/optimize.py): no training, minutes per image, the best single
image when you can wait."""
from __future__ import annotations

EXAMPLES = """examples:
  styleforge optimize --style-images my_paintings/ --input photo.jpg --output photo_painted.png
  styleforge optimize --style-images my_paintings/ --input photo.jpg --output out.png --size 384 --steps 300
"""


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser("optimize", help="paint one image by per-image optimisation (slow, no training)",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--style-images", required=True, metavar="DIR", help="folder of style images (a painter's works)")
    p.add_argument("--input", required=True, help="the photo to paint")
    p.add_argument("--output", required=True, help="output image file")
    p.add_argument("--size", type=int, default=256, help="working size of the photo's shorter side, and of the "
                                                         "style images (default: 256; the cost grows with its square)")
    p.add_argument("--steps", type=int, default=200, help="L-BFGS iterations (default: 200)")
    p.add_argument("--content-weight", type=float, default=1.0, help="how strongly the photo's content is kept "
                                                                   "(default: 1; lower paints more)")
    p.add_argument("--tv-weight", type=float, default=0.02, help="smoothness penalty (default: 0.02)")
    p.add_argument("--limit", type=int, default=64, help="at most this many style images (default: 64)")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast where the CPU is faster with it (about 1.9x "
                   "on CPUs with bf16 units); it rounds away the first, tiny L-BFGS step on small images, so off by default")
    p.set_defaults(run=run)


def run(args) -> int:
    import torch
    from tqdm import tqdm

    from ..data.transforms import resize_shorter
    from ..errors import StyleforgeError
    from ..imageio import read_image, save_image, to_tensor
    from ..inference.optimize import optimize_images, style_grams
    from ..metrics.evaluate import load_square
    from ..precision import resolve_amp

    if not 32 <= args.size <= 2048 or not 1 <= args.steps <= 10_000:
        raise StyleforgeError("--size must be in 32..2048 and --steps in 1..10000")
    style, _, skipped = load_square(args.style_images, args.size, limit=args.limit)
    for path, reason in skipped:
        print(f"skipped {path}: {reason}")
    photo = resize_shorter(to_tensor(read_image(args.input)), args.size)[None]
    bf16 = args.bf16 and resolve_amp("auto", torch.device("cpu")) == "bf16"
    bar = tqdm(total=args.steps, unit="step")
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        grams = style_grams(style)
        out = optimize_images(photo, grams, content_weight=args.content_weight, tv_weight=args.tv_weight,
                              steps=args.steps, callback=lambda i, loss: bar.update(int(bar.n < bar.total)))
    bar.close()
    print(f"wrote {save_image(out[0].float(), args.output)} ({len(style)} style images, "
          f"{'bf16' if bf16 else 'fp32'})")
    return 0
