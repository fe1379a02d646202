"""`styleforge sample`: draw a grid of images from a trained noise-to-image model."""
from __future__ import annotations

from ..imageio import save_grid


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="write a grid of samples from a trained GAN",
                       description="example: styleforge sample --model runs/00001-dcgan-mnist -n 64 --out grid.png")
    p.add_argument("--model", required=True, help="run folder or its export/ folder")
    p.add_argument("-n", type=int, default=64, help="number of samples (default: 64)")
    p.add_argument("--out", default="samples.png", help="output image (default: samples.png)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..inference import NoiseSampler

    if args.n < 1:
        from ..errors import ConfigError
        raise ConfigError(f"-n must be at least 1, got {args.n}")
    images = NoiseSampler.from_pretrained(args.model).sample(args.n, seed=args.seed)
    print(f"wrote {save_grid(images, args.out)}")
    return 0
