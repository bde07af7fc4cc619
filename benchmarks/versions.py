"""What a check costs per Customer Service API version, and what encryption adds.

One token update by PAN, the same request in each version's form, timed side by side in one
run:

- **2.0.7**: the PANs as top-level members (``CurrentAccountPan``, ``NewAccountPan``);
- **2.2.2 plaintext**: the same PANs inside ``EncryptedAccountInformation.EncryptedData``,
  as an issuer checks a request before encrypting it;
- **2.2.2 check + encrypt**: what ``Client(..., encryption=)`` does per request: check the
  plaintext, then encrypt ``EncryptedData`` for Mastercard's key (AES-128 CBC or GCM, the
  session key RSA-OAEP SHA-256 wrapped with a 2048-bit key);
- **2.2.2 encrypted, envelope only**: ``check`` of the encrypted form without a key (hex,
  lengths, value sets of the envelope; the inside is a ``not_decrypted`` warning);
- **2.2.2 encrypted, decrypt + check**: ``check`` with ``Context(decryption_keys=...)``, as
  the simulator does: RSA unwrap with the private key, AES decrypt, then the full check.

Microseconds per request and the ratio to the 2.0.7 check. Usage:
``python benchmarks/versions.py [--quick]``; ``benchmarks/run.py`` prints the same table as
one of its sections (through :func:`measure`).
"""

from __future__ import annotations

import argparse
import datetime
import timeit
from collections.abc import Callable
from typing import Any, NamedTuple

from _table import table  # type: ignore[import-not-found]
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import mdesrules
from mdesrules.account_encryption import encrypt_account_information
from mdesrules.apis import MDES_CS_API_2_0_7, MDES_CS_API_2_2_2
from mdesrules.encryption import key_ring

__all__ = ["VersionRow", "measure", "render"]

AUDIT = {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank"}
CURRENT_PAN = "5412345678901232"
NEW_PAN = "5412345678908880"

UPDATE_2_0_7 = {
    "TokenUpdateRequest": {
        "CurrentAccountPan": CURRENT_PAN,
        "NewAccountPan": NEW_PAN,
        "ExpirationDate": "0128",
        "CommentText": "Card reissued",
        "AuditInfo": AUDIT,
    }
}
UPDATE_2_2_2 = {
    "TokenUpdateRequest": {
        "EncryptedAccountInformation": {
            "EncryptedData": {
                "CurrentAccount": {"AccountPan": CURRENT_PAN},
                "NewAccount": {"AccountPan": NEW_PAN, "ExpirationDate": "0128"},
            }
        },
        "CommentText": "Card reissued",
        "AuditInfo": AUDIT,
    }
}


class VersionRow(NamedTuple):
    label: str
    us: float
    violations: int


def _certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark encryption key")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _best_us(call: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def measure(number: int) -> list[VersionRow]:
    """Time each row *number* times (best of 5); each call's report must be clean."""
    key, certificate = _certificate()
    keys = mdesrules.Context(decryption_keys=key_ring((key, certificate)))
    encrypted = {
        mode: encrypt_account_information(
            UPDATE_2_2_2, public_key_or_certificate=certificate, mode=mode, version="2.2.2"
        )
        for mode in ("CBC", "GCM")
    }

    def check_2_0_7() -> mdesrules.Report:
        return mdesrules.check("token_update", UPDATE_2_0_7, registry=MDES_CS_API_2_0_7)

    def check_2_2_2() -> mdesrules.Report:
        return mdesrules.check("token_update", UPDATE_2_2_2, registry=MDES_CS_API_2_2_2)

    def check_then_encrypt(mode: Any) -> Callable[[], object]:
        def call() -> object:
            report = check_2_2_2()
            assert report.ok
            return encrypt_account_information(
                UPDATE_2_2_2, public_key_or_certificate=certificate, mode=mode, version="2.2.2"
            )

        return call

    def check_encrypted(
        mode: str, context: mdesrules.Context | None
    ) -> Callable[[], mdesrules.Report]:
        def call() -> mdesrules.Report:
            return mdesrules.check(
                "token_update", encrypted[mode], context, registry=MDES_CS_API_2_2_2
            )

        return call

    cases: list[tuple[str, Callable[[], object], Callable[[], mdesrules.Report] | None, int]] = [
        ("2.0.7 check (PANs in clear)", check_2_0_7, check_2_0_7, number),
        ("2.2.2 check, plaintext form", check_2_2_2, check_2_2_2, number),
        ("2.2.2 check + encrypt (CBC, OAEP SHA-256)", check_then_encrypt("CBC"), None, number),
        ("2.2.2 check + encrypt (GCM, OAEP SHA-256)", check_then_encrypt("GCM"), None, number),
        (
            "2.2.2 check, encrypted form, no key (envelope only)",
            check_encrypted("CBC", None),
            check_encrypted("CBC", None),
            number,
        ),
        (
            "2.2.2 decrypt + check (CBC), as the simulator",
            check_encrypted("CBC", keys),
            check_encrypted("CBC", keys),
            max(number // 20, 20),
        ),
        (
            "2.2.2 decrypt + check (GCM), as the simulator",
            check_encrypted("GCM", keys),
            check_encrypted("GCM", keys),
            max(number // 20, 20),
        ),
    ]
    rows = []
    for label, call, reporting, times in cases:
        errors = 0
        if reporting is not None:
            errors = len(reporting().errors)
        rows.append(VersionRow(label, _best_us(call, times), errors))
    return rows


def render(rows: list[VersionRow]) -> str:
    base = rows[0].us
    return table(
        ("request (token update by PAN)", "us", "x 2.0.7 check", "errors"),
        [(r.label, f"{r.us:,.1f}", f"{r.us / base:.2f}", str(r.violations)) for r in rows],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    print(render(measure(200 if args.quick else 2000)))


if __name__ == "__main__":
    main()
