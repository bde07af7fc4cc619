"""A Markdown table padded to line up in a terminal, for every benchmark's output."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["table"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: str = "") -> str:
    """*rows* under *headers* as a Markdown table; columns whose index is in *right* (digits,
    e.g. ``"23"``) are right-aligned, for numbers."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            out.append(str(cell).rjust(width) if str(i) in right else str(cell).ljust(width))
        return "| " + " | ".join(out) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if str(i) in right else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
