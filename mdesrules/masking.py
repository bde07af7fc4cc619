"""Masking of primary account numbers (PANs) for anything a person or a log can read.

PCI DSS allows at most the first six and the last four digits of a PAN to be shown.
Every message, repr and report this library produces goes through these functions, so a
full PAN that arrived in a request never leaves in an output.
"""

from __future__ import annotations

import re

__all__ = ["mask_pan", "safe_str", "scrub"]

# A run of 9 or more digits could be a PAN (MDES accepts 9 to 19 digits), and so could 13 or
# more written in groups joined by single spaces or dashes (5123 4567 8901 2346). Any Unicode
# decimal digit counts: a PAN typed in full-width digits is still a PAN.
_DIGIT_RUN = re.compile(r"\d{9,}")
# From the first digit of a run only, and possessive: linear however long the run.
_GROUPED_RUN = re.compile(r"(?<!\d)\d++(?:[ -]\d++)++")
_GROUPED_PAN = 13  # the fewest digits of a grouped run that is masked as a whole
# What either mask needs to find anything: nine digits, each after a digit, a space or a dash.
_NINE_DIGITS = re.compile(r"\d(?:[ -]?\d){8}")


def mask_pan(pan: str) -> str:
    """Return *pan* with all but the first six and last four characters replaced by ``*``.

    Strings of ten characters or fewer keep only their last four, so that the shown part
    is never more than the hidden one.
    """
    n = len(pan)
    if n > 10:
        return pan[:6] + "*" * (n - 10) + pan[-4:]
    if n > 4:
        return "*" * (n - 4) + pan[-4:]
    return "*" * n


def scrub(text: str) -> str:
    """Mask every run of nine or more digits in *text* (see :func:`mask_pan`), and every
    number of 13 or more digits written in groups joined by single spaces or dashes, whose
    digits are masked as one PAN's (``5123 45** **** 2346``)."""
    # Both masks need nine digits, at most single spaces or dashes apart: most messages
    # have none, and one search says so (or their length does) for less than either sub.
    if len(text) < 9 or _NINE_DIGITS.search(text) is None:
        return text
    return _DIGIT_RUN.sub(_masked_run, _GROUPED_RUN.sub(_masked_groups, text))


def _masked_run(match: re.Match[str]) -> str:
    return mask_pan(match.group())


def _masked_groups(match: re.Match[str]) -> str:
    run = match.group()
    count = sum(ch.isdigit() for ch in run)
    if count < _GROUPED_PAN:
        return run  # its groups of nine or more digits are masked on their own
    shown = []
    seen = 0
    for ch in run:
        if ch.isdigit():
            shown.append(ch if seen < 6 or seen >= count - 4 else "*")
            seen += 1
        else:
            shown.append(ch)
    return "".join(shown)


def safe_str(value: object) -> str:
    """``str(value)``, or ``<type>`` when even that fails (an int too long to print)."""
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__}>"
