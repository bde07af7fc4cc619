"""Checking a block of JSON Lines: parse, judge and format each line, count the outcomes.

:class:`BlockChecker` turns one :class:`~mdesrules.cli._readers.Lines` block into the
report text of its records and their :class:`~mdesrules.cli._tally.Tally`. The same
checker runs in the ``mdesrules check`` process (``--jobs 1``, and small inputs) and in
each worker process, so where a block is checked cannot change a byte of the report.

This is the per-record path of a batch of millions, so it stays lean. A record's report
line is a prefix (the file's name), its line number, and the text after it; a record's
operation is looked up once per wrapper key. No :class:`~mdesrules.cli._readers.Record`,
:class:`~mdesrules.cli._outcome.Outcome` or :class:`~mdesrules.violations.Violation` is
made for a record that passes, and a failing one is rendered once per distinct outcome:
a batch breaks the same rules at the same places again and again, so the violations a
compiled check found (its findings, with the values they need) key a bounded cache of
the text after the line number and of what the tally counts (:func:`findings_key`), and a
record found as the failing one before it needs no key at all.
Messages, did-you-mean suggestions, the PAN gate and JSON writing run on a miss only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..checking import encrypted_data
from ..compiler import CompiledCheck
from ..context import Context
from ..fast_pass import FastPass, fast_pass
from ..registry import REGISTRY, Form, Operation, Registry
from ..violations import Finding, Violation
from ._decoding import line_decoder
from ._outcome import Outcome, judge, verdict, violations_of
from ._output import Pieces, report_lines, writer_class
from ._readers import MAX_RECORD_BYTES, Lines, Record, line_too_long, record_line, split_block
from ._tally import Counted, Tally, counted

__all__ = ["CACHE_SIZE", "KEYED_IN_VAIN", "BlockChecker", "Checked", "findings_key"]

CACHE_SIZE = 1024
"""The most distinct failing outcomes (and wrapper keys) a checker keeps; past it, the
cache starts again empty, so that a batch of all-different failures stays in flat memory."""


class Checked(NamedTuple):
    """What a checked block gives back: its report text, its counts, and where it ended.

    Attributes:
        text: the report lines of every record of the block, in order; encoded when the
            checker was given the output's codec, or as :class:`Pieces` when it was
            asked for them (a worker's, sent to the main process).
        tally: the counts of the block's records.
        last: ``FILE:LINE`` of the block's last record, ``""`` when it has none.
        size: the bytes of input the block held (for the progress line).
    """

    text: str | bytes | Pieces
    tally: Tally
    last: str
    size: int = 0


class _Kind:
    """One kind of record with violations: the report text after its line number, what
    the tally counts of it (with the record as the HTML report keeps it, when a page is
    wanted), whether it passes, and (when cached) the findings its key was made of, kept
    alive so that no object the key names by identity is freed while the key is in use."""

    __slots__ = ("after", "counted", "findings", "ok")

    def __init__(self, after: str, counted: Counted, findings: object = None) -> None:
        self.after = after
        self.counted = counted
        self.ok = not counted.errors
        self.findings = findings


class _Route(NamedTuple):
    """How the records of one operation are checked: its name, its compiled JSON check,
    the text after the line number of a passing record, whether the operation may come
    with encrypted account information (which :func:`verdict` opens), the kind of a
    passing record, the wrapper key of its JSON form, and the form itself while a fast
    pass (:mod:`mdesrules.fast_pass`) may be made for it: not when the check has a context,
    or the operation may come encrypted."""

    name: str
    check: CompiledCheck
    passing: str
    encrypted: bool
    passed: _Kind
    envelope: str | None = None
    form: Form | None = None


_UNSEEN: Any = object()  # a wrapper key not routed yet

_BY_TYPE = frozenset({bool, int})
_NO_KEY = frozenset({float, list, dict})


def findings_key(operation: str, findings: list[Finding]) -> tuple[tuple[object, ...] | None, bool]:
    """A key for what *operation*'s compiled check found, equal for two records exactly
    when their findings render the same violations (None when there is none to make), and
    whether findings that merely compare equal to these render the same too.

    A finding is ``(is_error, build, args)``, and ``build(*args)`` makes its violation, so
    equal builders and arguments give equal violations. Strings, ``None`` and violations
    stand for themselves; ints and booleans with their type (``True == 1``, yet a message
    may say "boolean" for one and "number" for the other); a float, list or object from the
    document makes no key (a record with one is rendered on its own); any other object (a
    rule, a schema: the compiled check's constants) stands by its identity, which is sound
    as long as the findings are kept alive beside the key (:class:`_Kind` does).

    Equality is enough (the second answer) unless an argument is a number, a boolean, a
    list or an object, or a tuple holds anything but strings: any other argument is a
    string, ``None``, or an object of the library whose equality is its own.
    """
    parts: list[object] = [operation]
    add = parts.append
    comparable = True
    for is_error, build, args in findings:
        add(build)
        add(is_error)
        for arg in args:
            if type(arg) is str:
                add(arg)
                continue
            kind = type(arg)
            if arg is None or kind is Violation:
                add(arg)
            elif kind in _BY_TYPE:
                add((kind, arg))
                comparable = False
            elif kind in _NO_KEY:
                return None, False
            else:
                add(id(arg))
                if kind is tuple and comparable:
                    comparable = all(type(item) is str for item in arg)
    return tuple(parts), comparable


_NO_KIND = _Kind("", Counted("", (), 0, ()))  # before the first failing record of a block

#: How far the passing records of late may outnumber the failing ones, or the other way,
#: in the count that decides whether a block's checker tries the fast pass first.
CREDIT = 4

#: After this many failing records of a block keyed in vain (fewer than one in four found
#: in the cache), the rest of the block is rendered without keys: a batch of failures all
#: unlike each other pays for no key it never uses again.
KEYED_IN_VAIN = 64


class BlockChecker:
    """Checks blocks as *forced* (or the operation told from each record), in *fmt*.

    Args:
        forced: the operation of ``--operation``, or None.
        context: the token inventory and account ranges, or None.
        fmt: the report format, one of :data:`mdesrules.cli._output.FORMATS`.
        failures_only: write only the records that fail (``--failures-only``); every
            record is counted all the same.
        keep: how many failing records each block's tally keeps for the HTML report
            (:attr:`Tally.failures <mdesrules.cli._tally.Tally.failures>`).
        codec: the encoding and error handler of the output (:attr:`WholeWrites.codec`),
            to give the text of each block encoded; None gives it as text. Text that the
            codec cannot encode is given as text, to fail where it is written.
        pieces: give each block's report as its :class:`Pieces` instead (workers do).
    """

    def __init__(
        self,
        forced: Operation | None,
        context: Context | None,
        fmt: str,
        registry: Registry = REGISTRY,
        failures_only: bool = False,
        keep: int = 0,
        codec: tuple[str, str] | None = None,
        pieces: bool = False,
    ) -> None:
        self.failures_only = failures_only
        self.keep = keep
        self.codec = codec
        self.pieces = pieces
        self.forced = forced
        self.registry = registry
        self.context = context
        self.fmt = fmt
        self._writer = writer_class(fmt)
        self._name: str | None = None  # the file the line prefix is made for
        self._prefix = ""
        self._routes: dict[str, _Route | None] = {}  # by wrapper key
        self._by_operation: dict[str, _Route] = {}
        self._passes: dict[str, FastPass | None] = {}  # by operation
        self._kinds: dict[tuple[object, ...], _Kind] = {}
        self._keyed = 0  # failing records of the block whose findings were looked up
        self._found = 0  # those found in the cache
        #: The route, findings and kind of the last failing record of kind_of_document.
        self._last: tuple[_Route | None, list[Finding] | None, _Kind] = (None, None, _NO_KIND)

    def __call__(self, lines: Lines) -> Checked:
        """Check every record of *lines*."""
        if lines.name != self._name:
            self._start_file(lines.name)
        self._keyed = self._found = 0
        context, failures_only, prefix = self.context, self.failures_only, self._prefix
        lines_out = self._writer.records  # False for a format that writes a page at the end
        passing_out = lines_out and not failures_only
        forced = self._route(self.forced) if self.forced is not None else None
        routes, route_of, kind_of = self._routes, self._route_of, self._kind_of
        decode = line_decoder()
        numbers: list[int] = []  # the line number of each record written
        kinds: list[int] = []  # and which text comes after it
        texts: dict[str, int] = {}  # each distinct text, by its index in kinds
        tally = Tally(self.keep)
        room = self.keep  # failing records the tally may keep yet
        # Records with violations are counted in input order (which fields the tally
        # keeps depends on it), a run of records of one kind at once; records without
        # any, a run of one operation at once, and all of them at the end.
        run_kind, run = _NO_KIND, 0
        clean: dict[str, int] = {}  # records without any violation per operation
        clean_route: _Route | None = None
        clean_run = 0
        at = 0  # the line of the last record
        last_route: _Route | None = None  # the last record that failed and is comparable
        last_findings: list[Finding] | None = None
        last_kind = _NO_KIND
        # The fast pass tried first: the forced operation's, or that of the operation of
        # the last record routed by its wrapper key (records of one kind come in runs).
        # It is tried while passing records are not outnumbered by failing ones of late
        # (``credit``): on a run of failing records, a failed try would only add its cost.
        # A block of one record makes none: the record must tell its operation first.
        data = lines.data
        several = data is not None and data.find(b"\n", data.find(b"\n") + 1) >= 0
        # No line of a block is longer than the block: most need no test of their length.
        fits = data is not None and len(data) <= MAX_RECORD_BYTES
        fast_route = forced
        fast = self._fast_pass(forced) if forced is not None and several else None
        fast_text = 0  # the index of fast_route's passing text, when passing records are written
        if forced is not None and passing_out:
            fast_text = texts.setdefault(forced.passing, 0)
        passed_fast = 0  # records of fast_route that its fast pass passed
        credit = CREDIT
        trying = fast  # the fast pass while credit >= 0
        # The lines of block_lines, each tried by the fast pass as it is (a "\r" at its end
        # is JSON whitespace), and made a record by record_line only when it does not pass.
        for lineno, line in enumerate(split_block(data), lines.first):
            if (
                trying is not None
                and line is not None
                and (fits or len(line) <= MAX_RECORD_BYTES)
                and trying(line)
            ):
                at = lineno
                passed_fast += 1
                if credit < CREDIT:
                    credit += 1
                if passing_out:
                    numbers.append(lineno)
                    kinds.append(fast_text)
                continue
            line = record_line(line)
            if line == b"":
                continue  # blank
            at = lineno
            document, error = decode(line) if line is not None else (None, line_too_long())
            if error is not None:
                record = Record(f"{lines.name}:{lineno}", error=error)
                kind = self._outcome_kind(judge(record, self.forced, context, self.registry))
            else:
                route = forced
                if route is None:
                    if type(document) is dict and len(document) == 1:
                        for key in document:
                            route = routes.get(key, _UNSEEN)
                        if route is _UNSEEN:
                            route = route_of(document, key)
                        if route is not fast_route and route is not None and key == route.envelope:
                            if passed_fast:
                                assert fast_route is not None
                                name = fast_route.name
                                clean[name] = clean.get(name, 0) + passed_fast
                                passed_fast = 0
                            fast_route = route
                            fast = self._fast_pass(route) if several else None
                            if passing_out:
                                fast_text = texts.setdefault(route.passing, len(texts))
                            trying = fast if credit >= 0 else None
                    else:
                        route = route_of(document, None)
                findings = None
                if route is not None:
                    try:
                        if not (route.encrypted and encrypted_data(document) is not None):
                            findings = route.check(document, context)
                    except Exception:  # verdict() below checks again and reports it
                        pass
                if route is None or findings is None:
                    # No operation, encrypted account information, or a check that
                    # raised: verdict() says why, decrypts, or reports an internal error.
                    kind = self._outcome_kind(
                        Outcome("", *verdict(document, self.forced, context, self.registry))
                    )
                elif not findings:  # no violation at all
                    if credit < CREDIT:
                        credit += 1
                        if credit == 0:
                            trying = fast
                    if passing_out:
                        numbers.append(lineno)
                        kinds.append(texts.setdefault(route.passing, len(texts)))
                    if route is clean_route:
                        clean_run += 1
                    else:
                        if clean_route is not None:
                            name = clean_route.name
                            clean[name] = clean.get(name, 0) + clean_run
                        clean_route, clean_run = route, 1
                    continue
                elif route is last_route and findings == last_findings:
                    kind = last_kind  # found as in the failing record before: alike
                else:
                    kind, comparable = kind_of(route.name, findings)
                    if comparable:
                        last_route, last_findings, last_kind = route, findings, kind
            if credit > -CREDIT:
                credit -= 1
                if credit < 0:
                    trying = None
            if lines_out and not (failures_only and kind.ok):
                numbers.append(lineno)
                kinds.append(texts.setdefault(kind.after, len(texts)))
            if kind is run_kind:
                run += 1
            else:
                tally.count(run_kind.counted, run)
                run_kind, run = kind, 1
            if room and not kind.ok:
                # A page is wanted, and this is among the block's first failing records.
                failure = kind.counted.failure
                assert failure is not None  # made for every failing kind when keep > 0
                tally.failures.append(failure.at(f"{lines.name}:{lineno}"))
                room -= 1
        tally.count(run_kind.counted, run)
        if clean_route is not None:
            name = clean_route.name
            clean[name] = clean.get(name, 0) + clean_run
        if passed_fast:
            assert fast_route is not None
            clean[fast_route.name] = clean.get(fast_route.name, 0) + passed_fast
        for name, count in clean.items():
            tally.add_passing(name, count)
        if tally.records:
            tally.count_input(lines.name, tally.records)
        last = f"{lines.name}:{at}" if tally.records else ""
        size = len(data or b"")
        if self.pieces:
            return Checked(Pieces(prefix, numbers, kinds, list(texts)), tally, last, size)
        text = report_lines(prefix, numbers, map(list(texts).__getitem__, kinds))
        return Checked(self._encoded(text), tally, last, size)

    def kind_of_document(self, document: object) -> _Kind | None:
        """The kind of one parsed JSON record read whole (a JSON document, an element of
        a JSON array), found as a line of a block is, in the same cache: its text after
        :meth:`Writer.lead <mdesrules.cli._output.Writer.lead>` of its source, and what
        the tally counts of it. None when it must be judged on its own (:func:`judge`):
        no operation told, encrypted account information, or a check that raised."""
        route: _Route | None
        if self.forced is not None:
            route = self._route(self.forced)
        elif type(document) is dict and len(document) == 1:
            key = next(iter(document))
            route = self._routes.get(key, _UNSEEN)
            if route is _UNSEEN:
                route = self._route_of(document, key)
        else:
            route = self._route_of(document, None)
        if route is None or (route.encrypted and encrypted_data(document) is not None):
            return None
        try:
            findings = route.check(document, self.context)
        except Exception:  # judge() checks again and reports it
            return None
        if not findings:
            return route.passed
        last = self._last
        if route is last[0] and findings == last[1]:
            return last[2]  # found as in the failing record before: alike
        kind, comparable = self._kind_of(route.name, findings)
        if comparable:
            self._last = (route, findings, kind)
        return kind

    def _encoded(self, text: str) -> str | bytes:
        if self.codec is not None:
            try:
                return text.encode(*self.codec)
            except UnicodeError:
                pass
        return text

    def _start_file(self, name: str) -> None:
        self._name = name
        self._prefix = self._writer.passing(name, "-")[0]

    def _route(self, op: Operation) -> _Route:
        """How records of *op* are checked."""
        route = self._by_operation.get(op.name)
        if route is None:
            after = self._writer.after_line(op.name, ())
            form = op.form("json")
            passed = _Kind(after, counted(op.name, ()))
            encrypted = op.account_encryption is not None
            fast_form = None if encrypted or self.context is not None else form
            route = _Route(
                op.name, form.checker, after, encrypted, passed, form.envelope, fast_form
            )
            self._by_operation[op.name] = route
        return route

    def _fast_pass(self, route: _Route) -> FastPass | None:
        """The fast pass of *route*'s records, made on first use; None when there is none."""
        if route.form is None:
            return None
        made = self._passes.get(route.name, _UNSEEN)
        if made is _UNSEEN:
            made = self._passes[route.name] = fast_pass(route.form)
        return made  # type: ignore[no-any-return]

    def _route_of(self, document: object, key: str | None) -> _Route | None:
        """The route of a record when no operation is forced: by its operation, which
        :meth:`Registry.detect` tells from the record's keys alone, so that it is asked
        once per wrapper *key*. None when there is none, or detection raised (then
        :func:`verdict` asks again, and reports the error for this record)."""
        try:
            op = self.registry.detect(document)
        except Exception:
            return None
        route = self._route(op) if op is not None else None
        if key is not None:
            if len(self._routes) >= CACHE_SIZE:
                self._routes.clear()
            self._routes[key] = route
        return route

    def _kind_of(self, operation: str, findings: list[Finding]) -> tuple[_Kind, bool]:
        """The kind of a record of *operation* whose compiled check found *findings*, and
        whether findings equal to these are of the same kind (see :func:`findings_key`)."""
        key: tuple[object, ...] | None = None
        comparable = False
        if self._keyed < KEYED_IN_VAIN or self._found * 4 >= self._keyed:
            key, comparable = findings_key(operation, findings)
            if key is not None:
                self._keyed += 1
                kind = self._kinds.get(key)
                if kind is not None:
                    self._found += 1
                    return kind, comparable
        violations = violations_of(operation, findings)
        kind = _Kind(
            self._writer.after_line(operation, violations),
            counted(operation, violations, bool(self.keep)),
            findings,
        )
        if key is not None:
            if len(self._kinds) >= CACHE_SIZE:
                self._kinds.clear()
            self._kinds[key] = kind
        return kind, comparable

    def _outcome_kind(self, outcome: Outcome) -> _Kind:
        """The kind of a record judged on its own (not cached)."""
        violations = outcome.violations
        return _Kind(
            self._writer.after_line(outcome.operation, violations),
            counted(outcome.operation, violations, bool(self.keep)),
        )
