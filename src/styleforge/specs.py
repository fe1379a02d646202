"""The one parser of the comma lists users type: 'a,b,c' (names) and 'NAME=VALUE,...' (pairs).

Used for --style/--mix blends ('monet=0.7,sketch=0.3'), multistyle.styles ('monet=monet,film=/data/film'),
train.eval_metrics, the DiffAugment policy and the painterly feature taps. Each caller checks what its values
mean; this module only splits, strips and reports malformed entries (as StyleforgeError, or the caller's
error class, naming `what` was being read).
"""
from __future__ import annotations

from typing import Callable, TypeVar

from .errors import StyleforgeError

T = TypeVar("T")


def parse_names(text: str) -> list[str]:
    """' swd, color ,' -> ['swd', 'color']: the non-empty comma-separated entries, stripped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_pairs(text: str, what: str, value: Callable[[str], T] = str, default: T | None = None,
                error: type[Exception] = StyleforgeError) -> list[tuple[str, T]]:
    """'a=1, b=2' -> [('a', value('1')), ('b', value('2'))]. An entry without '=' takes `default` (an error
    when default is None); an empty name or value, or one `value` refuses, raises `error` naming `what`."""
    items = []
    for part in parse_names(text):
        name, sep, raw = (s.strip() for s in part.partition("="))
        if not name or (sep and not raw) or (not sep and default is None):
            raise error(f"{what} needs NAME=VALUE entries, got '{part}'")
        try:
            items.append((name, value(raw) if sep else default))
        except ValueError:
            raise error(f"{what}: '{raw}' in '{part}' is not a valid value") from None
    return items
