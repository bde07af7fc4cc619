"""The hardened XML parser and the DataContract document mapping (mdesrules._xml)."""

from __future__ import annotations

import re
import select
import socket
import string
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from lxml import etree

from mdesrules import _xml
from mdesrules._xml import (
    DATACONTRACT_NS,
    MAX_XML_BYTES,
    MAX_XML_DEPTH,
    XSI_NS,
    XmlRejected,
    from_document,
    parse_xml,
    read_document,
    to_document,
)
from mdesrules.exceptions import MdesRulesError

FIXTURES = Path(__file__).parent / "fixtures"
PAN = "5412345678901234"
DTD_REFUSED = "XML with a DTD is not accepted (DTDs and entities are refused for safety)"
ENTITY_REFUSED = (
    "XML with an entity reference is not accepted (DTDs and entities are refused for safety)"
)
NS = f'xmlns:i="{XSI_NS}" xmlns="{DATACONTRACT_NS}"'

SEED_UPDATE_REQUEST = {
    "AccountPanSequenceNumber": "sample string 6",
    "AuditInfo": {
        "Organization": "sample string 3",
        "Phone": "sample string 4",
        "UserId": "sample string 1",
        "UserName": "sample string 2",
    },
    "CardholderId": "sample string 3",
    "CommentText": "sample string 9",
    "CurrentAccountPan": "sample string 2",
    "ExpirationDate": "sample string 5",
    "IssuerProductConfigurationId": "sample string 7",
    "NewAccountPan": "sample string 4",
    "TokenUniqueReference": "sample string 1",
    "UpdateWalletProviderIndicator": "sample string 8",
}


def request(body: str) -> bytes:
    return f"<UpdateRequest {NS}>{body}</UpdateRequest>".encode()


def refused(data: bytes, **kwargs: int) -> str:
    """Parse and map *data*, expect XmlRejected, and return its message."""
    with pytest.raises(XmlRejected) as info:
        to_document(parse_xml(data, **kwargs))
    message = str(info.value)
    assert "\n" not in message
    return message


def refusal_or_none(data: bytes) -> str:
    """The message of the XmlRejected that *data* raises, or "" when it is accepted.

    Any other exception escapes and fails the calling test.
    """
    try:
        to_document(parse_xml(data))
    except XmlRejected as error:
        return str(error)
    return ""


def without_layout(xml: str) -> str:
    """The seed samples are indented with single spaces between tags; DataContract is not."""
    return re.sub(r">\s+<", "><", xml.strip())


