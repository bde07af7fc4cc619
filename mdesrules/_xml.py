"""One hardened XML parser for untrusted input, and the DataContract document mapping.

The legacy MDES customer service speaks WCF DataContract XML: the root element is named
after the model, every element lives in one default namespace, members appear in
alphabetical order, a null member is an empty element with ``i:nil="true"``, and a list is
a wrapper element holding one element per item::

    <UpdateRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance"
                   xmlns="http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models">
      <AuditInfo><Organization>..</Organization>..</AuditInfo>
      <CurrentAccountPan>..</CurrentAccountPan>
    </UpdateRequest>

:func:`parse_xml` is the only way this project turns bytes from outside into an XML tree,
so that the core and the XML transport share one set of defences: a size limit checked
before parsing, no DTD of any kind (which rules out entity expansion, "billion laughs",
and external entities that read local files or make network requests), and errors that
say what is wrong without echoing the document, which may hold a PAN.

:func:`to_document` and :func:`from_document` map between such a tree and the plain
dict form the rules engine checks, so that XML and JSON requests go through the same
rules.

Whitespace: the text of a leaf element is kept exactly as parsed, leading and trailing
whitespace included (DataContract preserves string values verbatim, and a PAN with a
stray space must fail the rules rather than be silently repaired). Whitespace-only text
between child elements is layout and is ignored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Literal, Protocol, cast

from lxml import etree

from .exceptions import MdesRulesError

__all__ = [
    "DATACONTRACT_NS",
    "MAX_XML_BYTES",
    "MAX_XML_DEPTH",
    "XSI_NS",
    "XmlRejected",
    "from_document",
    "parse_xml",
    "read_document",
    "to_document",
]

DATACONTRACT_NS = "http://schemas.datacontract.org/2004/07/MDES.CustomerService.Models"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_XML_BYTES = 1_048_576
MAX_XML_DEPTH = 32
"""Most elements on any path from the root down, the root included."""

_SAFETY = "(DTDs and entities are refused for safety)"
_DTD_REFUSED = f"XML with a DTD is not accepted {_SAFETY}"
_ENTITY_REFUSED = f"XML with an entity reference is not accepted {_SAFETY}"

_NS_PREFIX = "{" + DATACONTRACT_NS + "}"
_NS_LENGTH = len(_NS_PREFIX)
# Local names by tag ("{namespace}name") of the DataContract elements seen so far: a
# lookup costs less than checking and cutting the tag. Bounded, as names come from outside
# (threads racing may each add one more); a name not kept is cut out each time.
_LOCAL_NAMES: dict[object, str] = {}
_CACHED_NAMES = 1024
_CACHED_NAME_LENGTH = 100
# An XML declaration that leaves the encoding UTF-8 (none named, or UTF-8 named).
_UTF8_DECLARATION = re.compile(
    rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(['\"])1\.[0-9]+\1"
    rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(['\"])(?i:utf-8)\2)?"
    rb"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(['\"])(?:yes|no)\3)?"
    rb"[ \t\r\n]*\?>"
)
_NIL = "{" + XSI_NS + "}nil"

# A DOCTYPE can only appear in the prolog: after an optional BOM, whitespace, the XML
# declaration, comments and processing instructions. The possessive loop keeps the
# match linear whatever the input.
_PROLOG_DOCTYPE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:[ \t\r\n]|<\?.*?\?>|<!--.*?-->)*+<!DOCTYPE", re.DOTALL
)
_PROLOG_DOCTYPE_TEXT = re.compile(
    r"\A\ufeff?(?:[ \t\r\n]|<\?.*?\?>|<!--.*?-->)*+<!DOCTYPE", re.DOTALL
)
# How XML 1.0 appendix F tells the wide encodings apart by the first four bytes; the
# four-byte forms come first since UTF-32LE's BOM begins like UTF-16LE's.
_WIDE_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


class XmlRejected(MdesRulesError, ValueError):
    """An XML document was refused: unsafe, too large, not well-formed or not DataContract.

    The message is one line that says what is wrong and where (line and column), and
    never quotes the document, whose text may hold a PAN. It is a ``ValueError`` too, as
    the input's value is what is wrong.

    ``root`` is the local name of the root element when the document parsed, its root is
    in the DataContract namespace and its content was refused (by :func:`to_document` or
    :func:`read_document`); None otherwise.
    """

    root: str | None = None


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers keep state and must not be shared between threads,
    but one thread may reuse its own (each parse starts with an empty error log), which
    saves setting up libxml2's parser context on every document."""
    try:
        parser: etree.XMLParser = _PARSERS.parser
    except AttributeError:
        parser = _PARSERS.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted *data* into an element tree, refusing anything unsafe.

    Args:
        data: the whole document; its encoding comes from the BOM or XML declaration
            (UTF-8 when neither is present).
        max_bytes: the largest document accepted, checked before any parsing.

    Returns:
        The root element. Comments and processing instructions are dropped.

    Raises:
        XmlRejected: the document is too large, has a DTD (internal subset included), an
            entity declaration or a reference to an undeclared entity, or is not
            well-formed. Only the five predefined entities (``&amp;`` ...) and character
            references are accepted.
    """
    return _parse(data, max_bytes, _has_prolog(data))


def _has_prolog(data: bytes) -> bool:
    """Whether *data* may hold something before its root element: a BOM, whitespace, an
    XML declaration, a comment, a processing instruction, a DTD, or a wide encoding.

    When it cannot, *data* begins with the root element's start tag in UTF-8 (libxml2
    takes a document whose first bytes are neither a BOM nor ``<?``, ``<!`` or a
    wide ``<`` for UTF-8), so it has no DTD: one may only come before the root.
    """
    return data[:1] != b"<" or data[1:2] in (b"?", b"!", b"\x00")


def _parse(data: bytes, max_bytes: int, prolog: bool) -> etree._Element:
    """:func:`parse_xml`, *prolog* being :func:`_has_prolog` of *data*."""
    if len(data) > max_bytes:
        raise XmlRejected(f"XML document is larger than the limit of {max_bytes} bytes")
    if prolog and _has_doctype(data):
        raise XmlRejected(_DTD_REFUSED)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise XmlRejected(_syntax_message(parser, error, blank=not data.strip())) from None
    if prolog:
        # A DTD seen here got past _has_doctype (an encoding it cannot read, such as
        # EBCDIC); the parser options above have kept libxml2 from loading or expanding
        # anything.
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise XmlRejected(_DTD_REFUSED)
    return root


def _has_doctype(data: bytes) -> bool:
    """Whether *data* starts with a prolog holding a DOCTYPE, in any encoding XML
    detects from the first bytes except EBCDIC.

    Finding the DTD before libxml2 runs means libxml2 never reads it at all.
    """
    if not _has_prolog(data):
        return False
    if _PROLOG_DOCTYPE.match(data):
        return True
    for start, encoding in _WIDE_ENCODINGS:
        if data.startswith(start):
            text = data.decode(encoding, errors="replace")
            return _PROLOG_DOCTYPE_TEXT.match(text) is not None
    return False


class _LogEntry(Protocol):
    """The parts of an lxml ``_LogEntry`` used here (lxml-stubs does not describe it)."""

    type_name: str
    level_name: str
    line: int
    column: int


def _syntax_message(parser: etree.XMLParser, error: etree.XMLSyntaxError, *, blank: bool) -> str:
    """Describe a libxml2 error by its error type and position, never by its text.

    libxml2's own messages quote element names and content, so they are not used.
    """
    log = cast("Iterable[_LogEntry]", parser.error_log)
    entries = [e for e in log if e.level_name in ("ERROR", "FATAL")]
    if entries:
        first = entries[0]
        kind, line, column = first.type_name, first.line, first.column
    else:
        kind = ""
        line, column = error.position
    if kind == "ERR_UNDECLARED_ENTITY":
        return _ENTITY_REFUSED
    if kind == "ERR_DOCUMENT_EMPTY":
        if blank:
            return "XML document is empty"
        kind = "ERR_NO_ROOT_ELEMENT"  # what libxml2 means: no start tag where one must be
    reason = kind.removeprefix("NS_").removeprefix("ERR_").replace("_", " ").lower()
    detail = f" ({reason})" if reason else ""
    return f"XML is not well-formed{detail} at line {line}, column {column}"


def read_document(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> tuple[str, dict[str, object]]:
    """:func:`to_document` of :func:`parse_xml` of *data*, for a received body.

    The same result and refusals as the two calls; faster for UTF-8 without ``i:nil``:
    an attribute's name is in the bytes as written, so a UTF-8 document (no XML
    declaration, or one that declares UTF-8) without the bytes ``:nil`` (``nil`` is in a
    namespace, so it has a prefix) has no nil element, and its elements' attributes are
    not read. Nor has one without an ``=`` after its first ``>``, where the root's start
    tag ends at the earliest: no element below the root has an attribute.

    Raises:
        XmlRejected: as :func:`parse_xml` and :func:`to_document` do; when the document
            parsed, its ``root`` is the root element's local name (None outside the
            DataContract namespace).
    """
    prolog = _has_prolog(data)
    root = _parse(data, max_bytes, prolog)
    # UTF-8 for sure: no prolog, or an XML declaration (first, in ASCII: so not a wide
    # encoding, nor after a BOM) that names UTF-8 or no encoding.
    utf8 = not prolog or (data[1:2] == b"?" and _UTF8_DECLARATION.match(data) is not None)
    # Finding one byte is far quicker than finding three.
    nil = not utf8 or (data.find(b"=", data.find(b">")) != -1 and b":nil" in data)
    return _to_document(root, nil=nil)


def to_document(root: etree._Element) -> tuple[str, dict[str, object]]:
    """Return the local name of *root* and its content as a plain dict.

    Mapping, applied at every level:

    - a child element becomes a key named by its local name;
    - a leaf (no child elements) becomes its text, ``""`` when empty;
    - an element with child elements becomes a dict (``{}`` when all of them are nil);
    - sibling elements sharing a name become a list, in document order. A single
      element stays a single value, so ``<Devices><Device>..</Device></Devices>`` gives
      ``{"Device": {...}}`` for one device and ``{"Device": [{...}, {...}]}`` for two:
      callers that expect a list must accept both;
    - an element with ``i:nil="true"`` (DataContract's null) is left out;
    - attributes other than ``i:nil`` are ignored (namespace declarations are not
      attributes).

    The root is always a dict, even when it has no children.

    Raises:
        XmlRejected: an element is outside the DataContract namespace, mixes
            non-whitespace text with child elements, is nil yet has content, or lies
            deeper than :data:`MAX_XML_DEPTH`; or the root itself is nil or holds text.
    """
    return _to_document(root, nil=True)


def _to_document(root: etree._Element, *, nil: bool) -> tuple[str, dict[str, object]]:
    """:func:`to_document`; with ``nil=False`` no element below the root is nil."""
    local = _local_name(root)
    if local is None:
        raise XmlRejected(
            f"XML root element is not in the DataContract namespace {DATACONTRACT_NS}"
        )
    try:
        if _is_nil(root):
            raise XmlRejected("XML root element is nil (a null document)")
        content = _element_value(root, 1, nil)
        if isinstance(content, str):
            if content.strip():
                raise XmlRejected("XML root element holds text instead of fields")
            content = {}
    except XmlRejected as error:
        error.root = local
        raise
    return local, content


def _local_name(element: etree._Element) -> str | None:
    """The local name of *element*, or None when it is not in the DataContract namespace."""
    tag = element.tag
    local = _LOCAL_NAMES.get(tag)
    if local is None and isinstance(tag, str) and tag.startswith(_NS_PREFIX):
        local = _remembered(tag)
    return local


def _is_nil(element: etree._Element) -> bool:
    value = element.get(_NIL)
    return value is not None and value.strip() in ("true", "1")


def _element_value(
    element: etree._Element, depth: int, nil: bool = True
) -> str | dict[str, object]:
    # Each property of an lxml element is a call into C that makes a new object: each is
    # read once, an element's attributes only when the document may hold an i:nil, a
    # tag's local name is looked up rather than cut out, and anything unusual (a comment,
    # an entity, another namespace, a name not seen before) is left to _child_name.
    if depth > MAX_XML_DEPTH:
        raise XmlRejected(
            f"XML nesting is deeper than {MAX_XML_DEPTH} levels (at line {element.sourceline})"
        )
    fields: dict[str, object] = {}
    has_children = repeated = False
    for child in element:
        name = _LOCAL_NAMES.get(child.tag)
        if name is None:
            name = _child_name(element, child)
            if name is None:
                continue  # a comment or processing instruction between the elements
        has_children = True
        tail = child.tail
        if tail and not tail.isspace():
            raise XmlRejected(_mixed(element))
        if len(child) or depth >= MAX_XML_DEPTH:
            value = _element_value(child, depth + 1, nil)
        else:
            value = child.text or ""
        if nil and child.keys() and _is_nil(child):
            if value != "":
                raise XmlRejected(f"XML element at line {child.sourceline} is nil but has content")
            continue
        if name in fields:
            existing = fields[name]
            if isinstance(existing, _Repeated):
                existing.append(value)
            else:
                fields[name] = _Repeated((existing, value))
                repeated = True
        else:
            fields[name] = value
    if not has_children:
        return element.text or ""
    text = element.text
    if text and not text.isspace():
        raise XmlRejected(_mixed(element))
    if repeated:
        for key, member in fields.items():
            if isinstance(member, _Repeated):
                fields[key] = list(member)
    return fields


def _child_name(element: etree._Element, child: etree._Element) -> str | None:
    """The local name of *child*, an element of *element*; None when it is a comment or
    processing instruction to skip.

    Raises:
        XmlRejected: *child* is an entity reference, an element outside the DataContract
            namespace, or a comment or processing instruction followed by text.
    """
    tag = child.tag
    if isinstance(tag, str) and tag.startswith(_NS_PREFIX):
        return _remembered(tag)
    _unusual(element, child)
    return None


def _remembered(tag: str) -> str:
    """The local name of *tag*, a DataContract element's, kept in :data:`_LOCAL_NAMES`
    while there is room."""
    name = tag[_NS_LENGTH:]
    if len(name) <= _CACHED_NAME_LENGTH and len(_LOCAL_NAMES) < _CACHED_NAMES:
        _LOCAL_NAMES[tag] = name
    return name


def _unusual(element: etree._Element, child: etree._Element) -> None:
    """Refuse a *child* of *element* that is not a DataContract element, unless it is a
    comment or processing instruction with only whitespace after it (then it is skipped)."""
    tag = child.tag
    if tag is etree.Entity:
        raise XmlRejected(_ENTITY_REFUSED)
    tail = child.tail
    if tail and not tail.isspace():
        raise XmlRejected(_mixed(element))
    if isinstance(tag, str):
        raise XmlRejected(
            f"XML element at line {child.sourceline} is not in the DataContract "
            f"namespace {DATACONTRACT_NS}"
        )


class _Repeated(list[object]):
    """Marks a list built from repeated siblings while an element is being read."""


def _mixed(element: etree._Element) -> str:
    return f"XML element at line {element.sourceline} mixes text with child elements"


def from_document(
    root_name: str,
    document: Mapping[str, object],
    *,
    order: Literal["alphabetical", "given"] = "alphabetical",
) -> bytes:
    """Serialise *document* as DataContract XML with root element *root_name*.

    The output matches what the legacy service sends: the root declares ``xmlns:i``
    and the DataContract default namespace, in that order; there is no XML declaration,
    no indentation, and the encoding is UTF-8.

    Values map back the way :func:`to_document` reads them: a ``str`` becomes the text
    of a leaf, a mapping an element with children, a list one element per item under the
    same name (an empty list emits nothing), and ``None`` an empty element with
    ``i:nil="true"``. For convenience ``bool`` becomes ``true``/``false`` and ``int``
    its decimal text, as DataContract writes them.

    Args:
        order: ``"alphabetical"`` sorts the members of every element by ordinal
            (code point) order of their names, as DataContractSerializer does;
            ``"given"`` keeps the mapping's own order.

    Raises:
        ValueError: a name is not a valid XML name, a text holds characters XML 1.0
            cannot carry, or a list holds a list.
        TypeError: a value is of any other type.
    """
    # lxml-stubs wrongly refuse None, lxml's key for the default namespace.
    nsmap = {"i": XSI_NS, None: DATACONTRACT_NS}
    try:
        root = etree.Element(_NS_PREFIX + root_name, nsmap=nsmap)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError("root element name is not a valid XML name") from None
    _fill(root, document, order)
    return etree.tostring(root, encoding="utf-8", xml_declaration=False)


def _fill(parent: etree._Element, members: Mapping[str, object], order: str) -> None:
    names = sorted(members) if order == "alphabetical" else list(members)
    for name in names:
        value = members[name]
        if isinstance(value, list):
            for item in value:
                if isinstance(item, list):
                    raise ValueError("a list inside a list cannot be written as XML")
                _append(parent, name, item, order)
        else:
            _append(parent, name, value, order)


def _append(parent: etree._Element, name: str, value: object, order: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"element names must be str, not {type(name).__name__}")
    try:
        child = etree.SubElement(parent, _NS_PREFIX + name)
    except ValueError:
        raise ValueError("an element name is not a valid XML name") from None
    if value is None:
        child.set(_NIL, "true")
    elif isinstance(value, Mapping):
        _fill(child, value, order)
    else:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (str, int)):
            text = str(value)
        else:
            raise TypeError(f"cannot write a {type(value).__name__} value as XML")
        try:
            child.text = text
        except ValueError:
            raise ValueError("a text value holds characters XML 1.0 cannot carry") from None
