"""The streaming input readers of ``mdesrules check`` (mdesrules.cli._readers)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdesrules._xml import DATACONTRACT_NS, MAX_XML_BYTES, XSI_NS
from mdesrules.cli._readers import (
    MAX_RECORD_BYTES,
    InputError,
    Record,
    read_json,
    read_jsonl,
    read_path,
    read_xml,
)
from mdesrules.codecs import xml as xml_codec
from mdesrules.exceptions import DecodeError

PAN = "5412345678901234"
NOT_READ = "; the rest of the file was not read"
TRUNCATED = "the file ends before the JSON array is closed"
EMPTY_ARRAY = "the JSON array holds no document to check"
XML = f'<UpdateRequest xmlns="{DATACONTRACT_NS}"><A>1</A></UpdateRequest>'.encode()

Reader = Callable[[BinaryIO, str], Iterator[Record]]
Row = tuple[str, object, "str | None"]


def rows(reader: Reader, data: bytes, name: str = "f") -> list[Row]:
    return [(r.source, r.document, r.error) for r in reader(io.BytesIO(data), name)]


def astuple(record: Record) -> Row:
    return (record.source, record.document, record.error)


def stdin_rows(data: bytes) -> list[Row]:
    return [(r.source, r.document, r.error) for r in read_path("-", io.BytesIO(data))]


def json_string_line(size: int) -> bytes:
    """A JSON string literal exactly *size* bytes long."""
    return b'"' + b"x" * (size - 2) + b'"'


class SpyStream(io.BytesIO):
    """Records how the reader asks for data, to check that it never asks for everything."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().read(size)

    def readline(self, size: int | None = -1, /) -> bytes:
        self.sizes.append(-1 if size is None else size)
        return super().readline(size)


