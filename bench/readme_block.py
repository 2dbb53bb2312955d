"""Replaces one generated block of README.md: the text between a begin marker and an end marker, for the scripts
that write README figures from committed raw results (train-doc.py, coldstart-doc.py, grpc_part.py)."""

from __future__ import annotations

from pathlib import Path


def replace(readme: Path, begin: str, end: str, body: str) -> None:
    """Puts `body` between `begin` and `end` (each on a line of its own), leaving the rest of `readme` as it was.

    Raises ValueError naming the marker when one is missing, appears twice or comes after the other: a block
    written in the wrong place would silently duplicate or drop README text.
    """
    text = readme.read_text(encoding="utf-8")
    for marker in (begin, end):
        count = text.count(marker)
        if count != 1:
            raise ValueError(f"{readme} must hold the marker {marker!r} once, found {count}")
    a, b = text.index(begin), text.index(end)
    if b < a:
        raise ValueError(f"{readme}: the marker {end!r} comes before {begin!r}")
    readme.write_text(text[:a + len(begin)] + "\n" + body.strip("\n") + "\n" + text[b:], encoding="utf-8")
