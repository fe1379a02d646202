"""Stand-ins for real footage, made from real photos: a pan and a handheld clip with parallax, sensor noise,
exposure flicker and H.264 compression (what a phone clip has and a generated pan does not).

A background photo drifts slowly while a foreground object (an elliptical cut-out of a second photo) moves
2.5x faster across it (parallax: no single flow explains the frame); `handheld` adds a smooth random jitter
and roll. Each frame gets Gaussian sensor noise and a small gain change, and the clip goes through libx264
and back. Used by tests/inference/test_video.py and benchmarks/video.py.
"""
from __future__ import annotations

import io

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _cutout_mask(width: int, height: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, width - 1, height - 1), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(max(1, width // 30)))


def footage(background: np.ndarray, foreground: np.ndarray, count: int, width: int, height: int,
            handheld: bool = False, seed: int = 0, crf: int = 23, speed: float = 1.2) -> list[np.ndarray]:
    """Two uint8 photos (H, W, 3) -> `count` uint8 frames (height, width, 3) after H.264 at `crf`; the
    background pans `speed` px per frame (the foreground 2.5x that, the other way)."""
    rng = np.random.default_rng(seed)
    bg = Image.fromarray(background).resize((int(width * 1.6 + speed * count), int(height * 1.6)),
                                            Image.Resampling.BILINEAR)
    fw, fh = width // 3, height // 2
    fg = Image.fromarray(foreground).resize((fw, fh), Image.Resampling.BILINEAR)
    mask = _cutout_mask(fw, fh)
    jitter = np.cumsum(rng.normal(0, 0.8, (count, 3)), axis=0) * (1.0 if handheld else 0.0)  # x, y px; roll deg/2
    frames = []
    for t in range(count):
        x0, y0 = 10 + speed * t + jitter[t, 0], 15 + speed / 3 * t + jitter[t, 1]
        frame = bg.transform((width, height), Image.Transform.EXTENT, (x0, y0, x0 + width, y0 + height),
                             Image.Resampling.BILINEAR)
        frame.paste(fg, (int(round(width * 0.55 - 2.5 * speed * t)), int(round(height * 0.35))), mask)  # near object
        if handheld:
            frame = frame.rotate(0.5 * jitter[t, 2], Image.Resampling.BILINEAR)
        f = np.asarray(frame, dtype=np.float32) * (1 + rng.normal(0, 0.01))  # exposure flicker
        frames.append(np.clip(f + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8))  # sensor noise
    return _through_h264(frames, crf)


def _through_h264(frames: list[np.ndarray], crf: int) -> list[np.ndarray]:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=24, options={"crf": str(crf)})
        v.width, v.height, v.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for f in frames:
            for p in v.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    buffer.seek(0)
    with av.open(buffer) as src:
        return [frame.to_ndarray(format="rgb24") for frame in src.decode(video=0)]
