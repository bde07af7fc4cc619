"""The verdict on one input record: which operation, and every violation.

Every record gets an :class:`Outcome`, whatever it holds: a record the readers could not
parse gets ``malformed_document``, one whose operation cannot be told gets
``unknown_operation``, and a bug in a rule gets ``internal_error`` for that record alone,
so that one odd request never stops a batch of millions.
"""

from __future__ import annotations

from attrs import evolve, frozen

from ..checking import check, encrypted_data
from ..context import Context
from ..masking import scrub
from ..registry import REGISTRY, Operation, Registry
from ..violations import Finding, Report, Violation
from ._readers import Record

__all__ = ["Outcome", "judge", "verdict", "violations_of"]


@frozen
class Outcome:
    """One record's result, as the report formats show it.

    Attributes:
        source: ``FILE:LINE`` of the record.
        operation: the operation it was checked as, or ``None`` when none could be told.
        violations: every violation, in the library's report order.
    """

    source: str
    operation: str | None
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """True when no violation is an error."""
        return not any(v.severity == "error" for v in self.violations)


def _masked(violation: Violation) -> Violation:
    """*violation* with any PAN left in its text masked.

    The library masks PANs in what it reports; this is the last gate before output, so it
    checks again rather than trust every rule's message to get it right.
    """
    if not _may_hold_pan("\n".join((violation.message, violation.path, *violation.fields))):
        return violation
    message, path = scrub(violation.message), scrub(violation.path)
    fields = tuple(scrub(f) for f in violation.fields)
    if (message, path, fields) == (violation.message, violation.path, violation.fields):
        return violation
    return evolve(violation, message=message, path=path, fields=fields)


# Maps each ASCII digit to "1", every other byte to "0".
_DIGIT_MAP = bytes(0x31 if 0x30 <= b <= 0x39 else 0x30 for b in range(256))


def _may_hold_pan(text: str) -> bool:
    """Whether *text* may hold a run of digits that :func:`scrub` masks: nine in a row, or
    thirteen in all (a PAN written in groups).

    Never wrong for ASCII text, which is what violations hold; any other text is scrubbed
    anyway. A byte translation is some ten times faster than the scrub's Unicode regex.
    """
    if not text.isascii():
        return True
    digits = text.encode("ascii").translate(_DIGIT_MAP)
    return b"111111111" in digits or digits.count(b"1") >= 13


def _whole(code: str, message: str) -> tuple[Violation, ...]:
    """A single violation about the record as a whole (path ``""``)."""
    return (Violation(code, "", ("",), message),)


def _unknown_json(registry: Registry, document: object) -> str:
    """Why *document*'s operation cannot be told: what was found, in a few words, and what
    is expected. Input shows only as a scrubbed key of 40 characters at most."""
    wrappers = [op.wrapper for op in registry if op.wrapper is not None]
    found = _found(document, wrappers)
    return (
        f"cannot tell the operation: found {found}; a request is a JSON object with one "
        f"wrapper key such as {wrappers[0] if wrappers else 'TokenUpdateRequest'} "
        "(`mdesrules rules` lists them); pass --operation to name the operation"
    )


def _found(document: object, wrappers: list[str]) -> str:
    if isinstance(document, list):
        count = f"{len(document)} element" + ("" if len(document) == 1 else "s")
        return (
            f"a JSON array of {count} (a JSON Lines line holds one request: put an array "
            "in a .json file, or one object per line)"
        )
    if isinstance(document, str):
        return "a JSON string"
    if isinstance(document, bool) or document is None:
        return f"JSON {'null' if document is None else str(document).lower()}"
    if isinstance(document, int | float):
        return "a JSON number"
    if not isinstance(document, dict) or not document:
        return "an empty JSON object"
    known = [key for key in document if key in wrappers]
    if len(known) > 1:
        return f"{len(known)} wrapper keys ({', '.join(known)}); send one request per record"
    if known:
        others = len(document) - 1
        return (
            f"the wrapper key {known[0]} beside {others} other key"
            + ("" if others == 1 else "s")
            + "; the wrapper key comes alone"
        )
    if len(document) == 1:
        key = str(next(iter(document)))
        import difflib  # for a document of no operation only

        close = difflib.get_close_matches(key, wrappers, n=1)
        guess = f" (did you mean {close[0]}?)" if close else ""
        return f"an object whose only key {scrub(key[:40])!r} is not a wrapper key{guess}"
    return f"an object of {len(document)} keys, none of them a wrapper key"


