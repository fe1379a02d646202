"""Stylise a video file with PyAV: frame rate, timestamps (variable frame rate too), size, pixel aspect,
display rotation and the audio stream (copied, not re-encoded) are kept; output is H.264.

The result is written to a hidden partial file beside the destination and renamed only when complete,
so a failure never leaves a half-written file under the final name.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import StyleforgeError
from .temporal import Stabilizer


def _first_frame_rotation(src: Path) -> int:
    """Display rotation (degrees) recorded for the video, read from its first decoded frame."""
    import av

    with av.open(str(src)) as c:
        for frame in c.decode(video=0):
            return int(round(frame.rotation or 0))
    return 0


def stylize_video(stylizer, src: str | os.PathLike, dst: str | os.PathLike, strength: float = 1.0,
                  keep_color: bool = False, stabilize: float = 0.7, tile: int = 512, overlap: int = 128,
                  crf: int = 18, progress: bool = True, on_frame=None) -> dict:
    """-> {'frames', 'seconds', 'fps', 'audio'}; `stylizer` maps uint8 frames via `stylize_array`.
    `on_frame(done, total)` is called after each frame (total: the container's count, 0 if unknown)."""
    import av
    from tqdm import tqdm

    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise StyleforgeError(f"{src}: video file not found")
    partial = dst.with_name(f".{dst.stem}.partial{dst.suffix}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        inp = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise StyleforgeError(f"{src}: not a readable video ({exc})") from None
    frames, start = 0, time.perf_counter()
    try:
        vin = next((s for s in inp.streams if s.type == "video"), None)
        if vin is None:
            raise StyleforgeError(f"{src}: no video stream")
        ain = next((s for s in inp.streams if s.type == "audio"), None)
        out = av.open(str(partial), "w")
        try:
            width, height = vin.codec_context.width, vin.codec_context.height
            vout = out.add_stream("libx264", rate=vin.average_rate or 30)
            vout.width, vout.height = width, height
            vout.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
            vout.time_base = vin.time_base
            vout.codec_context.time_base = vin.time_base  # frame timestamps pass through unrounded (VFR)
            vout.codec_context.options = {"crf": str(crf), "preset": "veryfast"}
            if vin.codec_context.sample_aspect_ratio:
                vout.codec_context.sample_aspect_ratio = vin.codec_context.sample_aspect_ratio
            rotation = _first_frame_rotation(src)
            if rotation:
                vout.set_display_rotation(rotation)  # players rotate the output as they did the input
            aout = out.add_stream_from_template(ain) if ain is not None else None
            stabilizer = Stabilizer(stabilize)
            bar = tqdm(total=vin.frames or None, unit="frame", file=sys.stderr, disable=not progress)
            for packet in inp.demux(*(s for s in (vin, ain) if s is not None)):
                if packet.stream is ain:
                    if packet.dts is not None:
                        packet.stream = aout
                        out.mux(packet)
                    continue
                for frame in packet.decode():
                    rgb = frame.to_ndarray(format="rgb24")
                    styled = stylizer.stylize_array(rgb, strength, keep_color, tile, overlap)
                    if stabilize > 0:
                        styled = stabilizer(rgb.astype(np.float32) / 255, styled.astype(np.float32) / 255)
                        styled = np.clip(np.rint(styled * 255), 0, 255).astype(np.uint8)
                    new = av.VideoFrame.from_ndarray(styled, format="rgb24")
                    new.pts, new.time_base = frame.pts, frame.time_base
                    for p in vout.encode(new):
                        out.mux(p)
                    frames += 1
                    bar.update(1)
                    if on_frame is not None:
                        on_frame(frames, vin.frames or 0)
                    bar.set_postfix(fps=f"{frames / (time.perf_counter() - start):.2f}", refresh=False)
            for p in vout.encode():
                out.mux(p)
            bar.close()
        finally:
            out.close()
        if frames == 0:
            raise StyleforgeError(f"{src}: no decodable video frames")
        os.replace(partial, dst)
    except av.FFmpegError as exc:
        raise StyleforgeError(f"{src}: video could not be processed ({exc})") from None
    finally:
        inp.close()
        if partial.exists():
            partial.unlink()
    seconds = time.perf_counter() - start
    return {"frames": frames, "seconds": seconds, "fps": frames / max(seconds, 1e-9), "audio": ain is not None}