class Trickle(io.RawIOBase):
    """A raw stream that returns at most *step* bytes per read, as pipes may."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = memoryview(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._step, len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


class FailingStream(io.BytesIO):
    """Gives its data, then fails the way a broken disk or pipe does."""

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        if not data:
            raise OSError(5, "Input/output error")
        return data


# JSON Lines ---------------------------------------------------------------------------


class TestJsonLines:
    def test_every_non_blank_line_yields_one_record_in_order(self) -> None:
        lines = [
            b'{"a": 1}',
            b"",
            b"   \t",
            b'{"b": 2}\r',
            b'{"CurrentAccountPan": "' + PAN.encode() + b'",}',
            b'{"x": "\xff' + PAN.encode() + b'"}',
            b"[NaN]",
            b'{"x": Infinity}',
            b"-Infinity",
            b"1" * 5000,
            b"[" * 100_000 + b"]" * 100_000,
            b'{"k": "' + PAN.encode() + b'", "k": 2}',
            b"1e400",
            json_string_line(MAX_RECORD_BYTES + 1),
            b'{"c": 3} {"d": 4}',
            b'{"last": true}',
        ]
        records = rows(read_jsonl, b"\n".join(lines))
        assert records == [
            ("f:1", {"a": 1}, None),
            ("f:4", {"b": 2}, None),
            (
                "f:5",
                None,
                "invalid JSON at column 42: expecting property name enclosed in double quotes",
            ),
            ("f:6", None, "not valid UTF-8 (at byte 8 of the line)"),
            ("f:7", None, "NaN and Infinity are not valid JSON"),
            ("f:8", None, "NaN and Infinity are not valid JSON"),
            ("f:9", None, "NaN and Infinity are not valid JSON"),
            ("f:10", None, "an integer has more than 4300 digits"),
            ("f:11", None, "JSON nesting is too deep (more than 256 levels)"),
            ("f:12", None, 'a JSON object has the same key twice: "k"; send each key once'),
            ("f:13", None, "a number is too large for a 64-bit float"),
            ("f:14", None, f"line is longer than the limit of {MAX_RECORD_BYTES} bytes"),
            ("f:15", None, "invalid JSON at column 10: extra data"),
            ("f:16", {"last": True}, None),
        ]

    @pytest.mark.parametrize("end", [b"\n", b"\r\n"])
    def test_size_limit_is_inclusive(self, end: bytes) -> None:
        fits = json_string_line(MAX_RECORD_BYTES)
        too_long = json_string_line(MAX_RECORD_BYTES + 1)
        records = rows(read_jsonl, fits + end + too_long + end + b"1" + end)
        assert [(source, error) for source, _, error in records] == [
            ("f:1", None),
            ("f:2", f"line is longer than the limit of {MAX_RECORD_BYTES} bytes"),
            ("f:3", None),
        ]

    @pytest.mark.parametrize("end", [b"", b"\r"])
    def test_size_limit_of_a_last_line_without_newline(self, end: bytes) -> None:
        fits = json_string_line(MAX_RECORD_BYTES)
        too_long = json_string_line(MAX_RECORD_BYTES + 1)
        assert rows(read_jsonl, fits + end)[0][2] is None
        assert rows(read_jsonl, too_long + end) == [
            ("f:1", None, f"line is longer than the limit of {MAX_RECORD_BYTES} bytes")
        ]

    def test_an_oversize_line_is_never_read_whole(self) -> None:
        data = b'{"a": 1}\n' + json_string_line(5 * MAX_RECORD_BYTES) + b'\n{"b": 2}\n'
        stream = SpyStream(data)
        records = [(r.source, r.document) for r in read_jsonl(stream, "f")]
        assert records == [("f:1", {"a": 1}), ("f:2", None), ("f:3", {"b": 2})]
        assert all(0 < size <= MAX_RECORD_BYTES + 2 for size in stream.sizes)

    def test_an_oversize_blank_line_is_blank(self) -> None:
        data = b"1\n" + b" " * (2 * MAX_RECORD_BYTES) + b"\n2\n"
        assert rows(read_jsonl, data) == [("f:1", 1, None), ("f:3", 2, None)]

    def test_byte_order_mark_and_empty_input(self) -> None:
        assert rows(read_jsonl, b'\xef\xbb\xbf{"a": 1}\n') == [("f:1", {"a": 1}, None)]
        assert rows(read_jsonl, b"") == []
        assert rows(read_jsonl, b"\n \n") == []

    @given(st.text(), st.text())
    def test_errors_never_quote_the_line(self, before: str, after: str) -> None:
        line = (before + PAN + after).replace("\n", " ").encode("utf-8", "surrogatepass")
        for _, _, error in rows(read_jsonl, line):
            assert error is None or PAN not in error


# JSON documents and arrays ------------------------------------------------------------


class TestJson:
    def test_array_elements_carry_their_start_lines(self) -> None:
        data = b'[\n  {"a": 1},\n  {\n    "b": [1,\n 2]\n  }\n\n  ,3, "x"\n]\n'
        assert rows(read_json, data) == [
            ("f:2[0]", {"a": 1}, None),
            ("f:3[1]", {"b": [1, 2]}, None),
            ("f:8[2]", 3, None),
            ("f:8[3]", "x", None),
        ]

    def test_single_document(self) -> None:
        data = b'\n\n{\n  "TokenUpdateRequest": {"TokenUniqueReference": "T"}\n}\n'
        assert rows(read_json, data) == [
            ("f:3", {"TokenUpdateRequest": {"TokenUniqueReference": "T"}}, None)
        ]
        assert rows(read_json, b"42") == [("f:1", 42, None)]

    @pytest.mark.parametrize("data", [b"[]", b"  [\n\n ]\n", b"\xef\xbb\xbf[]"])
    def test_an_empty_array_is_one_malformed_record(self, data: bytes) -> None:
        # A batch that holds nothing is reported, as an empty file is; never a silent pass.
        assert rows(read_json, data) == [("f:1", None, EMPTY_ARRAY)]

    @pytest.mark.parametrize("data", [b"", b" \n\t\r\n", b"\xef\xbb\xbf"])
    def test_empty_file(self, data: bytes) -> None:
        assert rows(read_json, data) == [("f:1", None, "empty file")]

    def test_trailing_garbage(self) -> None:
        assert rows(read_json, b"[1]\n\n x [2]") == [
            ("f:1[0]", 1, None),
            ("f:3", None, f"unexpected content after the JSON array at line 3, column 2{NOT_READ}"),
        ]
        assert rows(read_json, b'{"a": 1}\n{"b": 2}\n') == [
            ("f:1", {"a": 1}, None),
            (
                "f:2",
                None,
                f"unexpected content after the JSON document at line 2, column 1{NOT_READ}",
            ),
        ]

    @pytest.mark.parametrize(
        "data",
        [b"[", b"[\n", b'[{"a": 1}', b'[{"a": 1},', b'[{"a": 1},\n {"b"', b'[{"a": 1}, "abc'],
    )
    def test_truncated_array(self, data: bytes) -> None:
        records = rows(read_json, data)
        assert records[-1][1:] == (None, TRUNCATED)
        assert [document for _, document, _ in records[:-1]] == [{"a": 1}][: len(records) - 1]

    def test_syntax_error_stops_the_array(self) -> None:
        data = b'[{"a": 1},\n {"b": x' + PAN.encode() + b'},\n {"c": 3}]'
        assert rows(read_json, data) == [
            ("f:1[0]", {"a": 1}, None),
            ("f:2", None, f"invalid JSON at line 2, column 8: expecting value{NOT_READ}"),
        ]

    def test_missing_comma_stops_the_array(self) -> None:
        assert rows(read_json, b'[{"a": 1}\n {"b": 2}]') == [
            ("f:1[0]", {"a": 1}, None),
            (
                "f:2",
                None,
                f"invalid JSON at line 2, column 2: expecting ',' or ']' after an array element"
                f"{NOT_READ}",
            ),
        ]

    def test_trailing_comma_stops_the_array(self) -> None:
        assert rows(read_json, b"[1,\n]") == [
            ("f:1[0]", 1, None),
            ("f:2", None, f"invalid JSON at line 2, column 1: expecting value{NOT_READ}"),
        ]

    def test_syntax_error_in_a_single_document(self) -> None:
        assert rows(read_json, b"{\n \"a\": 'x'\n}") == [
            ("f:2", None, "invalid JSON at line 2, column 7: expecting value")
        ]

    def test_refused_elements_are_stepped_over(self) -> None:
        data = (
            b'[\n {"a": NaN},\n {"x": {"k": 1, "k": [2]}},\n '
            + b"9" * 5000
            + b',\n 1e999,\n {"after": [Infinity, -Infinity]},\n {"ok": true}\n]'
        )
        assert rows(read_json, data) == [
            ("f:2[0]", None, "NaN and Infinity are not valid JSON"),
            ("f:3[1]", None, 'a JSON object has the same key twice: "k"; send each key once'),
            ("f:4[2]", None, "an integer has more than 4300 digits"),
            ("f:5[3]", None, "a number is too large for a 64-bit float"),
            ("f:6[4]", None, "NaN and Infinity are not valid JSON"),
            ("f:7[5]", {"ok": True}, None),
        ]

    def test_refused_single_document(self) -> None:
        assert rows(read_json, b'{"a": NaN}\n') == [
            ("f:1", None, "NaN and Infinity are not valid JSON")
        ]

    def test_deep_nesting_stops_the_array(self) -> None:
        data = b"[1,\n" + b"[" * 100_000 + b"]" * 100_000 + b",\n 2]"
        assert rows(read_json, data) == [
            ("f:1[0]", 1, None),
            ("f:2", None, f"JSON nesting is too deep (more than 256 levels){NOT_READ}"),
        ]

    def test_nesting_past_the_limit_is_refused_and_stepped_over(self) -> None:
        deep = b"[" * 257 + b"]" * 257
        fits = b"[" * 256 + b"]" * 256
        data = b"[\n" + deep + b",\n" + fits + b',\n "\\ud800",\n "\\ud83d\\ude00"\n]'
        assert rows(read_json, data) == [
            ("f:2[0]", None, "JSON nesting is too deep (more than 256 levels)"),
            ("f:3[1]", json.loads(fits), None),
            (
                "f:4[2]",
                None,
                "a JSON string holds an unpaired surrogate escape (\\ud800 to \\udfff)",
            ),
            ("f:5[3]", "\U0001f600", None),
        ]

    def test_element_size_limit(self) -> None:
        fits = json_string_line(MAX_RECORD_BYTES)
        data = b"[\n" + fits + b",\n" + fits[:-1] + b'x",\n 3]'
        records = rows(read_json, data)
        assert [(source, error) for source, _, error in records] == [
            ("f:2[0]", None),
            (
                "f:3",
                f"JSON array element is larger than the limit of {MAX_RECORD_BYTES} bytes"
                f"{NOT_READ}",
            ),
        ]

    def test_size_limit_counts_utf8_bytes(self) -> None:
        # 600,000 two-byte characters: under the limit in characters, over it in bytes.
        data = b'["' + "é".encode() * 600_000 + b'"]'
        assert rows(read_json, data) == [
            (
                "f:1",
                None,
                f"JSON array element is larger than the limit of {MAX_RECORD_BYTES} bytes"
                f"{NOT_READ}",
            )
        ]

    def test_single_document_size_limit(self) -> None:
        data = b'{"a": ' + json_string_line(MAX_RECORD_BYTES) + b"}"
        assert rows(read_json, data) == [
            ("f:1", None, f"JSON document is larger than the limit of {MAX_RECORD_BYTES} bytes")
        ]

    def test_array_is_streamed(self) -> None:
        element = {"TokenUpdateRequest": {"TokenUniqueReference": "T" * 48}}
        stream = SpyStream(json.dumps([element] * 50_000, indent=2).encode())
        records = read_json(stream, "f")
        assert next(records).document == element
        assert stream.tell() <= 4 * 65_536
        assert sum(1 for _ in records) == 49_999
        assert all(0 < size <= 2 * MAX_RECORD_BYTES for size in stream.sizes)

    @pytest.mark.parametrize("step", [1, 3, 65_536])
    def test_invalid_utf8_stops_at_its_line(self, step: int) -> None:
        data = b'\xef\xbb\xbf[1,\n 2,\n "\xc3\xa9\xff"]'
        assert list(map(astuple, read_json(cast(BinaryIO, Trickle(data, step)), "f"))) == [
            ("f:1[0]", 1, None),
            ("f:2[1]", 2, None),
            ("f:3", None, f"the file is not valid UTF-8{NOT_READ}"),
        ]
        assert rows(read_json, b'{"a": "\xff"}') == [
            ("f:1", None, f"the file is not valid UTF-8{NOT_READ}")
        ]

    @pytest.mark.parametrize("step", [1, 2, 3, 5, 7])
    def test_numbers_split_across_reads(self, step: int) -> None:
        data = b"[12345, 678.5e-3, -0,1E+2 , 9.25E2,1e1]"
        documents = [r.document for r in read_json(cast(BinaryIO, Trickle(data, step)), "f")]
        assert documents == [12345, 0.6785, 0, 100.0, 925.0, 10.0]
        assert [r.document for r in read_json(cast(BinaryIO, Trickle(b"-12.5", step)), "f")] == [
            -12.5
        ]

    def test_a_number_cut_short_is_an_error(self) -> None:
        # Python's own json reads the 1 as well and trips on the dot.
        assert rows(read_json, b"[1.]") == [
            ("f:1[0]", 1, None),
            (
                "f:1",
                None,
                f"invalid JSON at line 1, column 3: expecting ',' or ']' after an array element"
                f"{NOT_READ}",
            ),
        ]


# XML ----------------------------------------------------------------------------------


def codec_reading(data: bytes) -> tuple[str, dict[str, object]] | str:
    """The root and members the XML codec reads from *data*, or why it refuses it."""
    try:
        return xml_codec.loads(data)
    except DecodeError as error:
        return str(error)


class TestXml:
    def test_document(self) -> None:
        [record] = read_xml(io.BytesIO(XML), "f.xml")
        assert record == Record("f.xml:1", {"A": "1"}, form="xml", root="UpdateRequest")

    def test_malformed(self) -> None:
        [record] = read_xml(io.BytesIO(b"<UpdateRequest>" + PAN.encode()), "f.xml")
        assert record.form == "xml"
        assert record.root is None
        assert record.document is None
        assert record.error is not None
        assert record.error.startswith("XML is not well-formed (")
        assert PAN not in record.error

    def test_root_is_kept_when_the_content_is_refused(self) -> None:
        data = f'<UpdateRequest xmlns="{DATACONTRACT_NS}"><A xmlns="x"/></UpdateRequest>'
        [record] = read_xml(io.BytesIO(data.encode()), "f.xml")
        assert record.root == "UpdateRequest"
        assert record.error == (
            f"XML element at line 1 is not in the DataContract namespace {DATACONTRACT_NS}"
        )

    @pytest.mark.parametrize(
        "data",
        [
            XML,
            # nil members in UTF-16 named by the declaration alone (no BOM)
            (
                '<?xml version="1.0" encoding="UTF-16LE"?><UpdateRequest xmlns:i="'
                f'{XSI_NS}" xmlns="{DATACONTRACT_NS}"><A i:nil="true"/><B>b</B></UpdateRequest>'
            ).encode("utf-16-le"),
            f'<UpdateRequest xmlns="{DATACONTRACT_NS}"><A>1</A>text</UpdateRequest>'.encode(),
            b"<UpdateRequest><A>",
        ],
        ids=["plain", "utf-16-nil", "mixed", "malformed"],
    )
    def test_reads_as_the_xml_codec_does(self, data: bytes) -> None:
        """The command line and the XML codec (codecs.xml.loads) give the same verdict."""
        [record] = read_xml(io.BytesIO(data), "f.xml")
        codec = codec_reading(data)
        if isinstance(codec, str):
            assert (record.error, record.document) == (codec, None)
        else:
            assert record == Record("f.xml:1", codec[1], form="xml", root=codec[0])

    def test_reads_at_most_one_byte_over_the_limit(self) -> None:
        stream = SpyStream(b"<" + b" " * (3 * MAX_XML_BYTES))
        [record] = read_xml(stream, "f.xml")
        assert record.error == f"XML document is larger than the limit of {MAX_XML_BYTES} bytes"
        assert stream.tell() == MAX_XML_BYTES + 1

    def test_record_is_frozen(self) -> None:
        record = Record("f:1")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            record.error = "x"  # type: ignore[misc]


# Choosing a reader --------------------------------------------------------------------


class TestSniffing:
    def test_xml(self) -> None:
        [record] = read_path("-", io.BytesIO(b"\n\n" + XML))
        assert record == Record("<stdin>:1", {"A": "1"}, form="xml", root="UpdateRequest")

    def test_json_array(self) -> None:
        assert stdin_rows(b"\n\n[1,\n 2]") == [("<stdin>:3[0]", 1, None), ("<stdin>:4[1]", 2, None)]

    def test_json_lines(self) -> None:
        assert stdin_rows(b'\n  {"a": 1}\n\n{"b": }\n{"c": 3}') == [
            ("<stdin>:2", {"a": 1}, None),
            ("<stdin>:4", None, "invalid JSON at column 7: expecting value"),
            ("<stdin>:5", {"c": 3}, None),
        ]

    def test_single_json_document(self) -> None:
        assert stdin_rows(b'\n{\n  "a": 1\n}\n') == [("<stdin>:2", {"a": 1}, None)]

    def test_a_broken_first_line_makes_it_one_document(self) -> None:
        assert stdin_rows(b'{"a": \n1}\n{"b": 2}\n') == [
            ("<stdin>:1", {"a": 1}, None),
            (
                "<stdin>:3",
                None,
                f"unexpected content after the JSON document at line 3, column 1{NOT_READ}",
            ),
        ]

    def test_anything_else_is_json_lines(self) -> None:
        assert stdin_rows(b'"text"\n42\nnope\n') == [
            ("<stdin>:1", "text", None),
            ("<stdin>:2", 42, None),
            ("<stdin>:3", None, "invalid JSON at column 1: expecting value"),
        ]

    @pytest.mark.parametrize("data", [b"", b"\n \t\r\n", b"\xef\xbb\xbf\n"])
    def test_empty(self, data: bytes) -> None:
        assert stdin_rows(data) == [("<stdin>:1", None, "empty file")]

    def test_byte_order_mark(self) -> None:
        assert stdin_rows(b'\xef\xbb\xbf{"a": 1}\n') == [("<stdin>:1", {"a": 1}, None)]
        assert stdin_rows(b"\xef\xbb\xbf[1]") == [("<stdin>:1[0]", 1, None)]

    def test_long_leading_whitespace_keeps_line_numbers(self) -> None:
        blank = 2 * MAX_RECORD_BYTES
        assert stdin_rows(b"\n" * blank + b'{"a": 1}\n[2]') == [
            (f"<stdin>:{blank + 1}", {"a": 1}, None),
            (f"<stdin>:{blank + 2}", [2], None),
        ]
        assert stdin_rows(b" " * blank + b"\n\n[3]") == [("<stdin>:3[0]", 3, None)]
        [record] = read_path("-", io.BytesIO(b"\n" * blank + XML))
        assert record.error == f"XML document is larger than the limit of {MAX_XML_BYTES} bytes"

    def test_read_error(self) -> None:
        records = read_path("-", FailingStream(b"1\n"))
        with pytest.raises(InputError, match=r"^cannot read <stdin>: Input/output error$"):
            list(records)


class TestReadPath:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("a.json", [("1", {"a": 1}), ("2", None)]),
            ("a.JSON", [("1", {"a": 1}), ("2", None)]),
            ("a.jsonl", [("1", {"a": 1}), ("2", {"b": 2})]),
            ("a.ndjson", [("1", {"a": 1}), ("2", {"b": 2})]),
            ("a.txt", [("1", {"a": 1}), ("2", {"b": 2})]),
            ("a", [("1", {"a": 1}), ("2", {"b": 2})]),
            ("a.xml", [("1", None)]),
        ],
    )
    def test_reader_follows_the_extension(
        self, tmp_path: Path, name: str, expected: list[tuple[str, object]]
    ) -> None:
        path = tmp_path / name
        path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
        records = list(read_path(str(path), io.BytesIO()))
        assert [(r.source, r.document) for r in records] == [
            (f"{path}:{line}", document) for line, document in expected
        ]

    def test_xml_file(self, tmp_path: Path) -> None:
        path = tmp_path / "request.xml"
        path.write_bytes(XML)
        [record] = read_path(str(path), io.BytesIO())
        assert record == Record(f"{path}:1", {"A": "1"}, form="xml", root="UpdateRequest")

    def test_missing_file_fails_at_once(self, tmp_path: Path) -> None:
        path = tmp_path / "missing.jsonl"
        with pytest.raises(InputError) as info:
            read_path(str(path), io.BytesIO())
        assert str(info.value) == f"cannot open {path}: No such file or directory"

    def test_unprintable_name_stays_on_one_line(self, tmp_path: Path) -> None:
        path = str(tmp_path / "two\nlines.json")
        with pytest.raises(InputError) as info:
            read_path(path, io.BytesIO())
        assert str(info.value) == f"cannot open {path!r}: No such file or directory"

    def test_directory(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as info:
            read_path(str(tmp_path), io.BytesIO())
        assert str(info.value) == f"cannot open {tmp_path}: Is a directory"

    def test_permission_denied(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # CI runs as root, who may read any file: refuse the open itself instead.
        path = tmp_path / "secret.jsonl"
        path.write_bytes(b"{}\n")

        def refuse(*args: object, **kwargs: object) -> object:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("builtins.open", refuse)
        with pytest.raises(InputError) as info:
            read_path(str(path), io.BytesIO())
        assert str(info.value) == f"cannot open {path}: Permission denied"

    def test_stdin_is_not_closed(self) -> None:
        stdin = io.BytesIO(b"1\n")
        assert [r.document for r in read_path("-", stdin)] == [1]
        assert not stdin.closed


# The readers agree ---------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
# At least one: an empty array is a malformed record (see test_an_empty_array_is_one_...), while
# an empty JSON Lines input still gives none (issue 16 makes the empty inputs agree).
json_documents = st.lists(
    st.dictionaries(st.text(), json_values, max_size=4), min_size=1, max_size=8
)


@settings(max_examples=200)
@given(json_documents, st.booleans(), st.integers(1, 40))
def test_json_lines_and_json_array_agree(
    documents: list[dict[str, object]], ascii_only: bool, step: int
) -> None:
    lines = "".join(json.dumps(d, ensure_ascii=ascii_only) + "\n" for d in documents)
    array = json.dumps(documents, indent=2, ensure_ascii=ascii_only)
    readings = [
        list(read_jsonl(io.BytesIO(lines.encode()), "f")),
        list(read_json(io.BytesIO(array.encode()), "f")),
        list(read_json(cast(BinaryIO, Trickle(array.encode(), step)), "f")),
        list(read_path("-", cast(BinaryIO, Trickle(array.encode(), step)))),
    ]
    for records in readings:
        assert [r.error for r in records] == [None] * len(documents)
        assert [r.document for r in records] == documents
    assert [r.source for r in readings[0]] == [f"f:{i}" for i in range(1, len(documents) + 1)]
    assert [r.source.split("[")[1] for r in readings[1]] == [f"{i}]" for i in range(len(documents))]
    starts = [int(r.source.split(":")[1].split("[")[0]) for r in readings[1]]
    assert starts == sorted(set(starts))
    array_lines = array.split("\n")
    for line in starts:
        assert array_lines[line - 1].startswith("  {")
