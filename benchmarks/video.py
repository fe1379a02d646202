"""Benchmark: video stylising speed at 720p on this machine, and flicker with and without the stabiliser.

A clip is generated from a shared photo (a slow pan and zoom, `--frames` frames) — nothing is downloaded.
`--footage` adds the flicker of two clips made like real footage from real photos (tests/inference/footage.py:
a pan and a handheld shot with parallax, sensor noise, exposure flicker and H.264) at `--footage-size`,
panning `--footage-speed` px per frame, with the share of reliably tracked pixels the figures are taken on.

    python benchmarks/video.py --style monet --frames 24 --json out/bench_video.json
    python benchmarks/video.py --footage --footage-size 640x360 --footage-speed 8
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "inference"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from footage import footage  # noqa: E402  (the tests' real-footage stand-in)
from test_video import pan_frames, write_clip  # noqa: E402  (the tests' clip generator)

from styleforge.data import data_root  # noqa: E402
from styleforge.imageio import read_image  # noqa: E402
from styleforge.inference import Stylizer, resolve_style  # noqa: E402
from styleforge.inference.temporal import Stabilizer  # noqa: E402
from styleforge.metrics.temporal import flicker  # noqa: E402
from styleforge.nn.flow import flow, reliable_mask  # noqa: E402
from styleforge.inference.video import stylize_video  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--style", default="monet")
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--workdir", default="out/bench_video")
    p.add_argument("--json", default="out/bench_video.json")
    p.add_argument("--footage", action="store_true", help="measure the stabiliser on the real-footage stand-ins only")
    p.add_argument("--footage-size", default="640x360")
    p.add_argument("--footage-speed", type=float, default=8.0)
    args = p.parse_args()
    if args.footage:
        return footage_flicker(args)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    photo_dir = data_root() / "gan_getting_started" / "photo_jpg"
    photo = read_image(sorted(photo_dir.iterdir())[0])
    photo = np.asarray(__import__("PIL.Image", fromlist=["Image"]).fromarray(photo).resize((2200, 1300)))
    frames = pan_frames(photo, args.frames, args.width, args.height)
    clip = write_clip(work / "clip.mp4", frames, fps=24)
    stylizer = Stylizer.from_pretrained(resolve_style(args.style))
    result = {"threads": torch.get_num_threads(), "size": [args.width, args.height], "frames": args.frames}
    for name, blend in (("plain", 0.0), ("stabilised", 0.7)):
        stats = stylize_video(stylizer, clip, work / f"{name}.mp4", stabilize=blend, progress=False)
        result[f"fps_{name}"] = round(stats["fps"], 3)
    # flicker on the uncompressed frames (a smaller copy keeps the flow affordable)
    small = [f[::2, ::2].astype(np.float32) / 255 for f in frames]
    plain = [stylizer.stylize_array(f[::2, ::2]).astype(np.float32) / 255 for f in frames]
    stab = Stabilizer(0.7)
    stabilised = [stab(f, o) for f, o in zip(small, plain)]
    result["flicker_plain"] = round(flicker(small, plain), 3)
    result["flicker_stabilised"] = round(flicker(small, stabilised), 3)
    result["flicker_ratio"] = round(result["flicker_stabilised"] / max(result["flicker_plain"], 1e-9), 3)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))



def footage_flicker(args) -> None:
    """Flicker per-frame vs stabilised on the pan and handheld stand-ins, and the tracked share."""
    width, height = (int(v) for v in args.footage_size.split("x"))
    photos = sorted((data_root() / "gan_getting_started" / "photo_jpg").iterdir())
    stylizer = Stylizer.from_pretrained(resolve_style(args.style))
    result = {"threads": torch.get_num_threads(), "size": [width, height], "speed_px": args.footage_speed,
              "frames": args.frames}
    for kind in ("pan", "handheld"):
        raw = footage(read_image(photos[3]), read_image(photos[10]), args.frames, width, height,
                      handheld=kind == "handheld", speed=args.footage_speed)
        frames = [f.astype(np.float32) / 255 for f in raw]
        plain = [stylizer.stylize_array(f).astype(np.float32) / 255 for f in raw]
        stab = Stabilizer(0.7)
        stabilised = [stab(f, o) for f, o in zip(frames, plain)]
        tracked = np.mean([reliable_mask(frames[t], frames[t - 1], flow(frames[t], frames[t - 1]),
                                         flow(frames[t - 1], frames[t])).mean() for t in range(1, len(frames))])
        before, after = flicker(frames, plain), flicker(frames, stabilised)
        result[kind] = {"tracked": round(float(tracked), 3), "flicker_plain": round(before, 3),
                        "flicker_stabilised": round(after, 3), "ratio": round(after / max(before, 1e-9), 3)}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
