"""Encode and decode cost per message: our JSON and XML codecs next to their peers.

One token update request (JSON, MDES CS API v2) and one legacy update (DataContract XML),
each encoded from a model to bytes and decoded from bytes to a checked model, timed
side by side in one run with:

- the standard library's ``json`` on plain dicts, ``orjson.loads`` and lxml on the bare tree
  (no model, no checks): the floor;
- the seeds' generated client (openapi-generator, pydantic v2 models):
  ``TokenUpdateRequestSchema.from_json`` / ``.to_json``, which checks types and lengths
  but none of the rules across fields.

Prints microseconds per message and the ratio to ours. Usage:
``python benchmarks/codec_costs.py [--number N]``; ``benchmarks/run.py`` prints the same
table as one of its sections (through :func:`measure`).
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from typing import NamedTuple

from _generated_client import ensure_generated_client  # type: ignore[import-not-found]
from _table import table  # type: ignore[import-not-found]
from lxml import etree

import mdesrules
from mdesrules.codecs import json as json_codec
from mdesrules.codecs import xml as xml_codec
from mdesrules.transport import Request

__all__ = ["CodecRow", "decode_rows", "measure", "paired_us", "render"]

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
UPDATE = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
        "NewAccountPan": "5412345678908880",
        "ExpirationDate": "0128",
        "AccountPanSequenceNumber": "01",
        "UpdateWalletProviderIndicator": "0",
        "CommentText": "Card reissued",
        "AuditInfo": AUDIT,
    }
}
LEGACY = {
    "currentAccountPan": "5412345678901232",
    "newAccountPan": "5412345678908880",
    "expirationDate": "0129",
    "accountPanSequenceNumber": "002",
    "updateWalletProviderIndicator": "0",
    "commentText": "Card reissued after BIN migration",
    "auditInfo": {"userId": "A1435477", "userName": "John Smith", "organization": "Any Bank"},
}


class CodecRow(NamedTuple):
    """One step timed for ours and one peer, in microseconds per message."""

    step: str
    peer: str
    ours_us: float
    peer_us: float


def per_message(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best of *repeat* runs, in microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def paired_us(
    ours: Callable[[], object], peer: Callable[[], object], number: int, repeat: int = 7
) -> tuple[float, float]:
    """Best microseconds per call of *ours* and *peer*, timed in turn (ours, peer, ours,
    ...) so that both see the same moments of a shared, noisy machine."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((ours, peer)):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e6)
    return best[0], best[1]


def decode_rows(number: int, repeat: int = 7) -> list[CodecRow]:
    """Bytes to a checked model against the parse floor, each pair timed in turn: the
    token update's JSON against ``json.loads`` and ``orjson.loads`` of the same bytes, the
    legacy update's DataContract XML against ``lxml.etree.fromstring``."""
    update_json = json_codec.encode_request(
        Request("token_update", mdesrules.parse("token_update", UPDATE))
    )
    legacy_xml = xml_codec.encode_request(
        Request("legacy_update", mdesrules.parse("legacy_update", LEGACY))
    )

    def json_decode() -> object:
        return json_codec.decode_request("token_update", update_json)

    def xml_decode() -> object:
        return xml_codec.decode_request("legacy_update", legacy_xml)

    peers: list[tuple[str, str, Callable[[], object], Callable[[], object]]] = [
        ("json decode", "stdlib json.loads", json_decode, lambda: json.loads(update_json)),
    ]
    try:
        import orjson
    except ImportError:
        pass
    else:
        peers.append(
            ("json decode", "orjson.loads", json_decode, lambda: orjson.loads(update_json))
        )
    peers.append(
        ("xml decode", "lxml etree.fromstring", xml_decode, lambda: etree.fromstring(legacy_xml))
    )
    return [
        CodecRow(step, peer, *paired_us(ours, floor, number, repeat))
        for step, peer, ours, floor in peers
    ]


def measure(number: int, repeat: int = 5) -> tuple[list[CodecRow], str]:
    """Every codec row, and a note ("" or why the generated client's rows are missing)."""
    update = Request("token_update", mdesrules.parse("token_update", UPDATE))
    legacy = Request("legacy_update", mdesrules.parse("legacy_update", LEGACY))
    update_json = json_codec.encode_request(update)
    legacy_xml = xml_codec.encode_request(legacy)
    assert json_codec.decode_request("token_update", update_json) == update
    assert xml_codec.decode_request("legacy_update", legacy_xml) == legacy

    rows: list[CodecRow] = []

    def row(label: str, what: str, ours: Callable[[], object], peer: Callable[[], object]) -> None:
        rows.append(
            CodecRow(
                label, what, per_message(ours, number, repeat), per_message(peer, number, repeat)
            )
        )

    row(
        "json encode",
        "stdlib json.dumps",
        lambda: json_codec.encode_request(update),
        lambda: json.dumps(UPDATE).encode(),
    )
    row(
        "json decode",
        "stdlib json.loads",
        lambda: json_codec.decode_request("token_update", update_json),
        lambda: json.loads(update_json),
    )
    try:
        import orjson
    except ImportError:
        pass
    else:
        row(
            "json decode",
            "orjson.loads",
            lambda: json_codec.decode_request("token_update", update_json),
            lambda: orjson.loads(update_json),
        )
    tree = etree.fromstring(legacy_xml)
    row(
        "xml encode",
        "lxml etree.tostring",
        lambda: xml_codec.encode_request(legacy),
        lambda: etree.tostring(tree),
    )
    row(
        "xml decode",
        "lxml etree.fromstring",
        lambda: xml_codec.decode_request("legacy_update", legacy_xml),
        lambda: etree.fromstring(legacy_xml),
    )

    if not ensure_generated_client():
        return rows, (
            "generated client not available: pip install -e '.[bench]' and a Java runtime "
            "are needed"
        )
    from openapi_client.models.token_update_request_schema import (  # type: ignore[import-not-found]
        TokenUpdateRequestSchema,
    )

    text = update_json.decode()
    model = TokenUpdateRequestSchema.from_json(text)
    row(
        "json encode",
        "generated pydantic .to_json",
        lambda: json_codec.encode_request(update),
        lambda: model.to_json().encode(),
    )
    row(
        "json decode",
        "generated pydantic .from_json",
        lambda: json_codec.decode_request("token_update", update_json),
        lambda: TokenUpdateRequestSchema.from_json(text),
    )
    return rows, ""


def render(rows: list[CodecRow]) -> str:
    """The rows as a table, with the ratio peer / ours."""
    return table(
        ("step", "ours us", "peer", "peer us", "peer/ours"),
        [
            (r.step, f"{r.ours_us:.2f}", r.peer, f"{r.peer_us:.2f}", f"{r.peer_us / r.ours_us:.2f}")
            for r in rows
        ],
        right="134",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--number", type=int, default=5000)
    rows, note = measure(parser.parse_args().number)
    print(render(rows))
    if note:
        print(f"({note})")


if __name__ == "__main__":
    main()
