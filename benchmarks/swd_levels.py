"""Where a painterly model's SWD comes from: per pyramid level, and how much colour its texture carries.

Reads the outputs `benchmarks/painterly.py` saved (out/bench_painterly/outputs-PAINTER-N-SIZE-M-ROW.pt) and
prints, beside the identity and the painter's own training-side paintings (the floor), against the held-out
paintings of the same split:
- the SWD of each Laplacian-pyramid level (metrics/swd.py: 7x7 patches; the reported SWD is their mean);
- the mean |chroma| of each level's band (the band minus its mean over R, G, B): a painter's broken colour,
  side-by-side strokes of different hue, is band-pass colour, where a photo's detail is mostly light and shade;
- with --features, the painterly recipe's own style distances (losses/feature_style.py, SWD of VGG-16
  features at relu1_2, relu2_2, relu3_3, and of the colour view's) of 16 central 128 px crops, against the
  statistics of the training paintings' corner crops: what the recipe's losses see of the same gap.

    python benchmarks/swd_levels.py --painter monet --paintings 25 --rows painterly,"colour map" --models monet
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import painterly as bench  # noqa: E402  (the same split)

from styleforge.losses.feature_style import FeatureStyleLoss, colour_view  # noqa: E402
from styleforge.metrics.swd import laplacian_pyramid, swd  # noqa: E402


def band_chroma(images: torch.Tensor, levels: int = 4) -> list[float]:
    """(N, 3, H, W) in [-1, 1] -> per pyramid level, the mean |band - its mean over the channels|."""
    return [(band - band.mean(1, keepdim=True)).abs().mean().item() for band in laplacian_pyramid(images.float(), levels)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--painter", default="monet")
    p.add_argument("--paintings", type=int, default=25)
    p.add_argument("--test-photos", type=int, default=48)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--rows", default="painterly", help="saved output rows (file-name suffixes), comma-separated")
    p.add_argument("--models", default="", help="bundled style names or NAME=RUN_OR_EXPORT to stylise the test photos with")
    p.add_argument("--features", action="store_true", help="also the recipe's VGG-16 style distances per tap")
    p.add_argument("--workdir", default="out/bench_painterly")
    args = p.parse_args()
    workdir = Path(args.workdir)
    split = bench.prepare(args.painter, args.paintings, 200, args.test_photos, args.size, workdir)
    rows = {"identity": split["test"], "paintings (floor)": split["floor"],
            **bench.saved_outputs(workdir, args.painter, split, args.rows), **bench.model_outputs(args.models, split["test"])}
    reference = split["reference"]
    table = {name: (swd(x, reference), band_chroma(x)) for name, x in rows.items()}
    levels = [k for k in next(iter(table.values()))[0] if k != "swd"]
    print(f"{'':34}" + "".join(f"{k:>9}" for k in levels) + f"{'swd':>9}   chroma per level (x1e3)")
    for name, (s, chroma) in [*table.items(), ("held-out paintings", (None, band_chroma(reference)))]:
        cells = "".join(f"{s[k]:9.1f}" for k in levels + ["swd"]) if s else " " * 9 * (len(levels) + 1)
        print(f"{name:34}{cells}   " + " ".join(f"{1e3 * c:5.1f}" for c in chroma))
    if args.features:
        print_feature_distances(rows, split["style_images"])


@torch.no_grad()
def print_feature_distances(rows: dict[str, torch.Tensor], paintings: torch.Tensor) -> None:
    loss = FeatureStyleLoss(kind="swd", views=("colour",))
    g = torch.Generator().manual_seed(0)
    half = paintings.shape[-1] // 2
    for _ in range(3):  # 6 x 25 crops: the reservoir holds the newest 8192 vectors per tap
        loss.gather(paintings[..., :half, :half], generator=g)
        loss.gather(paintings[..., half:, half:], generator=g)
    print(f"\nstyle distances of 16 central {half} px crops (the recipe's SWD loss; plain | colour view):")
    for name, x in rows.items():
        crops = x[:16, :, half // 2:half // 2 + half, half // 2:half // 2 + half]
        cells = []
        for view, images in (("", crops), ("colour_", colour_view(crops))):
            feats = loss.backbone(images, loss.style_taps)
            cells += [loss.style_distance(feats[t], view + t, torch.Generator().manual_seed(1)).item()
                      for t in loss.style_taps]
        taps = len(loss.style_taps)
        print(f"{name:34}" + " ".join(f"{c:6.3f}" for c in cells[:taps]) + "  | "
              + " ".join(f"{c:6.3f}" for c in cells[taps:]))


if __name__ == "__main__":
    main()