def _unknown_xml(root: str | None, registry: Registry) -> str:
    roots = ", ".join(op.xml_root for op in registry if op.xml_root is not None)
    # The root's name is input: shortened and scrubbed, since anything in input may be a PAN.
    got = f"{scrub(root[:40])!r}" if root is not None else "outside the DataContract namespace"
    return (
        f"cannot tell the operation: the XML root element {got} is not one of {roots}; "
        "pass --operation to name the operation"
    )


def _xml_operation(record: Record, forced: Operation | None, registry: Registry) -> Operation | str:
    """The operation to check an XML *record* as, or why there is none."""
    op = forced or (registry.detect_xml(record.root) if record.root is not None else None)
    if op is None:
        return _unknown_xml(record.root, registry)
    if op.xml_root is None:
        xml_ops = ", ".join(o.name for o in registry if o.xml_root is not None)
        return f"operation {op.name} has no XML form; only {xml_ops} can be sent as XML"
    return op


def _internal_error(error: Exception) -> tuple[Violation, ...]:
    # One bad record must not end a batch. The exception's text may quote the input,
    # so only its type is shown.
    message = (
        f"internal error while checking this record ({type(error).__name__}); "
        "this is a bug in mdesrules, please report it"
    )
    return _whole("internal_error", message)


def verdict(
    document: object,
    forced: Operation | None,
    context: Context | None,
    registry: Registry = REGISTRY,
) -> tuple[str | None, tuple[Violation, ...]]:
    """The operation a parsed JSON *document* was checked as, and its masked violations.

    This is :func:`judge` for a JSON record, without the :class:`Record` and
    :class:`Outcome` around it: ``mdesrules check`` calls it once per line.
    """
    name = forced.name if forced is not None else None
    try:
        op = forced or registry.detect(document)
        if op is None:
            return name, _whole("unknown_operation", _unknown_json(registry, document))
        name = op.name
        if op.account_encryption is not None and encrypted_data(document) is not None:
            # Encrypted account information: check() opens it with the context's key, or
            # checks its envelope and says the inside was not checked.
            report = check(op.name, document, context, registry=registry)
            return name, tuple(map(_masked, report.violations))
        # The operation's compiled check, as check() runs it: a parsed JSON document is
        # never a model, and a passing record needs no Report at all.
        findings = op.form("json").checker(document, context)
    except Exception as error:
        return name, _internal_error(error)
    return name, violations_of(name, findings) if findings else ()


def violations_of(operation: str, findings: list[Finding]) -> tuple[Violation, ...]:
    """The masked violations of what *operation*'s compiled check found, rendered now."""
    try:
        found = Report.of_findings(operation, findings).violations
    except Exception as error:
        return _internal_error(error)
    return tuple(map(_masked, found))


def judge(
    record: Record,
    forced: Operation | None,
    context: Context | None,
    registry: Registry = REGISTRY,
) -> Outcome:
    """The outcome of *record*, checked as *forced* or as the operation detected from it
    among the operations of *registry*."""
    name = forced.name if forced is not None else None
    if record.error is not None:
        return Outcome(record.source, name, _whole("malformed_document", scrub(record.error)))
    if record.form != "xml":
        return Outcome(record.source, *verdict(record.document, forced, context, registry))
    try:
        op = _xml_operation(record, forced, registry)
        if isinstance(op, str):
            return Outcome(record.source, name, _whole("unknown_operation", op))
        name = op.name
        payload = {record.root or op.xml_root: record.document}
        report = check(op.name, payload, context, form="xml", registry=registry)
        found = report.violations
    except Exception as error:
        return Outcome(record.source, name, _internal_error(error))
    return Outcome(record.source, report.operation, tuple(map(_masked, found)))