class SpyResolver(etree.Resolver):
    """Records every external resource libxml2 asks for, and serves an empty one."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    # lxml-stubs leave out the context argument that lxml passes.
    def resolve(  # type: ignore[override]
        self, system_url: str, public_id: str, context: object
    ) -> object:
        self.urls.append(system_url)
        return self.resolve_string("", context, base_url=None)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> SpyResolver:
    """Make parse_xml's own parser (its settings, made anew) report any attempt to load an
    external resource."""
    resolver = SpyResolver()
    make_parser = _xml._new_parser

    def spying_parser() -> etree.XMLParser:
        parser = make_parser()
        parser.resolvers.add(resolver)
        return parser

    monkeypatch.setattr(_xml, "_parser", spying_parser)
    return resolver


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"TOPSECRET {PAN}")
    return path


# Two layers refuse a DTD: a scan of the prolog before libxml2 runs (in every encoding
# XML detects from its first bytes but EBCDIC), and, for what gets past it, the parser
# options and a check of the parsed tree. "parser" switches the scan off to test the
# second layer alone.
LAYERS = pytest.mark.parametrize(
    ("layer", "encoding"),
    [
        ("scan", "utf-8"),
        ("scan", "utf-16"),
        ("scan", "utf-16-be"),
        ("scan", "utf-32"),
        ("parser", "utf-8"),
        ("parser", "utf-16"),
    ],
)


def use_layer(monkeypatch: pytest.MonkeyPatch, layer: str) -> None:
    if layer == "parser":
        monkeypatch.setattr(_xml, "_has_doctype", lambda data: False)


class TestExternalEntities:
    @LAYERS
    def test_file_entity_is_refused_and_never_read(
        self,
        secret_file: Path,
        spy: SpyResolver,
        monkeypatch: pytest.MonkeyPatch,
        layer: str,
        encoding: str,
    ) -> None:
        use_layer(monkeypatch, layer)
        doc = (
            f'<!DOCTYPE UpdateRequest [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>'
            f"<UpdateRequest {NS}><CommentText>&x;</CommentText></UpdateRequest>"
        ).encode(encoding)
        with pytest.raises(XmlRejected) as info:
            parse_xml(doc)
        assert str(info.value) == DTD_REFUSED
        assert "TOPSECRET" not in repr(info.value.args)
        assert PAN not in str(info.value)
        assert spy.urls == []

    def test_spy_sees_loads_when_the_parser_is_permissive(self, secret_file: Path) -> None:
        """Control for the test above: the spy does notice libxml2 reading a file."""
        resolver = SpyResolver()
        parser = etree.XMLParser(resolve_entities=True, load_dtd=True)
        parser.resolvers.add(resolver)
        doc = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]><r>&x;</r>'
        etree.fromstring(doc.encode(), parser)
        assert resolver.urls == [secret_file.as_uri()]

    @LAYERS
    @pytest.mark.parametrize(
        "template",
        [
            '<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/entity">]><r>&x;</r>',
            '<!DOCTYPE r SYSTEM "{url}/external.dtd"><r/>',
            '<!DOCTYPE r PUBLIC "-//X//Y" "{url}/public.dtd"><r/>',
            '<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/param.dtd"> %p;]><r/>',
        ],
    )
    def test_http_entity_never_connects(
        self,
        spy: SpyResolver,
        monkeypatch: pytest.MonkeyPatch,
        template: str,
        layer: str,
        encoding: str,
    ) -> None:
        use_layer(monkeypatch, layer)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(8)
            url = f"http://127.0.0.1:{server.getsockname()[1]}"
            with pytest.raises(XmlRejected, match=re.escape(DTD_REFUSED)):
                parse_xml(template.format(url=url).encode(encoding))
            # A connection attempt would be waiting in the listen queue by now.
            readable, _, _ = select.select([server], [], [], 0.2)
            assert readable == []
        assert spy.urls == []


class TestDtdAndEntities:
    BILLION_LAUGHS = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1 if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]><lolz>&lol9;</lolz>"
    )

    @LAYERS
    @pytest.mark.parametrize(
        "doc",
        [
            BILLION_LAUGHS,
            f"<!DOCTYPE UpdateRequest><UpdateRequest {NS}/>",
            f"<!DOCTYPE UpdateRequest [<!ELEMENT UpdateRequest ANY>]><UpdateRequest {NS}/>",
            "<!DOCTYPE r [<!ENTITY % p \"<!ENTITY x 'y'>\"> %p;]><r>&x;</r>",
            f"<!DOCTYPE r [<!ENTITY x '{PAN}'>]><r>&x;</r>",
            f'<?xml version="1.0"?>\n<!-- a comment -->\n<?pi x?>\n<!DOCTYPE r><r {NS}/>',
        ],
        ids=["billion-laughs", "bare", "internal-subset", "parameter", "internal", "prolog"],
    )
    def test_any_doctype_is_refused(
        self,
        spy: SpyResolver,
        monkeypatch: pytest.MonkeyPatch,
        doc: str,
        layer: str,
        encoding: str,
    ) -> None:
        use_layer(monkeypatch, layer)
        message = refused(doc.encode(encoding))
        if layer == "parser" and doc == self.BILLION_LAUGHS:
            # libxml2 stops the amplification itself, before the tree can be checked.
            assert message.startswith("XML is not well-formed (resource limit) at line 1")
        else:
            assert message == DTD_REFUSED
        assert PAN not in message
        assert spy.urls == []

    def test_scan_ignores_doctype_text_after_the_prolog(self) -> None:
        doc = f"<R {NS}><!-- <!DOCTYPE x> --><A>1</A></R>"
        for encoding in ("utf-8", "utf-16", "utf-32"):
            assert to_document(parse_xml(doc.encode(encoding))) == ("R", {"A": "1"})

    def test_undeclared_entity_reference_is_refused(self) -> None:
        assert refused(request("<CommentText>&pan;</CommentText>")) == ENTITY_REFUSED

    def test_predefined_entities_and_character_references_are_text(self) -> None:
        root = parse_xml(request("<CommentText>&lt;&amp;&#65;&#x42;</CommentText>"))
        assert to_document(root) == ("UpdateRequest", {"CommentText": "<&AB"})

    def test_doctype_inside_cdata_is_only_text(self) -> None:
        doc = request("<CommentText><![CDATA[<!DOCTYPE x>]]></CommentText>")
        assert to_document(parse_xml(doc))[1] == {"CommentText": "<!DOCTYPE x>"}


class TestSizeAndSyntax:
    def test_oversize_is_refused_before_parsing(self) -> None:
        # Not XML at all: only a size check made before parsing gives this message.
        message = refused(b"\xff" * (MAX_XML_BYTES + 1))
        assert message == f"XML document is larger than the limit of {MAX_XML_BYTES} bytes"

    def test_size_limit_is_inclusive(self) -> None:
        doc = request("")
        assert to_document(parse_xml(doc, max_bytes=len(doc))) == ("UpdateRequest", {})
        message = refused(doc, max_bytes=len(doc) - 1)
        assert message == f"XML document is larger than the limit of {len(doc) - 1} bytes"

    def test_huge_document_under_a_raised_limit_still_parses(self) -> None:
        doc = request("<CommentText>" + "x" * MAX_XML_BYTES + "</CommentText>")
        document = to_document(parse_xml(doc, max_bytes=2 * MAX_XML_BYTES))[1]
        assert document == {"CommentText": "x" * MAX_XML_BYTES}

    @pytest.mark.parametrize(
        ("doc", "message"),
        [
            (
                request(f"<CurrentAccountPan>{PAN}</CurrentAccountPanX>"),
                "XML is not well-formed (tag name mismatch) at line 1, column ",
            ),
            (
                request(f"\n<CurrentAccountPan>{PAN}\x01</CurrentAccountPan>"),
                "XML is not well-formed (invalid char) at line 2, column ",
            ),
            (
                f"<UpdateRequest {NS}>\n<CurrentAccountPan>{PAN}".encode(),
                "XML is not well-formed (",
            ),
            (request(f'<P{PAN} a="1" a="2"/>'), "XML is not well-formed ("),
            (request("<i:x:y/>"), "XML is not well-formed ("),
            (request(f"<zz:CurrentAccountPan>{PAN}</zz:CurrentAccountPan>"), "XML is not "),
            (b"   ", "XML document is empty"),
            (b"", "XML document is empty"),
            (f"{PAN}".encode(), "XML is not well-formed ("),
        ],
    )
    def test_malformed_is_refused_without_echo(self, doc: bytes, message: str) -> None:
        text = refused(doc)
        assert text.startswith(message)
        assert PAN not in text
        assert "CurrentAccountPan" not in text

    def test_syntax_error_position(self) -> None:
        doc = request("\n\n  <A></B>")
        assert refused(doc) == "XML is not well-formed (tag name mismatch) at line 3, column 10"

    @given(st.binary(max_size=300))
    def test_arbitrary_bytes_raise_only_xml_rejected(self, data: bytes) -> None:
        assert "\n" not in refusal_or_none(data)

    @given(st.data())
    def test_mutated_request_never_echoes_the_pan(self, data: st.DataObject) -> None:
        doc = bytearray(request(f"<CurrentAccountPan>{PAN}</CurrentAccountPan>"))
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(doc) - 1))
            doc[at : at + 1] = data.draw(st.sampled_from([b"", b"<", b"&", b"\x00", b"x", b">"]))
        assert PAN not in refusal_or_none(bytes(doc))

    def test_exception_types(self) -> None:
        assert issubclass(XmlRejected, ValueError)
        assert issubclass(XmlRejected, MdesRulesError)


class TestNamespaces:
    @pytest.mark.parametrize(
        "doc",
        [
            b"<UpdateRequest/>",
            b'<UpdateRequest xmlns="http://example.com/other"/>',
            f'<dc:UpdateRequest xmlns:dc="{DATACONTRACT_NS}/"/>'.encode(),
        ],
    )
    def test_root_outside_the_namespace(self, doc: bytes) -> None:
        assert refused(doc) == (
            f"XML root element is not in the DataContract namespace {DATACONTRACT_NS}"
        )

    @pytest.mark.parametrize(
        "body",
        [
            '\n<CommentText xmlns="">x</CommentText>',
            '\n<a:string xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>',
            '\n<AuditInfo><UserId xmlns="http://example.com/">u</UserId></AuditInfo>',
        ],
    )
    def test_child_outside_the_namespace(self, body: str) -> None:
        assert refused(request(body)) == (
            f"XML element at line 2 is not in the DataContract namespace {DATACONTRACT_NS}"
        )

    def test_prefixed_datacontract_namespace_is_the_same_namespace(self) -> None:
        doc = f'<d:UpdateRequest xmlns:d="{DATACONTRACT_NS}"><d:A>1</d:A></d:UpdateRequest>'
        assert to_document(parse_xml(doc.encode())) == ("UpdateRequest", {"A": "1"})


class TestToDocument:
    def test_seed_update_request(self) -> None:
        root = parse_xml((FIXTURES / "legacy_update_request.xml").read_bytes())
        assert to_document(root) == ("UpdateRequest", SEED_UPDATE_REQUEST)

    def test_seed_token_response_lists(self) -> None:
        root = parse_xml((FIXTURES / "legacy_token_response.xml").read_bytes())
        name, document = to_document(root)
        assert name == "TokenResponse"
        token = document["token"]
        assert isinstance(token, dict)
        device = {
            "DeviceId": "sample string 1",
            "DeviceName": "sample string 2",
            "DeviceType": "sample string 3",
            "SecureElementId": "sample string 4",
        }
        assert token["Devices"] == {"Device": [device, device]}
        suspender = {"SuspendedBy": "sample string 1"}
        assert token["Suspender"] == {"Suspender": [suspender, suspender]}
        assert token["WalletId"] == "sample string 23"

    def test_a_single_list_item_stays_a_dict(self) -> None:
        doc = request("<Devices><Device><DeviceId>1</DeviceId></Device></Devices>")
        assert to_document(parse_xml(doc))[1] == {"Devices": {"Device": {"DeviceId": "1"}}}

    def test_repeated_names_need_not_be_adjacent(self) -> None:
        doc = request("<A>1</A><B>2</B><A>3</A><A>4</A>")
        assert to_document(parse_xml(doc))[1] == {"A": ["1", "3", "4"], "B": "2"}

    def test_nil_elements_are_left_out(self) -> None:
        doc = request(
            '<A i:nil="true"/><B i:nil=" 1 "></B><C i:nil="false">c</C>'
            '<D><E i:nil="true"/></D><F i:nil="true"/><F>f</F>'
        )
        # D has a child element, so it is a dict, though all its members are null.
        assert to_document(parse_xml(doc))[1] == {"C": "c", "D": {}, "F": "f"}

    def test_nil_with_content_is_refused(self) -> None:
        doc = request(f'\n\n<A i:nil="true">{PAN}</A>')
        assert refused(doc) == "XML element at line 3 is nil but has content"
        doc = request('<A i:nil="true"><B/></A>')
        assert refused(doc) == "XML element at line 1 is nil but has content"

    def test_nil_root_is_refused(self) -> None:
        doc = f'<UpdateRequest {NS} i:nil="true"/>'.encode()
        assert refused(doc) == "XML root element is nil (a null document)"

    def test_root_text_is_refused(self) -> None:
        assert refused(request(PAN)) == "XML root element holds text instead of fields"

    def test_empty_root_is_an_empty_dict(self) -> None:
        assert to_document(parse_xml(request(" \n\t "))) == ("UpdateRequest", {})

    @pytest.mark.parametrize(
        "body",
        [
            "\n<AuditInfo>text<UserId>u</UserId></AuditInfo>",
            "\n<AuditInfo><UserId>u</UserId>tail</AuditInfo>",
            "\n<AuditInfo><UserId>u</UserId><!-- c -->tail</AuditInfo>",
        ],
    )
    def test_mixed_content_is_refused(self, body: str) -> None:
        assert refused(request(body)) == "XML element at line 2 mixes text with child elements"

    def test_root_mixed_content_is_refused(self) -> None:
        message = refused(request(f"{PAN}<A>1</A>"))
        assert message == "XML element at line 1 mixes text with child elements"

    def test_whitespace(self) -> None:
        """Leaf text is exact; whitespace between elements is layout."""
        doc = request("\n  <A>  a b \n</A>\r\n\t<B>   </B>\n  <C>\n    <D/>\n  </C>\n")
        assert to_document(parse_xml(doc))[1] == {"A": "  a b \n", "B": "   ", "C": {"D": ""}}

    def test_comments_processing_instructions_and_attributes_are_ignored(self) -> None:
        doc = request('<!-- note --><A x="1" i:type="string">a<!-- b -->c</A><?pi data?>')
        assert to_document(parse_xml(doc))[1] == {"A": "ac"}

    def test_comment_in_a_tree_built_elsewhere_is_skipped(self) -> None:
        root = etree.Element(f"{{{DATACONTRACT_NS}}}R")
        root.append(etree.Comment("c"))
        etree.SubElement(root, f"{{{DATACONTRACT_NS}}}A").text = "a"
        assert to_document(root) == ("R", {"A": "a"})

    def nested(self, depth: int) -> bytes:
        """A document whose deepest path has *depth* elements, the root included."""
        inner = depth - 1
        return request("<L>" * inner + "x" + "</L>" * inner)

    def test_depth_limit(self) -> None:
        value: object = to_document(parse_xml(self.nested(MAX_XML_DEPTH)))[1]
        for _ in range(MAX_XML_DEPTH - 2):
            assert isinstance(value, dict)
            value = value["L"]
        assert value == {"L": "x"}
        assert refused(self.nested(MAX_XML_DEPTH + 1)) == (
            f"XML nesting is deeper than {MAX_XML_DEPTH} levels (at line 1)"
        )

    def test_depth_far_beyond_the_limit(self) -> None:
        message = refused(self.nested(200))
        assert message.startswith(f"XML nesting is deeper than {MAX_XML_DEPTH} levels")

    def test_each_parse_reports_its_own_error(self) -> None:
        # A thread reuses its parser: an earlier document's errors must not leak into the
        # next one's message, nor refuse a good document.
        first = refused(b"\n\n<R><A></R>")
        second = refused(b"<R><B></R>")
        assert "line 3" in first
        assert "line 1," in second
        assert to_document(parse_xml(request("<N>1</N>")))[1] == {"N": "1"}
        assert refused(b"\n\n<R><A></R>") == first

    def test_parse_is_thread_safe(self) -> None:
        docs = [request(f"<N>{i}</N>" + "<Pad>x</Pad>" * (i % 50)) for i in range(400)]

        def number(doc: bytes) -> object:
            return to_document(parse_xml(doc))[1]["N"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(number, docs))
        assert results == [str(i) for i in range(400)]


class TestFromDocument:
    def test_seed_update_request_order_and_form(self) -> None:
        shuffled = dict(reversed(list(SEED_UPDATE_REQUEST.items())))
        expected = without_layout((FIXTURES / "legacy_update_request.xml").read_text())
        assert from_document("UpdateRequest", shuffled).decode() == expected

    def test_seed_token_response(self) -> None:
        xml = without_layout((FIXTURES / "legacy_token_response.xml").read_text())
        name, document = to_document(parse_xml(xml.encode()))
        assert from_document(name, document).decode() == xml

    def test_given_order(self) -> None:
        xml = from_document("R", {"B": "1", "A": {"D": "2", "C": "3"}}, order="given")
        assert xml == f"<R {NS}><B>1</B><A><D>2</D><C>3</C></A></R>".encode()

    def test_alphabetical_is_ordinal(self) -> None:
        xml = from_document("R", {"b": "", "B": "", "a": "", "A": ""})
        assert xml == f"<R {NS}><A></A><B></B><a></a><b></b></R>".encode()

    def test_values(self) -> None:
        xml = from_document(
            "R", {"N": None, "T": True, "F": False, "I": 42, "E": [], "L": ["x", {"K": "y"}]}
        )
        assert (
            xml
            == (
                f'<R {NS}><F>false</F><I>42</I><L>x</L><L><K>y</K></L><N i:nil="true"/>'
                f"<T>true</T></R>"
            ).encode()
        )
        assert to_document(parse_xml(xml))[1] == {
            "F": "false",
            "I": "42",
            "L": ["x", {"K": "y"}],
            "T": "true",
        }

    def test_escaping(self) -> None:
        xml = from_document("R", {"A": "<&>\"'\r\n\t"})
        assert xml == f"<R {NS}><A>&lt;&amp;&gt;\"'&#13;\n\t</A></R>".encode()

    @pytest.mark.parametrize(
        ("root", "document", "message"),
        [
            ("1R", {}, "root element name is not a valid XML name"),
            ("R", {PAN: "x"}, "an element name is not a valid XML name"),
            ("R", {"A B": "x"}, "an element name is not a valid XML name"),
            ("R", {"A": f"{PAN}\x00"}, "a text value holds characters XML 1.0 cannot carry"),
            ("R", {"A": [["x"], ["y"]]}, "a list inside a list cannot be written as XML"),
        ],
    )
    def test_unwritable_values(self, root: str, document: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            from_document(root, document)

    def test_unwritable_type(self) -> None:
        with pytest.raises(TypeError, match=r"^cannot write a float value as XML$"):
            from_document("R", {"A": 1.5})


# Round trip ----------------------------------------------------------------------------

# Names as DataContract writes them: PascalCase identifiers.
words = st.tuples(
    st.sampled_from(string.ascii_uppercase),
    st.text(string.ascii_lowercase + string.digits, max_size=6),
).map("".join)
names = st.lists(words, min_size=1, max_size=3).map("".join)

# Leaves are any text XML 1.0 can carry, whitespace included: leaf text is kept exactly
# (a carriage return is written as &#13; so that parsing does not turn it into \n).
leaves = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc"),
        include_characters="\t\n\r",
        exclude_characters="\ufffe\uffff",
    ),
    max_size=12,
)


def members(
    node: st.SearchStrategy[object], min_size: int = 0
) -> st.SearchStrategy[dict[str, object]]:
    """A field is a node, or a list of at least two (one would read back as a single)."""
    field = st.one_of(node, st.lists(node, min_size=2, max_size=3))
    return st.dictionaries(names, field, min_size=min_size, max_size=3)


nodes: st.SearchStrategy[object] = st.recursive(
    leaves,
    # An empty element reads back as "", so nested dicts are never empty.
    lambda node: members(node, min_size=1),
    max_leaves=8,
)
documents = members(nodes)


def depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max(depth(v) for v in value)
    return 0


@settings(max_examples=300)
@given(names, documents)
def test_round_trip(root: str, document: dict[str, object]) -> None:
    assert depth(document) < MAX_XML_DEPTH
    assert to_document(parse_xml(from_document(root, document))) == (root, document)


@given(names, documents)
def test_members_are_alphabetical_at_every_level(root: str, document: dict[str, object]) -> None:
    tree = parse_xml(from_document(root, document))
    for element in tree.iter():
        tags = [child.tag for child in element]
        assert tags == sorted(tags)


def leaves_of(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for member in value.values():
            yield from leaves_of(member)
    elif isinstance(value, list):
        for item in value:
            yield from leaves_of(item)
    else:
        assert isinstance(value, str)
        yield value


def has_list(document: dict[str, object]) -> bool:
    return "[" in repr(document)


def has_outer_whitespace(document: dict[str, object]) -> bool:
    return any(leaf and leaf != leaf.strip(" \t\r\n") for leaf in leaves_of(document))


def has_carriage_return(document: dict[str, object]) -> bool:
    return any("\r" in leaf for leaf in leaves_of(document))


def is_deep(document: dict[str, object]) -> bool:
    return depth(document) >= 3


def test_round_trip_strategy_covers_its_interesting_cases() -> None:
    """Guards the strategies above against quietly losing their interesting cases."""
    cases = [has_list, has_outer_whitespace, has_carriage_return, is_deep]
    seen: set[str] = set()

    @settings(max_examples=100, database=None, phases=[Phase.generate])
    @given(documents)
    def sample(document: dict[str, object]) -> None:
        seen.update(case.__name__ for case in cases if case(document))

    sample()
    assert seen == {case.__name__ for case in cases}


# read_document: the codec's and the command line's way in ------------------------------


def outcome_of(data: bytes, read: str) -> object:
    """What one way of reading makes of *data*: the root's name and members, or the message
    and ``root`` of the refusal. *read* is ``"read_document"`` or ``"parse_then_map"``."""
    try:
        if read == "read_document":
            return read_document(data)
        return to_document(parse_xml(data))
    except XmlRejected as error:
        return str(error), error.root


PROLOGS = {
    # name: (text before the root, encoding of the whole)
    "none": ("", "utf-8"),
    "declaration": ('<?xml version="1.0"?>', "utf-8"),
    "utf-8 declared": ("<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n", "utf-8"),
    "bom": ("\ufeff", "utf-8"),
    "comment first": ("<!-- = i:nil -->", "utf-8"),
    "whitespace first": (" \n", "utf-8"),
    "utf-16 with a bom": ('<?xml version="1.0" encoding="UTF-16"?>', "utf-16"),
    "utf-16le, no bom": ('<?xml version="1.0" encoding="UTF-16LE"?>', "utf-16-le"),
    "utf-16be, no bom": ('<?xml version="1.0" encoding="UTF-16BE"?>', "utf-16-be"),
    "latin-1": ('<?xml version="1.0" encoding="ISO-8859-1"?>', "latin-1"),
}
SNIPPETS = [
    ' i:nil="true"',
    " i:nil='1'",
    ' i:nil="false"',
    ' a="="',
    ' xmlns:x="urn:x" x:nil="true"',
    '<X i:nil="true"/>',
    '<Y i:nil="true">y</Y>',
    "<Z/>",
    "<!-- > = -->",
    "<?pi x=1?>",
    "=",
    ">",
    " ",
    "t",
    ":nil",
    "&amp;",
    "&#x3D;",
]


# As `nodes`, with nil members (None): from_document writes them as i:nil="true".
nullable_nodes: st.SearchStrategy[object] = st.recursive(
    st.one_of(leaves, st.none()), lambda node: members(node, min_size=1), max_leaves=8
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A DataContract document with nil members or none, sometimes with snippets (more nil
    members, attributes, comments, stray text) put in at random places, behind one of
    several prologs and encodings."""
    text = from_document(draw(names), draw(members(nullable_nodes))).decode()
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    prolog, encoding = PROLOGS[draw(st.sampled_from(sorted(PROLOGS)))]
    return (prolog + text).encode(encoding, errors="xmlcharrefreplace")


