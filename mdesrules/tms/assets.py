"""Decoding of CyberSource TMS card-art responses and of the TMS error envelope.

A card-art response is ``{id, type, provider, content: [{type, data, width?, height?}]}``
where ``content[].type`` is the media type and ``content[].data`` the base64 image. Each
item is decoded strictly (:func:`base64.b64decode` with ``validate=True``), its size is
bounded, and its media type must match the bytes' signature. The whole asset is returned
or :class:`AssetRejected` is raised: never a part of it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from mdesrules._json import MalformedJson, loads_strict
from mdesrules.exceptions import MdesRulesError

__all__ = [
    "MAX_IMAGE_BYTES",
    "MEDIA_TYPES",
    "AssetRejected",
    "CardArtAsset",
    "CardArtContent",
    "TmsApiError",
    "TmsErrorEntry",
    "decode_card_art",
    "decode_errors",
    "sniff_media_type",
]

MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""Default upper bound on one decoded image."""

MEDIA_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "application/pdf", "image/webp"}
)
"""The media types accepted in ``content[].type``."""


class AssetRejected(MdesRulesError, ValueError):
    """A card-art response that cannot be decoded; the message says which item and why."""


@attrs.frozen
class TmsErrorEntry:
    """One entry of CyberSource's ``errors`` list."""

    type: str
    message: str
    details: tuple[Mapping[str, Any], ...] = ()


class TmsApiError(MdesRulesError):
    """CyberSource refused the call; ``errors`` holds every entry of the envelope."""

    def __init__(self, status: int, errors: Sequence[TmsErrorEntry], raw: bytes = b"") -> None:
        self.status = status
        self.errors = tuple(errors)
        self.raw = raw
        text = "; ".join(f"{e.type}: {e.message}" for e in self.errors) or "no error entries"
        super().__init__(f"CyberSource TMS answered {status}: {text}")


@attrs.frozen
class CardArtContent:
    """One decoded image of a card-art asset."""

    media_type: str
    data: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    width: int | None = None
    height: int | None = None


@attrs.frozen
class CardArtAsset:
    """A decoded card-art asset: all its images."""

    id: str | None
    type: str | None
    provider: str | None
    content: tuple[CardArtContent, ...]


_XML_PROLOG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?"
    rb"(?:<!--.*?-->\s*)*<svg[\s>/]",
    re.DOTALL,
)


def sniff_media_type(data: bytes) -> str | None:
    """The media type the bytes' signature shows, or ``None`` if none is recognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _XML_PROLOG.match(data[:4096]):
        return "image/svg+xml"
    return None


def _opt_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None or isinstance(value, str):
        return value
    raise AssetRejected(f"card art: {key!r} must be a string, not {type(value).__name__}")


def _dimension(item: Mapping[str, Any], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AssetRejected(f"{where}: {key!r} must be a positive integer, not {value!r}")
    return value


def _decode_item(item: Any, index: int, max_bytes: int) -> CardArtContent:
    where = f"card art content[{index}]"
    if not isinstance(item, Mapping):
        raise AssetRejected(f"{where}: expected an object, not {type(item).__name__}")
    declared = item.get("type")
    if not isinstance(declared, str) or not declared:
        raise AssetRejected(f"{where}: 'type' (the media type) is missing")
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise AssetRejected(
            f"{where}: media type {declared!r} is not one of {', '.join(sorted(MEDIA_TYPES))}"
        )
    encoded = item.get("data")
    if not isinstance(encoded, str) or not encoded:
        raise AssetRejected(f"{where}: 'data' (base64 image) is missing or not a string")
    if len(encoded) > (max_bytes + 2) // 3 * 4 + 4:
        raise AssetRejected(f"{where}: image is larger than {max_bytes} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AssetRejected(f"{where}: 'data' is not valid base64 ({exc})") from exc
    if not data:
        raise AssetRejected(f"{where}: image is empty")
    if len(data) > max_bytes:
        raise AssetRejected(f"{where}: image is {len(data)} bytes, over {max_bytes}")
    actual = sniff_media_type(data)
    if actual != media_type:
        shown = actual or "no recognised image format"
        raise AssetRejected(f"{where}: declared {media_type} but the bytes are {shown}")
    return CardArtContent(
        media_type=media_type,
        data=data,
        width=_dimension(item, "width", where),
        height=_dimension(item, "height", where),
    )


def decode_card_art(
    document: Mapping[str, Any] | bytes | str, *, max_bytes: int = MAX_IMAGE_BYTES
) -> CardArtAsset:
    """Decode a card-art response (parsed JSON, or its bytes/text) into a :class:`CardArtAsset`.

    Raises :class:`AssetRejected` if anything is wrong with any item.
    """
    parsed: object = document
    if isinstance(document, bytes | str):
        try:
            parsed = loads_strict(document)
        except MalformedJson as exc:
            raise AssetRejected(f"card art: the response is not JSON ({exc})") from None
    if not isinstance(parsed, Mapping):
        raise AssetRejected("card art: the response is not a JSON object")
    content = parsed.get("content")
    if not isinstance(content, list) or not content:
        raise AssetRejected("card art: 'content' must be a non-empty array")
    items = tuple(_decode_item(item, i, max_bytes) for i, item in enumerate(content))
    return CardArtAsset(
        id=_opt_str(parsed, "id"),
        type=_opt_str(parsed, "type"),
        provider=_opt_str(parsed, "provider"),
        content=items,
    )


def decode_errors(status: int, body: bytes) -> TmsApiError:
    """Turn an error response into a :class:`TmsApiError` listing every ``errors`` entry.

    A body that is not the envelope still gives an error (with no entries and the raw body).
    """
    entries: list[TmsErrorEntry] = []
    try:
        doc = loads_strict(body) if body else None
    except MalformedJson:
        doc = None
    raw_list = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(raw_list, list):
        for e in raw_list:
            if not isinstance(e, dict):
                continue
            details = e.get("details")
            entries.append(
                TmsErrorEntry(
                    type=str(e.get("type", "")),
                    message=str(e.get("message", "")),
                    details=tuple(d for d in details if isinstance(d, dict))
                    if isinstance(details, list)
                    else (),
                )
            )
    return TmsApiError(status, entries, body)
