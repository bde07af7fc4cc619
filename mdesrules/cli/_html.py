"""The HTML batch report of ``mdesrules check`` (``--format html``, ``--html FILE``).

One self-contained page, made from the run's :class:`~mdesrules.cli._tally.Tally` once
every record is counted: the totals, a bar chart (inline SVG) of the violations per code
and per field, the operations and inputs with their records, and the first failing records
with their sources and violations. It loads nothing: no script, no font, no image, no
link; a Content-Security-Policy meta tag allows its one inline style (by its hash) and
nothing else, so a browser opening it from a mail attachment fetches nothing either.

Its size does not depend on the batch: the tally keeps counters and the first
:data:`FAILING_SHOWN` failing records only. Every text on it is HTML-escaped, and every
text that came from input went through :mod:`mdesrules.masking` on its way into the
violation (:func:`mdesrules.cli._outcome.judge`), so no full PAN reaches the page. The page
holds nothing that depends on the time or on ``--jobs``: the same input gives the same
bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from html import escape

from attrs import frozen

from ..violations import Violation
from ._tally import MAX_PATHS, Failure, Tally

__all__ = ["FAILING_SHOWN", "Page", "render"]

FAILING_SHOWN = 200
"""How many failing records the page lists, the first ones in input order."""

TOP_CODES = 25
"""How many codes the chart of codes shows, the most frequent first."""

TOP_FIELDS = 20
"""How many fields the chart of fields shows, the most violated first."""

_LABEL_CHARS = 52  # a chart label longer than this is shortened (the whole of it on hover)
_HOVER_CHARS = 300


@frozen
class Page:
    """What the page says besides the tally.

    Attributes:
        version: the version of mdesrules that checked the batch.
        api: the key of the API surface the records were checked against.
        inputs: the input files as named on the command line, in order.
        stopped: the sentence that says where an interrupted run stopped, or None for a
            run that checked every record.
    """

    version: str
    api: str
    inputs: tuple[str, ...]
    stopped: str | None = None


_STYLE = """
:root{color-scheme:light;--fg:#1d2433;--muted:#5b6478;--line:#dde1ea;--bg:#f6f7fa;
--bad:#b42318;--good:#1a7f37;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:0 0 6px;font-weight:600}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;
margin:18px 0}
.verdict{font-size:17px;margin:0;font-weight:600}
.verdict.fail{color:var(--bad)}.verdict.pass{color:var(--good)}
.meta{color:var(--muted);margin:4px 0 0}
.stopped{background:#fff4e5;border:1px solid #f0b35a;border-radius:8px;padding:12px 16px;
margin:18px 0 0;font-weight:600}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:12px;
margin:0}
.totals div{border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.totals dt{color:var(--muted);font-size:13px}
.totals dd{margin:0;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.totals .failed dd,.totals .errors dd{color:var(--bad)}
.totals .passed dd{color:var(--good)}.totals .warnings dd{color:var(--warn)}
svg{display:block;width:100%;height:auto}
svg text{font-size:13px;fill:var(--fg)}
svg .label{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace}
svg .count{font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:13px;color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:13px;overflow-wrap:anywhere}
.note{color:var(--muted);margin:8px 0 0}
.record{border-top:1px solid var(--line);padding:12px 0 8px}
.record:first-of-type{border-top:0}
.record .fail{color:var(--bad);font-weight:600}
.record table{table-layout:fixed}
.record td{font-size:14px}
col.sev{width:76px}col.code{width:200px}col.path{width:34%}
.sev-error{color:var(--bad);font-weight:600}.sev-warning{color:var(--warn);font-weight:600}
td.msg{overflow-wrap:anywhere}
.key{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;
margin:0 2px 0 10px}.key.error{background:#c4452f}.key.warning{background:#d4a72c}
footer{color:var(--muted);font-size:13px;margin-top:24px}
@media print{body{background:#fff}section{border:0;padding:0}}
"""


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CSP = "; ".join(
    [
        "default-src 'none'",
        f"style-src {_hash(_STYLE)}",
        "img-src 'none'",
        "script-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
"""The page's Content-Security-Policy: its inline style, by hash, and nothing else."""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(count: int) -> str:
    return f"{count:,}"


def _plural(count: int, word: str) -> str:
    return f"{_n(count)} {word if count == 1 else word + 's'}"


def render(tally: Tally, page: Page) -> str:
    """The whole HTML page of a run whose counts are *tally*."""
    failed = tally.failed
    if page.stopped is not None:
        verdict = f"{_plural(failed, 'record')} failed in the {_n(tally.records)} checked"
    elif failed:
        verdict = f"{_n(failed)} of {_plural(tally.records, 'record')} failed"
    elif tally.records > 1:
        verdict = f"all {_n(tally.records)} records passed"
    else:
        verdict = "the one record passed" if tally.records else "no record was checked"
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',  # no " < &
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="mdesrules {_e(page.version)}">\n',
        f"<title>mdesrules check: {_e(verdict)}</title>\n",
        f"<style>{_STYLE}</style>\n",
        "</head>\n<body>\n<main>\n",
        "<header>\n<h1>mdesrules check</h1>\n",
        f'<p class="verdict {"fail" if failed else "pass"}" id="verdict">{_e(verdict)}</p>\n',
        f'<p class="meta">API <code>{_e(page.api)}</code> &middot; '
        f"{_plural(len(page.inputs), 'input')} &middot; mdesrules {_e(page.version)}</p>\n",
        "</header>\n",
    ]
    if page.stopped is not None:
        parts.append(f'<p class="stopped" id="stopped" role="alert">{_e(page.stopped)}</p>\n')
    parts.append(_totals(tally, page))
    parts.append(_codes(tally))
    parts.append(_fields(tally))
    parts.append(_operations(tally))
    parts.append(_inputs(tally, page))
    parts.append(_failures(tally))
    parts.append(
        "<footer>Made by <code>mdesrules check</code>. Card numbers are masked (first 6, "
        "last 4).</footer>\n</main>\n</body>\n</html>\n"
    )
    return "".join(parts)


def _totals(tally: Tally, page: Page) -> str:
    cells = [
        ("records", tally.records),
        ("passed", tally.passed),
        ("failed", tally.failed),
        ("errors", tally.errors),
        ("warnings", tally.warnings),
        ("operations", sum(1 for name in tally.operations if name)),
        ("inputs", len(page.inputs)),
    ]
    items = "".join(
        f'<div class="{name}"><dt>{name}</dt><dd>{_n(value)}</dd></div>\n' for name, value in cells
    )
    return (
        '<section id="totals">\n<h2>Totals</h2>\n'
        f'<dl class="totals">\n{items}</dl>\n'
        '<p class="note">A record fails when it has an error; errors and warnings count '
        "violations.</p>\n</section>\n"
    )


def _codes(tally: Tally) -> str:
    counts = tally.by_count()
    shown = counts[:TOP_CODES]
    note = ""
    if len(counts) > len(shown):
        rest = counts[len(shown) :]
        note = (
            f'<p class="note">and {_plural(len(rest), "more code")} with '
            f"{_plural(sum(c for _, c in rest), 'violation')}.</p>\n"
        )
    if not shown:
        body = _none()
    else:
        body = _chart(shown, "codes", path=False, warned=tally.warned_codes)
        if any(tally.warned_codes[code] for code, _ in shown):
            body = (
                '<p class="note"><span class="key error"></span> errors '
                '<span class="key warning"></span> warnings</p>\n' + body
            )
    return '<section id="codes">\n<h2>Violations by code</h2>\n' + body + note + "</section>\n"


def _fields(tally: Tally) -> str:
    shown = tally.fields_by_count(TOP_FIELDS)
    note = ""
    if len(tally.fields) > len(shown):
        note = f'<p class="note">The {len(shown)} most violated of {_n(len(tally.fields))} fields'
        if len(tally.fields) >= MAX_PATHS:
            note += f" (fields are counted for the first {_n(MAX_PATHS)} distinct paths)"
        note += ".</p>\n"
    body = _chart(shown, "fields", path=True) if shown else _none()
    return (
        '<section id="fields">\n<h2>Fields most often in violation</h2>\n'
        '<p class="note">Paths with array indexes as <code>*</code>.</p>\n'
        + body
        + note
        + "</section>\n"
    )


def _none() -> str:
    return '<p class="note">No violations.</p>\n'


_WIDTH = 960
_LABEL_X = 430  # labels end here (right-aligned)
_BAR_X = 440
_BAR_MAX = 360
_ROW = 26
_BAR_HEIGHT = 18


def _label(text: str, path: bool) -> str:
    """*text* cut to fit the label column: a path keeps its end, a code its start."""
    if len(text) <= _LABEL_CHARS:
        return text
    if path:
        return "\u2026" + text[-(_LABEL_CHARS - 1) :]
    return text[: _LABEL_CHARS - 1] + "\u2026"


def _chart(
    rows: Sequence[tuple[str, int]],
    name: str,
    *,
    path: bool,
    warned: Mapping[str, int] | None = None,
) -> str:
    """A horizontal bar chart of *rows* (label, count), as inline SVG; with *warned*, the
    warnings among a label's count (by label) end its bar in another colour."""
    top = max(count for _, count in rows)
    height = _ROW * len(rows) + 8
    fill = "#c4452f" if name == "codes" else "#3b6fb6"
    out = [
        f'<svg id="chart-{name}" class="chart" role="img" aria-labelledby="chart-{name}-title" '
        f'viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}">\n'
        f'<title id="chart-{name}-title">Violations per {"field" if path else "code"}</title>\n'
    ]
    for i, (label, count) in enumerate(rows):
        y = 4 + i * _ROW
        width = max(2, round(_BAR_MAX * count / top))
        warnings = warned.get(label, 0) if warned is not None else 0
        hover = label if len(label) <= _HOVER_CHARS else label[: _HOVER_CHARS - 1] + "\u2026"
        shown = _n(count)
        warning_bar = ""
        if warnings:
            shown += f" ({_plural(warnings, 'warning')})" if warnings < count else " (warnings)"
            part = max(2, round(width * warnings / count))
            warning_bar = (
                f'<rect class="bar-warning" x="{_BAR_X + width - part}" y="{y}" width="{part}" '
                f'height="{_BAR_HEIGHT}" rx="3" fill="#d4a72c"/>'
            )
        out.append(
            f'<g class="row" data-count="{count}" data-warnings="{warnings}">'
            f"<title>{_e(hover)}: {shown}</title>"
            f'<text class="label" x="{_LABEL_X}" y="{y + 14}" text-anchor="end">'
            f"{_e(_label(label, path))}</text>"
            f'<rect class="bar" x="{_BAR_X}" y="{y}" width="{width}" height="{_BAR_HEIGHT}" '
            f'rx="3" fill="{fill}"/>{warning_bar}'
            f'<text class="count" x="{_BAR_X + width + 8}" y="{y + 14}">{shown}</text>'
            "</g>\n"
        )
    out.append("</svg>\n")
    return "".join(out)


def _operations(tally: Tally) -> str:
    rows = tally.operations_by_count()
    if not rows:
        return '<section id="operations">\n<h2>Operations</h2>\n' + _no_records() + "</section>\n"
    body = "".join(
        f'<tr><td>{_operation(name)}</td><td class="n">{_n(count)}</td>'
        f'<td class="n">{_n(tally.failed_operations.get(name, 0))}</td></tr>\n'
        for name, count in rows
    )
    return (
        '<section id="operations">\n<h2>Operations</h2>\n<table>\n'
        '<thead><tr><th>operation</th><th class="n">records</th><th class="n">failed</th>'
        f"</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n</section>\n"
    )


def _operation(name: str | None) -> str:
    if not name:
        return '<span class="note">none told (malformed or unknown)</span>'
    return f"<code>{_e(name)}</code>"


def _no_records() -> str:
    return '<p class="note">No records.</p>\n'


def _inputs(tally: Tally, page: Page) -> str:
    names = list(dict.fromkeys(tally.inputs))
    named = [n for n in dict.fromkeys(page.inputs) if n not in tally.inputs]
    rows = [(n, tally.inputs[n]) for n in names] + [(n, 0) for n in named]
    body = "".join(
        f'<tr><td><code>{_e(name)}</code></td><td class="n">{_n(count)}</td></tr>\n'
        for name, count in rows
    )
    return (
        '<section id="inputs">\n<h2>Inputs</h2>\n<table>\n'
        '<thead><tr><th>input</th><th class="n">records</th></tr></thead>\n'
        f"<tbody>\n{body}</tbody>\n</table>\n</section>\n"
    )


def _failures(tally: Tally) -> str:
    kept = tally.failures
    head = '<section id="failures">\n<h2>First failing records</h2>\n'
    if not kept:
        return head + '<p class="note">No record failed.</p>\n</section>\n'
    if len(kept) < tally.failed:
        note = f"The first {_n(len(kept))} of {_n(tally.failed)} failing records, in input order."
    elif len(kept) > 1:
        note = f"All {_n(len(kept))} failing records, in input order."
    else:
        note = "The one failing record."
    return (
        head + f'<p class="note">{_e(note)} A source is <code>FILE:LINE</code>, or '
        "<code>FILE:LINE[INDEX]</code> for an element of a JSON array.</p>\n"
        + "".join(map(_failure, kept))
        + "</section>\n"
    )


def _failure(failure: Failure) -> str:
    rows = "".join(map(_violation_row, failure.violations))
    more = (
        f'<p class="note">and {_plural(failure.more, "more violation")}</p>\n'
        if failure.more
        else ""
    )
    return (
        '<article class="record">\n'
        f'<h3><code class="source">{_e(failure.source)}</code> '
        f"{_operation(failure.operation)} "
        f'<span class="fail">FAIL ({_plural(failure.errors, "error")})</span></h3>\n'
        '<table>\n<colgroup><col class="sev"><col class="code"><col class="path"><col>'
        "</colgroup>\n<thead><tr><th>severity</th><th>code</th><th>path</th><th>message</th>"
        f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n{more}</article>\n"
    )


def _violation_row(v: Violation) -> str:
    return (
        f'<tr><td class="sev-{_e(v.severity)}">{_e(v.severity)}</td>'
        f"<td><code>{_e(v.code)}</code></td><td><code>{_e(v.path or '/')}</code></td>"
        f'<td class="msg">{_e(" ".join(v.message.splitlines()))}</td></tr>\n'
    )
