"""Benchmark: stylising large prints in tiles — seconds, seconds per megapixel and peak RSS per size.

Each size runs in a fresh subprocess so that its peak RSS (ru_maxrss) is its own.

    python benchmarks/print_tiling.py --sizes 2048,4096,8192 --style monet --json out/bench_print.json
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
from styleforge.inference import Stylizer, resolve_style
from styleforge.inference.tiling import tile_seams
from styleforge.metrics.seams import seam_visibility
size, style, tile, overlap, threads = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
stylizer = Stylizer.from_pretrained(resolve_style(style))
image = np.empty((size, size, 3), np.uint8)  # a test print, generated in strips to keep its own memory small
x = np.arange(size, dtype=np.float32)[None] / size
rng = np.random.default_rng(0)
for top in range(0, size, 256):
    y = np.arange(top, min(top + 256, size), dtype=np.float32)[:, None] / size
    strip = np.stack([128 + 100 * np.sin(6 * x + 3 * y) + 0 * y, 128 + 90 * np.cos(5 * y) + 0 * x,
                      128 + 80 * np.sin(9 * x * y)], 2) + rng.normal(0, 6, (len(y), size, 1))
    image[top:top + len(y)] = strip.clip(0, 255).astype(np.uint8)
start = time.perf_counter()
out = stylizer.stylize_array(image, tile=tile, overlap=overlap)
seconds = time.perf_counter() - start
print(json.dumps({"size": size, "seconds": round(seconds, 2), "s_per_megapixel": round(seconds / (size * size / 1e6), 3),
                  "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
                  "seam_visibility": round(seam_visibility(out, tile_seams(out.shape[0], tile, overlap), tile_seams(out.shape[1], tile, overlap)), 4), "tile": tile, "overlap": overlap,
                  "threads": torch.get_num_threads()}))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="2048,4096,8192")
    p.add_argument("--style", default="monet")
    p.add_argument("--tile", type=int, default=512)
    p.add_argument("--overlap", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default="out/bench_print.json")
    args = p.parse_args()
    rows = []
    for size in args.sizes.split(","):
        done = subprocess.run([sys.executable, "-c", CHILD, size, args.style, str(args.tile), str(args.overlap),
                               str(args.threads)], capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{r['size']:>6}²  {r['seconds']:>8.1f} s  {r['s_per_megapixel']:.3f} s/MP  peak RSS {r['peak_rss_gib']:.2f} GiB"
              f"  seam visibility {r['seam_visibility']:.3f}", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
