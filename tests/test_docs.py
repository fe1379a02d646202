"""The docs are plain text: no control characters (a Python string once turned \\rVert and \\big in an
equation into a carriage return and a backspace)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_control_characters_in_the_docs():
    bad = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        lines = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"))
                 if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line)]
        if lines:
            bad[str(path.relative_to(ROOT))] = lines
    assert not bad, bad
