"""EncryptedAccountInformation (CS API 2.1.7 / 2.2.2): round trips, the envelope's
violations, and cross-checks with Mastercard's own ``mastercard-client-encryption``."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slow_params import slow_except
from test_notify_crypto import make_certificate, make_key

from mdesrules import Context, Registry, check
from mdesrules.account_encryption import (
    check_envelope,
    decrypt_account_information,
    decrypt_and_report,
    encrypt_account_information,
)
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.encryption import NotificationRejected, fingerprint, key_ring
from mdesrules.testing import valid_documents
from mdesrules.violations import CODES, Violation

PAN = "5412345678901232"
NEW_PAN = "5412345678908888"
EAI = "/TokenUpdateRequest/EncryptedAccountInformation"

_KEY = make_key()
_OTHER = make_key()
_CERT = make_certificate(_KEY)


def plaintext_update(current: str = PAN, new: str = NEW_PAN) -> dict[str, Any]:
    return {
        "TokenUpdateRequest": {
            "EncryptedAccountInformation": {
                "EncryptedData": {
                    "CurrentAccount": {"AccountPan": current},
                    "NewAccount": {"AccountPan": new, "ExpirationDate": "1227"},
                }
            },
            "CommentText": "Cardholder has a new Account Pan",
            "AuditInfo": {"UserId": "A1435477", "UserName": "J S", "Organization": "Bank"},
        }
    }


def encrypted(mode: Any = "CBC", oaep: Any = "SHA256", version: Any = "2.2.2") -> dict[str, Any]:
    return encrypt_account_information(
        plaintext_update(),
        public_key_or_certificate=_CERT,
        oaep_hash=oaep,
        mode=mode,
        version=version,
    )


def info(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["TokenUpdateRequest"]["EncryptedAccountInformation"]
    return result


def codes(violations: tuple[Violation, ...]) -> list[tuple[str, str]]:
    return [(v.code, v.path.removeprefix(EAI + "/")) for v in violations]


# -- round trips ----------------------------------------------------------------------------

pans = st.text("0123456789", min_size=12, max_size=19)
json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
accounts = st.fixed_dictionaries(
    {"AccountPan": pans}, optional={"ExpirationDate": st.just("1227"), "Extra": json_values}
)
account_data = st.fixed_dictionaries(
    {"CurrentAccount": accounts},
    optional={"NewAccount": accounts, "AccountPanSequenceNumber": st.just("001")},
)
modes_and_hashes = st.sampled_from(
    [(m, h) for m in ("CBC", "GCM") for h in ("SHA256", "SHA512", None)]
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=account_data,
    wrapper=st.sampled_from(["TokenUpdateRequest", "SearchRequest"]),
    mode_hash=modes_and_hashes,
    by_certificate=st.booleans(),
)
def test_round_trip(
    data: dict[str, Any], wrapper: str, mode_hash: tuple[Any, Any], by_certificate: bool
) -> None:
    mode, oaep = mode_hash
    document: dict[str, Any] = {
        wrapper: {"EncryptedAccountInformation": {"EncryptedData": data}, "X": "1"}
    }
    sent = encrypt_account_information(
        document,
        public_key_or_certificate=_CERT if by_certificate else _KEY.public_key(),
        oaep_hash=oaep,
        mode=mode,
    )
    assert document[wrapper]["EncryptedAccountInformation"]["EncryptedData"] == data
    envelope = sent[wrapper]["EncryptedAccountInformation"]
    assert re.fullmatch("[0-9a-f]+", envelope["EncryptedData"])
    for pan in (data["CurrentAccount"]["AccountPan"], data.get("NewAccount", {}).get("AccountPan")):
        if pan:
            assert pan not in json.dumps(sent)
    assert envelope["algorithmCipherMode"] == mode
    assert ("tag" in envelope) == ("aad" in envelope) == (mode == "GCM")
    assert len(envelope["Iv"]) == (24 if mode == "GCM" else 32)
    assert [v for v in check_envelope(sent) if v.severity == "error"] == []
    ring = key_ring((_KEY, _CERT))
    assert decrypt_account_information(sent, ring) == document
    report = decrypt_and_report(sent, ring)
    assert report.ok
    assert report.document == document


ENCRYPTED_OPERATIONS = [
    (op.name, registry, mode, oaep)
    for registry in (MDES_CS_API_2_1_7, MDES_CS_API_2_2_2)
    for op in registry
    if op.account_encryption is not None
    for mode in (("CBC", "GCM") if op.account_encryption == "2.2.2" else ("CBC",))
    for oaep in ("SHA256", "SHA512")
]


@pytest.mark.parametrize(
    ("operation", "registry", "mode", "oaep"),
    slow_except(ENCRYPTED_OPERATIONS),
    ids=lambda p: str(getattr(p, "key", p)),
)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_valid_document_round_trips_and_stays_valid(
    operation: str, registry: Registry, mode: Any, oaep: Any, data: st.DataObject
) -> None:
    """Encrypting any valid plaintext request and decrypting it gives it back, and the
    encrypted form passes the check with the key, exactly as the plaintext did."""
    sending = ("EncryptedAccountInformation",)
    document = data.draw(valid_documents(operation, registry=registry, sending=sending))
    version = registry.get(operation).account_encryption
    sent = encrypt_account_information(
        document, public_key_or_certificate=_CERT, oaep_hash=oaep, mode=mode, version=version
    )
    ring = key_ring((_KEY, _CERT))
    # The plaintext form may carry envelope members (optional there); encryption writes
    # its own, and decryption takes them all away again.
    expected = copy.deepcopy(document)
    (inner,) = expected.values()
    info = inner["EncryptedAccountInformation"]
    for member in set(info) - {"EncryptedData"}:
        del info[member]
    assert decrypt_account_information(sent, ring, version=version) == expected
    context = Context(decryption_keys=ring)
    assert check(operation, sent, context, registry=registry).violations == ()
    assert check(operation, document, registry=registry).violations == ()


def test_2_1_7_is_cbc_without_the_2_2_2_members() -> None:
    sent = encrypted(version="2.1.7")
    assert set(info(sent)) == {
        "EncryptedData",
        "EncryptedKey",
        "PublicKeyFingerprint",
        "OaepHashingAlgorithm",
        "Iv",
    }
    assert check_envelope(sent, "2.1.7") == ()
    assert decrypt_account_information(sent, (_KEY, _CERT), version="2.1.7") == plaintext_update()
    with pytest.raises(ValueError, match="GCM"):
        encrypted(mode="GCM", version="2.1.7")


def test_the_fingerprint_is_of_the_certificate_or_the_key() -> None:
    assert info(encrypted())["PublicKeyFingerprint"] == fingerprint(_CERT)
    by_key = encrypt_account_information(
        plaintext_update(), public_key_or_certificate=_KEY.public_key()
    )
    assert info(by_key)["PublicKeyFingerprint"] == fingerprint(_KEY)
    # a bare private key finds documents encrypted for its key fingerprint
    assert decrypt_account_information(by_key, _KEY) == plaintext_update()


def test_an_absent_iv_is_zero() -> None:
    for mode in ("CBC", "GCM"):
        sent = encrypted(mode=mode)
        envelope = info(sent)
        # re-encrypt the same plaintext under a zero IV with the library's primitives
        from mdesrules.encryption import aes_encrypt, unwrap_key

        session = unwrap_key(bytes.fromhex(envelope["EncryptedKey"]), _KEY, "SHA256")
        plain = json.dumps(
            plaintext_update()["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"]
        ).encode()
        aad = bytes.fromhex(envelope.get("aad", ""))
        ciphertext, tag = aes_encrypt(plain, session, bytes(12 if mode == "GCM" else 16), mode, aad)
        envelope["EncryptedData"] = ciphertext.hex()
        del envelope["Iv"]
        if mode == "GCM":
            envelope["tag"] = tag.hex()
        assert decrypt_account_information(sent, (_KEY, _CERT)) == plaintext_update()


def test_documents_without_account_information_pass_through() -> None:
    document = {"SearchRequest": {"TokenUniqueReference": "DWSPMC0001"}}
    assert encrypt_account_information(document, public_key_or_certificate=_CERT) == document
    assert check_envelope(document) == ()
    assert decrypt_account_information(document, _KEY) == document
    # the plaintext form has no envelope
    assert check_envelope(plaintext_update()) == ()


def test_unwrapped_documents() -> None:
    document = plaintext_update()["TokenUpdateRequest"]
    sent = encrypt_account_information(document, public_key_or_certificate=_CERT, mode="GCM")
    assert isinstance(sent["EncryptedAccountInformation"]["EncryptedData"], str)
    assert decrypt_account_information(sent, (_KEY, _CERT)) == document


# -- the envelope ---------------------------------------------------------------------------


def mutated(change: Any, mode: str = "CBC", version: str = "2.2.2") -> dict[str, Any]:
    sent = encrypted(mode=mode, version=version)
    change(info(sent))
    return sent


def _set(**members: Any) -> Any:
    return lambda envelope: envelope.update(members)


def _drop(*members: str) -> Any:
    return lambda envelope: [envelope.pop(m) for m in members]


ENVELOPE_CASES = [
    ("CBC", "2.2.2", _set(EncryptedData="xyz0"), [("bad_format", "EncryptedData")]),
    ("CBC", "2.2.2", _set(EncryptedData=""), [("bad_format", "EncryptedData")]),
    ("CBC", "2.2.2", _set(EncryptedData=7), [("wrong_type", "EncryptedData")]),
    ("CBC", "2.2.2", _set(EncryptedData="00" * 600_000), [("too_long", "EncryptedData")]),
    ("CBC", "2.2.2", _set(EncryptedKey="ab" * 10), [("too_short", "EncryptedKey")]),
    ("CBC", "2.2.2", _set(EncryptedKey="ab" * 10**6), [("too_long", "EncryptedKey")]),
    ("CBC", "2.2.2", _set(EncryptedKey="zz" * 40), [("bad_format", "EncryptedKey")]),
    ("CBC", "2.2.2", _drop("EncryptedKey"), [("missing_required", "EncryptedKey")]),
    ("CBC", "2.2.2", _drop("PublicKeyFingerprint"), [("missing_required", "PublicKeyFingerprint")]),
    ("CBC", "2.2.2", _set(PublicKeyFingerprint="ab"), [("too_short", "PublicKeyFingerprint")]),
    (
        "CBC",
        "2.2.2",
        _set(OaepHashingAlgorithm="SHA384"),
        [("not_allowed_value", "OaepHashingAlgorithm")],
    ),
    ("CBC", "2.2.2", _set(OaepHashingAlgorithm="SHA-256"), [("too_long", "OaepHashingAlgorithm")]),
    (
        "CBC",
        "2.2.2",
        _set(algorithmCipherMode="CTR"),
        [("not_allowed_value", "algorithmCipherMode")],
    ),
    ("CBC", "2.2.2", _set(Iv="00" * 12), [("bad_format", "Iv")]),
    ("GCM", "2.2.2", _set(Iv="00" * 16), [("bad_format", "Iv")]),
    ("CBC", "2.2.2", _set(Iv="0g" * 16), [("bad_format", "Iv")]),
    ("CBC", "2.2.2", _set(Iv="00" * 20), [("too_long", "Iv")]),
    ("GCM", "2.2.2", _drop("tag"), [("requires", "algorithmCipherMode")]),
    ("GCM", "2.2.2", _drop("aad"), [("requires", "algorithmCipherMode")]),
    ("GCM", "2.2.2", _set(tag="a" * 37), [("too_long", "tag")]),
    ("GCM", "2.2.2", _set(aad="abc"), [("bad_format", "aad")]),
    ("CBC", "2.2.2", _set(tag="00" * 16), [("mutually_exclusive", "tag")]),
    ("CBC", "2.2.2", _set(Colour="red"), [("unknown_field", "Colour")]),
    ("CBC", "2.1.7", _drop("Iv"), [("missing_required", "Iv")]),
    ("CBC", "2.1.7", _set(algorithmCipherMode="CBC"), [("unknown_field", "algorithmCipherMode")]),
]


@pytest.mark.parametrize(("mode", "version", "change", "expected"), ENVELOPE_CASES)
def test_each_envelope_fault_gives_exactly_its_violation(
    mode: str, version: str, change: Any, expected: list[tuple[str, str]]
) -> None:
    document = mutated(change, mode, version)
    assert codes(check_envelope(document, version)) == expected  # type: ignore[arg-type]
    report = decrypt_and_report(document, (_KEY, _CERT), version=version)  # type: ignore[arg-type]
    assert report.document is None
    assert codes(report.violations) == expected


def test_gcm_without_the_mode_member_is_cbc_so_tag_is_refused() -> None:
    document = mutated(_drop("algorithmCipherMode"), "GCM")
    found = codes(check_envelope(document))
    assert ("mutually_exclusive", "tag") in found
    assert ("bad_format", "Iv") in found


def test_a_missing_oaep_hash_is_a_warning_only() -> None:
    document = encrypted(oaep=None)
    assert [(v.code, v.severity) for v in check_envelope(document)] == [
        ("missing_required", "warning")
    ]
    report = decrypt_and_report(document, (_KEY, _CERT))
    assert report.ok
    assert report.document == plaintext_update()


def _flip(name: str, at: int = -2) -> Any:
    def change(envelope: dict[str, Any]) -> None:
        value = envelope[name]
        envelope[name] = value[:at] + ("0" if value[at] != "0" else "1") + value[at + 1 :]

    return change


DECRYPTION_CASES = [
    ("CBC", _flip("EncryptedData"), "decryption_failed", "EncryptedData"),
    ("GCM", _flip("EncryptedData", 0), "decryption_failed", "EncryptedData"),
    ("GCM", _flip("tag"), "decryption_failed", "EncryptedData"),
    ("GCM", _flip("aad"), "decryption_failed", "EncryptedData"),
    ("CBC", _flip("EncryptedKey", 4), "decryption_failed", "EncryptedKey"),
    (
        "CBC",
        lambda e: e.update(EncryptedKey=e["EncryptedKey"][:-4]),
        "decryption_failed",
        "EncryptedKey",
    ),
    (
        "CBC",
        lambda e: e.update(EncryptedData=e["EncryptedData"][:-2]),
        "decryption_failed",
        "EncryptedData",
    ),
    ("CBC", _set(PublicKeyFingerprint="ab" * 32), "unknown_key", "PublicKeyFingerprint"),
    ("GCM", _set(tag="00" * 4), "decryption_failed", "EncryptedData"),
]


@pytest.mark.parametrize(("mode", "change", "code", "member"), DECRYPTION_CASES)
def test_each_decryption_fault_gives_exactly_its_violation(
    mode: str, change: Any, code: str, member: str
) -> None:
    document = mutated(change, mode)
    assert check_envelope(document) == ()
    report = decrypt_and_report(document, (_KEY, _CERT))
    assert report.document is None
    assert codes(report.violations) == [(code, member)]
    with pytest.raises(NotificationRejected) as raised:
        decrypt_account_information(document, (_KEY, _CERT))
    assert raised.value.code == code


def test_a_wrong_key_under_the_right_fingerprint() -> None:
    for mode in ("CBC", "GCM"):
        document = encrypted(mode=mode)
        ring = {fingerprint(_CERT): _OTHER}
        report = decrypt_and_report(document, ring)
        assert codes(report.violations) == [("decryption_failed", "EncryptedKey")]


def test_a_wrong_key_is_an_unknown_fingerprint() -> None:
    report = decrypt_and_report(encrypted(), _OTHER)
    assert codes(report.violations) == [("unknown_key", "PublicKeyFingerprint")]


def test_not_a_json_object_inside() -> None:
    document = encrypt_account_information(
        {"R": {"EncryptedAccountInformation": {"EncryptedData": {}}}},
        public_key_or_certificate=_CERT,
    )
    # swap in the ciphertext of a JSON array under the same session key is not possible
    # from outside; an empty object round-trips instead
    assert decrypt_account_information(document, (_KEY, _CERT)) == {
        "R": {"EncryptedAccountInformation": {"EncryptedData": {}}}
    }


def test_new_codes_are_documented() -> None:
    assert {"unknown_key", "decryption_failed"} <= set(CODES)
    design = (Path(__file__).resolve().parent.parent / "docs" / "design.md").read_text()
    assert "unknown_key" in design
    assert "decryption_failed" in design


def _no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret.lower() not in text.lower()
    assert not re.search(r"\d{11,}", text)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(
    pan=pans,
    case=st.sampled_from(
        ENVELOPE_CASES[:6] + [(c[0], "2.2.2", c[1], None) for c in DECRYPTION_CASES]
    ),
)
def test_no_message_shows_a_pan_or_key_material(pan: str, case: Any) -> None:
    mode, version, change, _ = case
    document = encrypt_account_information(
        plaintext_update(pan, pan[::-1]), public_key_or_certificate=_CERT, mode=mode
    )
    envelope = info(document)
    session_material = [envelope["EncryptedKey"][:40], envelope["EncryptedData"][:40]]
    change(envelope)
    report = decrypt_and_report(document, (_KEY, _CERT), version=version)
    private_pem = _KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    for violation in report.violations:
        text = json.dumps(violation.to_dict())
        _no_secret(text, [pan, pan[::-1], *session_material, private_pem[40:80]])


# -- cross-checks with mastercard-client-encryption -----------------------------------------

PATH = "TokenUpdateRequest.EncryptedAccountInformation"


def _mastercard_config(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    digest: str,
    path: str = PATH,
    fingerprint_of: str = "certificate",
) -> Any:
    """The library's configuration for the ``EncryptedAccountInformation`` at *path*
    (wrapper included); it sends the fingerprint of the certificate or of the key."""
    from client_encryption.field_level_encryption_config import FieldLevelEncryptionConfig  # type: ignore[import-untyped]

    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    fingerprint_field = (
        "encryptionCertificateFingerprintFieldName"
        if fingerprint_of == "certificate"
        else "encryptionKeyFingerprintFieldName"
    )
    return FieldLevelEncryptionConfig(
        {
            # the library's paths are relative to the body and include the wrapper
            "paths": {
                "$": {
                    "toEncrypt": {f"{path}.EncryptedData": path},
                    "toDecrypt": {path: f"{path}.EncryptedData"},
                }
            },
            "ivFieldName": "Iv",
            "encryptedKeyFieldName": "EncryptedKey",
            "encryptedValueFieldName": "EncryptedData",
            "dataEncoding": "hex",
            "encryptionCertificate": str(cert_file),
            "decryptionKey": str(key_file),
            "oaepPaddingDigestAlgorithm": digest,
            fingerprint_field: "PublicKeyFingerprint",
            "oaepPaddingDigestAlgorithmFieldName": "OaepHashingAlgorithm",
        }
    )


@pytest.mark.parametrize("digest", ["SHA-256", "SHA-512"])
def test_mastercard_library_encrypts_and_we_decrypt(tmp_path: Path, digest: str) -> None:
    from client_encryption.field_level_encryption import encrypt_payload  # type: ignore[import-untyped]

    config = _mastercard_config(tmp_path, _KEY, _CERT, digest)
    body = json.dumps(encrypt_payload(plaintext_update(), config))
    # the library silently leaves a path it does not find in clear: look at the bytes
    assert PAN not in body
    assert NEW_PAN not in body
    sent = json.loads(body)
    envelope = info(sent)
    assert re.fullmatch("[0-9a-f]+", envelope["EncryptedData"])
    assert envelope["PublicKeyFingerprint"] == fingerprint(_CERT)
    assert envelope["OaepHashingAlgorithm"] == digest.replace("-", "")
    assert check_envelope(sent) == ()
    assert check_envelope(sent, "2.1.7") == ()
    assert decrypt_account_information(sent, key_ring((_KEY, _CERT))) == plaintext_update()


@pytest.mark.parametrize("oaep", ["SHA256", "SHA512"])
def test_we_encrypt_and_mastercard_library_decrypts(tmp_path: Path, oaep: Any) -> None:
    from client_encryption.field_level_encryption import decrypt_payload

    config = _mastercard_config(tmp_path, _KEY, _CERT, "SHA-256")
    sent = encrypt_account_information(
        plaintext_update(), public_key_or_certificate=_CERT, oaep_hash=oaep, version="2.1.7"
    )
    assert PAN not in json.dumps(sent)
    # the library decrypts in place; the decrypted value is the JSON object again
    decrypted = decrypt_payload(copy.deepcopy(sent), config)
    data = decrypted["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"]
    data = json.loads(data) if isinstance(data, str) else data
    assert (
        data
        == plaintext_update()["TokenUpdateRequest"]["EncryptedAccountInformation"]["EncryptedData"]
    )
