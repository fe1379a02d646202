"""`styleforge serve`: the local web app."""
from __future__ import annotations

EXAMPLES = """examples:
  styleforge serve                          # http://127.0.0.1:7860/, files under ./styleforge-workspace
  styleforge serve --port 8000 --workspace ~/styles
  styleforge serve --host 0.0.0.0           # reachable from other machines: only on a trusted network
"""


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser("serve", help="start the web app (stylise, train, mix styles in a browser)", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.add_argument("--workspace", default="styleforge-workspace",
                   help="folder for uploads, results, models and jobs (default: ./styleforge-workspace)")
    p.add_argument("--runs", default="runs", help="folder of `styleforge train` run folders whose exported models are "
                                                   "listed too (default: ./runs)")
    p.add_argument("--max-upload-mb", type=int, default=50, help="largest image or model upload (default: 50)")
    p.add_argument("--max-megapixels", type=float, default=50, help="largest image in megapixels (default: 50)")
    p.add_argument("--queue", type=int, default=32, help="stylise requests that may wait before 'busy' (default: 32)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..web import Limits, serve

    serve(args.workspace, args.host, args.port,
          Limits(max_upload_bytes=args.max_upload_mb * 2**20, max_pixels=int(args.max_megapixels * 1e6),
                 queue=args.queue), runs=args.runs)
    return 0