class TestReadDocument:
    """read_document takes shortcuts (it skips the attributes when no element below the
    root can be nil); it must read every document as to_document(parse_xml(...)) does."""

    @settings(max_examples=400)
    @given(bodies())
    def test_same_as_parse_then_map(self, data: bytes) -> None:
        assert outcome_of(data, "read_document") == outcome_of(data, "parse_then_map")

    @pytest.mark.parametrize("encoding", ["UTF-16LE", "UTF-16BE"])
    def test_nil_in_utf16_without_a_bom(self, encoding: str) -> None:
        # A wide encoding named only by the declaration: the bytes hold no b"nil".
        text = (
            f'<?xml version="1.0" encoding="{encoding}"?>'
            + request('<A i:nil="true"/><B>b</B>').decode()
        )
        data = text.encode(encoding.lower().replace("utf-16", "utf-16-"))
        assert b"nil" not in data
        assert read_document(data) == ("UpdateRequest", {"B": "b"})

    def test_nil_root_with_no_attribute_below_it(self) -> None:
        data = f'<UpdateRequest {NS} i:nil="true"><A>a</A></UpdateRequest>'.encode()
        with pytest.raises(XmlRejected, match=r"^XML root element is nil \(a null document\)$"):
            read_document(data)

    def test_nil_after_text_with_an_equals_sign(self) -> None:
        data = request('<A>=</A><B i:nil="true"/><C i:nil="true">c</C>')
        with pytest.raises(XmlRejected, match=r"^XML element at line 1 is nil but has content$"):
            read_document(data)
        assert read_document(request('<A>=</A><B i:nil="true"/>')) == ("UpdateRequest", {"A": "="})

    @pytest.mark.parametrize(
        ("data", "root"),
        [
            (b"<UpdateRequest><A>", None),  # not well-formed
            (b"<UpdateRequest><A>1</A></UpdateRequest>", None),  # root outside the namespace
            (request("<A>1</A>text"), "UpdateRequest"),
            (request('<A xmlns="urn:x">1</A>'), "UpdateRequest"),
            (f'<UpdateRequest {NS} i:nil="true"/>'.encode(), "UpdateRequest"),
        ],
    )
    def test_a_refusal_names_the_root_once_the_document_parsed(
        self, data: bytes, root: str | None
    ) -> None:
        with pytest.raises(XmlRejected) as info:
            read_document(data)
        assert info.value.root == root

    def test_names_beyond_the_remembered_ones_read_the_same(self) -> None:
        count = _xml._CACHED_NAMES + 50
        long_name = "L" * (_xml._CACHED_NAME_LENGTH + 1)
        body = "".join(f"<N{i}>{i}</N{i}>" for i in range(count)) + f"<{long_name}/>"
        expected = {f"N{i}": str(i) for i in range(count)} | {long_name: ""}
        assert read_document(request(body)) == ("UpdateRequest", expected)
        assert read_document(request(body)) == ("UpdateRequest", expected)
        assert len(_xml._LOCAL_NAMES) <= _xml._CACHED_NAMES
        assert long_name not in _xml._LOCAL_NAMES.values()
