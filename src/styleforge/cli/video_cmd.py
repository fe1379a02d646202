"""`styleforge stylize-video`: stylise a video, keeping its timing and audio, with temporal stabilising."""
from __future__ import annotations

EXAMPLES = """examples:
  styleforge stylize-video clip.mp4 clip_monet.mp4 --style monet
  styleforge stylize-video clip.mp4 out.mp4 --model runs/00004-cut-paintings --stabilize 0
"""


def add_parser(sub) -> None:
    import argparse

    from .stylize import add_model_options

    p = sub.add_parser("stylize-video", help="apply a learned style to a video", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="input video file")
    p.add_argument("output", help="output video file (.mp4, .mkv, .mov)")
    add_model_options(p)
    p.add_argument("--strength", type=float, default=1.0, help="0 = original, 1 = full style (default: 1)")
    p.add_argument("--preserve-color", action="store_true", help="keep the frames' colours")
    p.add_argument("--stabilize", type=float, default=0.7,
                   help="temporal blending with the flow-warped previous frame, 0 = off (default: 0.7)")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, lower = better (default: 18)")
    p.add_argument("--max-megapixels", type=float, default=36.0,
                   help="largest frame accepted, in megapixels (default: 36, an 8K frame is 33)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..inference import open_stylizer
    from ..inference.video import stylize_video

    from .stylize import amp_of

    stylizer = open_stylizer(args.style, args.model, args.styles, amp=amp_of(args))
    stats = stylize_video(stylizer, args.input, args.output, args.strength, args.preserve_color, args.stabilize,
                          crf=args.crf, max_pixels=int(args.max_megapixels * 1e6),
                          limit_option="--max-megapixels")
    print(f"wrote {args.output}: {stats['frames']} frames at {stats['fps']:.2f} frames/s"
          + (" with audio" if stats["audio"] else ""))
    return 0
