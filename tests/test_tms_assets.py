"""Card-art decoding: strict base64, media type against signature, all-or-nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mdesrules.tms.assets import (
    AssetRejected,
    TmsApiError,
    decode_card_art,
    decode_errors,
    sniff_media_type,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 8
PDF = b"%PDF-1.7\n"
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 "
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _doc(*items: dict[str, Any]) -> dict[str, Any]:
    return {"id": "a1", "type": "cardArtCombined", "provider": "vts", "content": list(items)}


@pytest.mark.parametrize(
    ("data", "media"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (GIF, "image/gif"),
        (PDF, "application/pdf"),
        (WEBP, "image/webp"),
        (SVG, "image/svg+xml"),
        (b"<svg viewBox='0 0 1 1'></svg>", "image/svg+xml"),
    ],
)
def test_sniff_and_decode(data: bytes, media: str) -> None:
    assert sniff_media_type(data) == media
    asset = decode_card_art(_doc({"type": media, "data": _b64(data), "width": 3, "height": 2}))
    assert asset.content[0].data == data
    assert asset.content[0].media_type == media
    assert (asset.content[0].width, asset.content[0].height) == (3, 2)
    assert (asset.id, asset.type, asset.provider) == ("a1", "cardArtCombined", "vts")


def test_decode_from_bytes_and_parameters_in_type() -> None:
    raw = json.dumps(_doc({"type": "image/PNG; charset=binary", "data": _b64(PNG)})).encode()
    assert decode_card_art(raw).content[0].media_type == "image/png"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"type": "image/png", "data": "not base64!!"}, "not valid base64"),
        ({"type": "image/png", "data": _b64(PNG) + "\n"}, "not valid base64"),
        (
            {"type": "image/png", "data": _b64(JPEG)},
            "but the bytes are image/jpeg",
        ),
        ({"type": "image/png", "data": _b64(b"hello")}, "no recognised image format"),
        ({"type": "image/tiff", "data": _b64(PNG)}, "is not one of"),
        ({"data": _b64(PNG)}, "media type"),
        ({"type": "image/png"}, "'data'"),
        ({"type": "image/png", "data": _b64(PNG), "width": -1}, "positive integer"),
        ("x", "expected an object"),
    ],
)
def test_rejections_name_the_item(item: Any, message: str) -> None:
    good = {"type": "image/png", "data": _b64(PNG)}
    with pytest.raises(AssetRejected, match=r"content\[1\]") as info:
        decode_card_art(_doc(good, item))
    assert message in str(info.value)


def test_size_bound() -> None:
    with pytest.raises(AssetRejected, match=r"larger than 16 bytes|over 16"):
        decode_card_art(_doc({"type": "image/png", "data": _b64(PNG * 4)}), max_bytes=16)


@pytest.mark.parametrize("doc", [b"not json", b"[]", b'{"content": []}', b"{}"])
def test_bad_documents(doc: bytes) -> None:
    with pytest.raises(AssetRejected):
        decode_card_art(doc)


def test_error_envelope_keeps_every_entry() -> None:
    body = json.dumps(
        {
            "errors": [
                {"type": "notFound", "message": "Token not found", "details": [{"name": "id"}]},
                {"type": "invalidHeaders", "message": "bad profile"},
            ]
        }
    ).encode()
    err = decode_errors(404, body)
    assert isinstance(err, TmsApiError)
    assert err.status == 404
    assert [e.type for e in err.errors] == ["notFound", "invalidHeaders"]
    assert err.errors[0].details == ({"name": "id"},)
    assert "notFound: Token not found; invalidHeaders: bad profile" in str(err)


def test_error_without_envelope() -> None:
    err = decode_errors(502, b"<html>bad gateway</html>")
    assert err.errors == ()
    assert err.raw == b"<html>bad gateway</html>"
    assert "502" in str(err)
