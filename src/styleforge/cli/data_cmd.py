"""`styleforge data`: list named data sources and where they are looked for."""
from __future__ import annotations

import os

from ..data import SOURCES, data_root


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="list the named data sources and whether they are present")
    p.set_defaults(run=run)


def run(args) -> int:
    print(f"data root: {data_root()}  (set STYLEFORGE_DATA to change)")
    for name in SOURCES.names():
        source = SOURCES.get(name)
        if name == "shapes":
            print(f"  {name:<8} built in (generated)")
            continue
        location = os.environ.get(source.env_var) or str(data_root() / source.relative_path)
        state = "present" if os.path.exists(location) else "MISSING"
        print(f"  {name:<8} {state:<8} {location}  (env {source.env_var})")
    return 0
