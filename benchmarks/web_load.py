"""Load check of the web app: N concurrent stylise requests against a real server process on this machine.

Every request must be answered (200, or 503 "busy" once the queue is full), none lost; the server's peak
resident memory is reported (it is bounded because at most `concurrent` images are computed at once).

    python benchmarks/web_load.py --requests 20 --size 512 --json out/bench_web_load.json
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _fire(url: str, n: int, image: bytes) -> list[dict]:
    async def one(i: int, client: httpx.AsyncClient) -> dict:
        t0 = time.perf_counter()
        try:
            r = await client.post(f"{url}/api/stylize", files={"image": (f"p{i}.png", image)},
                                  data={"model": "style:monet"})
            return {"status": r.status_code, "seconds": time.perf_counter() - t0,
                    "ok": r.status_code == 200 and "output_url" in r.json()}
        except httpx.HTTPError as exc:
            return {"status": None, "seconds": time.perf_counter() - t0, "ok": False, "error": repr(exc)}

    async with httpx.AsyncClient(timeout=600) as client:
        return await asyncio.gather(*(one(i, client) for i in range(n)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--size", type=int, default=512, help="image width (height 3/4 of it)")
    p.add_argument("--queue", type=int, default=32)
    p.add_argument("--json", default="out/bench_web_load.json")
    args = p.parse_args()

    port, workspace = _free_port(), tempfile.mkdtemp(prefix="styleforge-load-")
    code = (f"from styleforge.web import Limits, serve; serve({workspace!r}, port={port}, "
            f"limits=Limits(queue={args.queue}))")
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/api/models", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rng = np.random.default_rng(0)
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (args.size * 3 // 4, args.size, 3), dtype=np.uint8)).save(buf, "PNG")
        idle_rss = _peak_rss_mib(server.pid)
        t0 = time.perf_counter()
        results = asyncio.run(_fire(url, args.requests, buf.getvalue()))
        wall = time.perf_counter() - t0
        peak = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    answered = sum(r["status"] is not None for r in results)
    ok, busy = sum(r["ok"] for r in results), sum(r["status"] == 503 for r in results)
    latencies = sorted(r["seconds"] for r in results)
    summary = {"benchmark": "web_load", "requests": args.requests, "image": f"{args.size}x{args.size * 3 // 4}",
               "answered": answered, "ok": ok, "busy": busy, "lost": args.requests - answered,
               "wall_s": round(wall, 2), "throughput_per_s": round(ok / wall, 2),
               "latency_s": {"min": round(latencies[0], 2), "median": round(latencies[len(latencies) // 2], 2),
                             "max": round(latencies[-1], 2)},
               "server_rss_mib": {"before_load_peak": round(idle_rss, 1), "peak": round(peak, 1)}}
    print(json.dumps(summary, indent=2))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
