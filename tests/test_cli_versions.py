"""The command line on the later CS API versions: ``--api-version`` on check, rules and serve,
and ``--encryption-key`` on check and serve (encrypted ``EncryptedAccountInformation``
decrypted and checked inside, or decrypted and applied by the simulator).

Each key file holds a PEM RSA key generated here; nothing reads ../shared.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cs_api_cases import AUDIT, NEW_PAN, PAN, TUR
from test_notify_crypto import make_certificate, make_key

import mdesrules
from mdesrules.account_encryption import encrypt_account_information
from mdesrules.cli import main
from mdesrules.cli._keys import PemKeyRing
from mdesrules.cli._parser import build_parser

ROOT = Path(mdesrules.__file__).resolve().parent.parent
KEY = make_key()
CERT = make_certificate(KEY)
OTHER = make_key()
PLAIN = serialization.NoEncryption()
KEY_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, PLAIN)
CERT_PEM = CERT.public_bytes(serialization.Encoding.PEM)
#: The body of the key's PEM: no output may hold any line of it.
KEY_LINES = [line for line in KEY_PEM.decode().splitlines() if "-----" not in line]


def update(new: str = NEW_PAN) -> dict[str, Any]:
    return {
        "TokenUpdateRequest": {
            "EncryptedAccountInformation": {
                "EncryptedData": {
                    "CurrentAccount": {"AccountPan": PAN},
                    "NewAccount": {"AccountPan": new, "ExpirationDate": "0130"},
                }
            },
            "CommentText": "Card reissued",
            "AuditInfo": AUDIT,
        }
    }


def search(pan: str = PAN) -> dict[str, Any]:
    return {
        "SearchRequest": {
            "EncryptedAccountInformation": {
                "EncryptedData": {"CurrentAccount": {"AccountPan": pan}}
            },
            "AuditInfo": AUDIT,
        }
    }


def sealed(document: dict[str, Any], mode: str = "GCM", recipient: Any = CERT) -> dict[str, Any]:
    return encrypt_account_information(
        document,
        public_key_or_certificate=recipient,
        mode=mode,  # type: ignore[arg-type]
        oaep_hash="SHA512",
        version="2.2.2",
    )


def bad_check_digit(pan: str) -> str:
    return pan[:-1] + str((int(pan[-1]) + 1) % 10)


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "key.pem"
    path.write_bytes(KEY_PEM + CERT_PEM)
    return str(path)


def assert_nothing_secret(text: str) -> None:
    for pan in (PAN, NEW_PAN, bad_check_digit(NEW_PAN)):
        assert pan not in text
    for line in KEY_LINES:
        assert line not in text


# --- --api-version --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0.7", "2.1.7", "2.2.2"])
def test_api_version_is_the_api_of_that_version(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "--format", "text", "--api-version", version]) == 0
    shorthand = capsys.readouterr().out
    assert main(["rules", "--format", "text", "--api", f"mdes-cs-api-{version}"]) == 0
    assert shorthand == capsys.readouterr().out
    for command in (["check", "f.jsonl"], ["serve"]):
        args = build_parser("x").parse_args([command[0], "--api-version", version, *command[1:]])
        assert args.api == f"mdes-cs-api-{version}"


def test_without_either_option_nothing_changes() -> None:
    for command in (["check", "f.jsonl"], ["rules"], ["serve"]):
        args = build_parser("x").parse_args(command)
        assert args.api == "default"
        assert getattr(args, "encryption_key", None) is None


@pytest.mark.parametrize("api", ["default", "mdes-cs-api-2.2.2", "mdes-cs-api-2.0.7"])
@pytest.mark.parametrize("command", [["rules"], ["check", "f.jsonl"], ["serve"]])
def test_api_and_api_version_together_are_a_usage_error(
    api: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command[0], "--api", api, "--api-version", "2.2.2", *command[1:]]
    assert main(argv) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unknown_api_version_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--api-version", "2.3.0"]) == 2
    assert "invalid choice: '2.3.0'" in capsys.readouterr().err


# --- check --encryption-key -----------------------------------------------------------------


def test_check_decrypts_and_checks_what_is_inside(
    tmp_path: Path, key_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [sealed(update()), sealed(update(bad_check_digit(NEW_PAN)), "CBC"), update()]
    batch = tmp_path / "requests.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in records))
    argv = ["check", "--api-version", "2.2.2", "--format", "json", "--jobs", "1"]
    assert main([*argv, "--encryption-key", key_file, str(batch)]) == 1
    out = capsys.readouterr().out
    first, second, third = (json.loads(line) for line in out.splitlines()[:3])
    assert (first["ok"], first["violations"]) == (True, [])
    assert [(v["code"], v["path"]) for v in second["violations"]] == [
        (
            "bad_check_digit",
            "/TokenUpdateRequest/EncryptedAccountInformation/EncryptedData/NewAccount/AccountPan",
        )
    ]
    assert (third["ok"], third["violations"]) == (True, [])
    assert_nothing_secret(out)


def test_check_without_the_key_checks_the_envelope_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "requests.jsonl"
    batch.write_text(json.dumps(sealed(update(bad_check_digit(NEW_PAN)))) + "\n")
    assert main(["check", "--api-version", "2.2.2", "--format", "json", str(batch)]) == 0
    (record,) = (json.loads(line) for line in capsys.readouterr().out.splitlines()[:1])
    assert [(v["code"], v["severity"]) for v in record["violations"]] == [
        ("not_decrypted", "warning")
    ]


def test_check_with_another_key_says_no_key_opens_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(
        OTHER.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, PLAIN
        )
    )
    batch = tmp_path / "requests.jsonl"
    batch.write_text(json.dumps(sealed(update())) + "\n")
    argv = ["check", "--api-version", "2.2.2", "--format", "json", "--encryption-key", str(other)]
    assert main([*argv, str(batch)]) == 1
    (record,) = (json.loads(line) for line in capsys.readouterr().out.splitlines()[:1])
    assert [v["code"] for v in record["violations"]] == ["unknown_key"]


@pytest.mark.slow
def test_check_on_spawned_workers_gets_the_key_too(tmp_path: Path, key_file: str) -> None:
    """Spawned workers get the key ring pickled, as its PEM; the report is that of one job."""
    records = [
        sealed(update(bad_check_digit(NEW_PAN)) if i % 7 == 0 else update()) for i in range(300)
    ]
    batch = tmp_path / "requests.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in records))

    def run(jobs: str) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "_MDESRULES_START_METHOD": "spawn"}
        env["_MDESRULES_BLOCK_BYTES"] = "20000"
        argv = ["check", "--api-version", "2.2.2", "--format", "json", "--jobs", jobs]
        command = [
            sys.executable,
            "-m",
            "mdesrules",
            *argv,
            "--encryption-key",
            key_file,
            str(batch),
        ]
        return subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)

    serial, spawned = run("1"), run("2")
    assert spawned.stderr == serial.stderr == b""
    assert spawned.returncode == serial.returncode == 1
    assert spawned.stdout == serial.stdout
    assert serial.stdout.count(b'"bad_check_digit"') == len(range(0, 300, 7))


def test_the_key_ring_survives_pickling() -> None:
    import pickle

    keys = PemKeyRing(KEY_PEM + CERT_PEM)
    again = pickle.loads(pickle.dumps(keys))
    assert set(again) == set(keys)
    assert len(keys) == 2  # the key's fingerprint and the certificate's
    assert "PRIVATE" not in repr(keys)


# --- bad key files ----------------------------------------------------------------------------


def _pem(key: Any, encryption: Any = PLAIN) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )  # type: ignore[no-any-return]


BAD_KEYS: dict[str, tuple[bytes, str]] = {
    "garbage": (b"not a key at all\n", "not a usable PEM RSA private key"),
    "a certificate only": (CERT_PEM, "not a usable PEM RSA private key"),
    "a password": (
        _pem(KEY, serialization.BestAvailableEncryption(b"secret")),
        "protected by a password",
    ),
    "an EC key": (_pem(ec.generate_private_key(ec.SECP256R1())), "is not an RSA key"),
    "another key's certificate": (
        KEY_PEM + make_certificate(OTHER).public_bytes(serialization.Encoding.PEM),
        "not that of the private key's public half",
    ),
    "a cut key": (KEY_PEM[: len(KEY_PEM) // 2], "not a usable PEM RSA private key"),
}


@pytest.mark.parametrize("case", BAD_KEYS)
@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_bad_key_file_is_exit_2_in_one_line_without_its_content(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, says = BAD_KEYS[case]
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    batch = tmp_path / "requests.jsonl"
    batch.write_text("")
    files = [str(batch)] if command == "check" else ["--port", "0"]
    argv = [command, "--api-version", "2.2.2", "--encryption-key", str(path), *files]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"mdesrules: {path}: ")
    assert says in line
    assert_nothing_secret(captured.err)
    for text in content.decode("ascii", "replace").splitlines():
        if "-----" not in text and len(text) > 8:
            assert text not in captured.err


@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_missing_key_file_is_exit_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "requests.jsonl"
    batch.write_text("")
    files = [str(batch)] if command == "check" else ["--port", "0"]
    missing = tmp_path / "nope.pem"
    argv = [command, "--api-version", "2.2.2", "--encryption-key", str(missing), *files]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err == f"mdesrules: cannot open {missing}: No such file or directory\n"
    )


@pytest.mark.parametrize("api", [[], ["--api-version", "2.0.7"], ["--api", "mdes-legacy-update"]])
@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_key_for_an_api_without_encryption_is_exit_2(
    api: list[str], command: str, key_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "requests.jsonl"
    batch.write_text("")
    files = [str(batch)] if command == "check" else ["--port", "0"]
    assert main([command, *api, "--encryption-key", key_file, *files]) == 2
    assert (
        "--encryption-key is for the Customer Service API 2.1.7 and 2.2.2"
        in capsys.readouterr().err
    )


# --- serve --api-version 2.2.2 --encryption-key, end to end -----------------------------------


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_serve_decrypts_checks_and_applies_encrypted_requests(
    tmp_path: Path, key_file: str
) -> None:
    from test_serve import Served

    inventory = tmp_path / "tokens.jsonl"
    inventory.write_text(
        json.dumps({"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"}) + "\n"
    )
    served = Served(
        "--api-version", "2.2.2", "--encryption-key", key_file, "--tokens", str(inventory)
    )
    bodies: list[str] = []
    try:
        # 2.2.2 has no legacy update: the startup line names no legacy route.
        assert "/mdes/csapi/v2; admin API" in served.startup
        assert "legacy" not in served.startup

        def post(path: str, document: dict[str, Any]) -> requests.Response:
            answer = requests.post(served.base + path, json=document, timeout=(5, 20))
            bodies.append(answer.text)
            return answer

        answer = post("/search", sealed(search(), "GCM"))
        assert answer.status_code == 200, answer.text
        (account,) = answer.json()["SearchResponse"]["Accounts"]["Account"]
        assert [t["TokenUniqueReference"] for t in account["Tokens"]["Token"]] == [TUR]

        answer = post("/token/update", sealed(update(), "CBC", KEY.public_key()))
        assert answer.status_code == 200, answer.text
        assert answer.json()["TokenUpdateResponse"]["Tokens"]["Token"][0]["CommentId"]

        answer = post("/search", sealed(search(NEW_PAN)))
        assert answer.status_code == 200, answer.text
        assert (
            answer.json()["SearchResponse"]["Accounts"]["Account"][0]["AccountPanSuffix"]
            == (NEW_PAN[-4:])
        )

        tampered = sealed(update(PAN))
        info = tampered["TokenUpdateRequest"]["EncryptedAccountInformation"]
        info["tag"] = ("0" if info["tag"][0] != "0" else "1") + info["tag"][1:]
        answer = post("/token/update", tampered)
        assert answer.status_code == 400
        assert [e["ReasonCode"] for e in answer.json()["Errors"]["Error"]] == ["DECRYPTION_FAILED"]

        other = sealed(update(PAN), recipient=make_certificate(OTHER))
        answer = post("/token/update", other)
        assert answer.status_code == 400
        assert [e["ReasonCode"] for e in answer.json()["Errors"]["Error"]] == ["UNKNOWN_KEY"]

        # Still remapped to the new PAN: neither refusal changed anything.
        answer = post("/search", sealed(search(NEW_PAN)))
        assert len(answer.json()["SearchResponse"]["Accounts"]["Account"]) == 1
    finally:
        status, err = served.stop(signal.SIGTERM)
    assert status == 0
    assert_nothing_secret(err + "".join(bodies))
