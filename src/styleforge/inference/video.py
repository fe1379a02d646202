"""Stylise a video file with PyAV: frame rate, timestamps (variable frame rate too), size, pixel aspect,
display rotation and the audio stream (copied, not re-encoded) are kept; output is H.264.

The result is written to a hidden partial file beside the destination and renamed only when complete,
so a failure never leaves a half-written file under the final name. A packet that cannot be decoded is
skipped and counted, and a file that breaks off part-way keeps the frames before the break.
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


class VideoCancelled(StyleforgeError):
    """Raised out of stylize_video when its `on_frame` callback asks to stop; nothing is written."""


def check_video_size(src: Path, width: int, height: int, max_pixels: int | None, option: str | None = None) -> None:
    """Refuse frames over `max_pixels`; `option`: the setting that raises the limit, named in the message."""
    if max_pixels and width * height > max_pixels:
        raise StyleforgeError(f"{src}: frames of {width}x{height} ({width * height / 1e6:.1f} MP) exceed the limit "
                              f"of {max_pixels / 1e6:.3g} MP per frame" + (f" ({option})" if option else ""))


def stylize_video(stylizer, src: str | os.PathLike, dst: str | os.PathLike, strength: float = 1.0,
                  keep_color: bool = False, stabilize: float = 0.7, tile: int = 512, overlap: int = 128,
                  crf: int = 18, progress: bool = True, on_frame=None, max_pixels: int | None = None,
                  limit_option: str | None = None) -> dict:
    """-> {'frames', 'seconds', 'fps', 'audio', 'skipped_packets', 'broke_off'}; `stylizer` maps uint8 frames
    via `stylize_array`. `on_frame(done, total)` is called after each frame (total: the container's count, 0
    if unknown); it may raise VideoCancelled to stop. `max_pixels`: largest frame accepted (None: any), the
    refusal naming `limit_option`, the setting that raises it."""
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
    frames, skipped, broke_off, start = 0, 0, None, time.perf_counter()
    try:
        vin = next((s for s in inp.streams if s.type == "video"), None)
        if vin is None:
            raise StyleforgeError(f"{src}: no video stream")
        ain = next((s for s in inp.streams if s.type == "audio"), None)
        width, height = vin.codec_context.width, vin.codec_context.height
        check_video_size(src, width, height, max_pixels, limit_option)
        out = av.open(str(partial), "w")
        try:
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
            demuxer = inp.demux(*(s for s in (vin, ain) if s is not None))
            while True:
                try:
                    packet = next(demuxer)
                except StopIteration:
                    break
                except av.FFmpegError as exc:  # the file breaks off: keep what was done
                    broke_off = str(exc)
                    break
                if packet.stream is ain:
                    if packet.dts is not None:
                        packet.stream = aout
                        out.mux(packet)
                    continue
                try:
                    decoded = packet.decode()
                except av.FFmpegError:  # one corrupt packet: skip it, keep going
                    skipped += 1
                    continue
                for frame in decoded:
                    if (frame.width, frame.height) != (width, height):  # a stream that changes size mid-way
                        check_video_size(src, frame.width, frame.height, max_pixels, limit_option)
                        frame = frame.reformat(width=width, height=height)
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
    if skipped or broke_off:
        print(f"warning: {src}: " + "; ".join(filter(None, [
            f"skipped {skipped} corrupt packet(s)" if skipped else "",
            f"the file breaks off after {frames} frames ({broke_off})" if broke_off else ""])) +
              f"; {frames} frames written", file=sys.stderr)
    return {"frames": frames, "seconds": seconds, "fps": frames / max(seconds, 1e-9), "audio": ain is not None,
            "skipped_packets": skipped, "broke_off": broke_off}
