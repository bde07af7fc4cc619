"""A client generated from Mastercard's own CS API 2.2.2 specification drives a token
lifecycle against ``mdesrules serve --api-version 2.2.2 --encryption-key KEY.pem``.

Issue 13, point 6: openapi-generator's Python client (pydantic) of
``specs/mdes-customer-service-v2.2.2.yaml`` (Mastercard's file, copied verbatim) searches
for a token by its encrypted PAN, suspends and unsuspends it, moves it to a new PAN and
expiry by an update by encrypted PAN, finds it under the new PAN, deletes it and reads its
status history; a search and an update whose envelope was tampered with come back as the
generated client's ``ApiException`` carrying MDES's error document. Every answer is read by
the generated client's models; the script checks what each says, that no request left a
PAN in clear and that no answer, and nothing the server wrote, holds a full PAN.

How the generated client meets the encryption, as an integrator's does: the request models
hold the *plaintext* form (``EncryptedData`` is the ``AccountData`` object, which is how the
spec types it, so a model cannot hold the hex ciphertext), and an encryption layer on the
generated ``ApiClient`` encrypts the serialized body before it is sent:

- searches go through a layer that calls ``mdesrules.account_encryption.
  encrypt_account_information`` (AES-GCM, RSA-OAEP SHA-512, with 2.2.2's
  ``algorithmCipherMode``, ``tag`` and ``aad``);
- the update goes through Mastercard's own ``client_encryption.api_encryption.
  add_encryption_layer`` (AES-CBC, RSA-OAEP SHA-256; the library knows no GCM), configured
  for ``TokenUpdateRequest.EncryptedAccountInformation``.

The spec lists ``PublicKeyFingerprint``, ``EncryptedKey`` and ``OaepHashingAlgorithm`` as
required beside the plaintext ``EncryptedData``, so the models need values for them before
the layer runs: the certificate's fingerprint, the hash, and a placeholder session key that
the layer replaces (both layers overwrite every envelope member).

Where Mastercard's file and the service disagree, the client is generated from a copy with
two fixes (each applied by :func:`generator_ready`, which fails if the file changes under
it; ``docs/simulator.md`` gives them to integrators):

1. the spec has two schemas whose names differ only in case, ``AuditInfo`` (PascalCase
   members, every CS API request) and ``auditInfo`` (camelCase, the notification of an
   authentication decision). openapi-generator writes both to ``audit_info.py`` and the
   camelCase one wins, so every request sends ``userId``/``userName``/``organization`` and
   is refused (``MISSING_REQUIRED`` ``UserId``, ...). The copy renames ``auditInfo`` to
   ``NotifyAuditInfo``.
2. ``PageInfo``'s and ``PageInfoResults``' ``Offset``/``Limit``/``Total``/``Count`` and
   ``InterbankCardAssociationId`` are typed ``number``, ``CompactResponse`` ``boolean``,
   yet each has string lengths and every example (requests and answers) sends a string
   (``"Offset": "0"``, ``"CompactResponse": "true"``). The service follows the examples, so
   a client generated from the file as it is sends ``0``/``true`` (refused, ``WRONG_TYPE``)
   and cannot read a paged answer (``"Total": "1"`` is not a number to pydantic). The copy
   types every member that is ``number`` or ``boolean`` with string lengths as ``string``.

One more gap needs no fix but shapes error handling: only ``/search`` declares its error
response (``default``: ``ErrorsResults``). On every other path the generated client still
raises ``ApiException`` for a 400, with ``data`` ``None``; the MDES error document is in
``body`` (read here with ``ErrorsResults.from_json``).

Needs the ``bench`` extra (``openapi-generator-cli``, ``pydantic``, ``pyyaml``), Java and
``mastercard-client-encryption`` (the ``test``/``dev`` extras)::

    python benchmarks/openapi_lifecycle_2_2_2.py

Exit status 0 when every step answered as expected, 1 otherwise, 2 when it cannot run here.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import importlib
import importlib.util
import json
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openapi_roundtrip import generate, generator, start_server

HERE = Path(__file__).resolve().parent
SPEC = HERE / "specs" / "mdes-customer-service-v2.2.2.yaml"
PACKAGE = "mdes_cs_api_2_2_2_client"
#: The path parameter the spec puts before every operation ("static endpoint iteration").
ENDPOINT = "v2"

TUR = "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"
OTHER_TUR = "DWSPMC00000000030906a349d9ca4eb1a4d53e3c90a11d9e"
PAN = "5412345678901232"
NEW_PAN = "5412345678904566"
OTHER_PAN = "5412345678907775"
PANS = (PAN, NEW_PAN, OTHER_PAN)
#: Where each encryption layer finds the plaintext account information.
ENCRYPTED_PATHS = (
    "SearchRequest.EncryptedAccountInformation",
    "TokenUpdateRequest.EncryptedAccountInformation",
)
#: Overwritten by the encryption layer; the spec requires a value in the plaintext model.
SESSION_KEY_PLACEHOLDER = "0" * 32


class Mismatch(Exception):
    """An answer that is not what the step expects (or that the client could not read)."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


# -- the spec copy the client is generated from ---------------------------------------------


def _refs(node: Any, old: str, new: str) -> int:
    """Point every ``$ref`` at *old* to *new*; return how many were changed."""
    changed = 0
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
            changed += 1
        changed += sum(_refs(value, old, new) for value in node.values())
    elif isinstance(node, list):
        changed += sum(_refs(value, old, new) for value in node)
    return changed


def _string_typed(node: Any, where: str, fixed: list[str]) -> None:
    """Type ``string`` every member typed ``number`` or ``boolean`` with string lengths."""
    if isinstance(node, dict):
        lengths = "minLength" in node or "maxLength" in node
        if node.get("type") in ("number", "boolean") and lengths:
            fixed.append(f"{where} ({node['type']})")
            node["type"] = "string"
        for key, value in node.items():
            _string_typed(value, f"{where}/{key}", fixed)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _string_typed(value, f"{where}/{index}", fixed)


def generator_ready(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Mastercard's 2.2.2 document with the two fixes of the module documentation; returns
    the new document and what was changed. Raises :class:`Mismatch` if a fix no longer
    applies (the file changed: look again at what the generator makes of it)."""
    fixed = copy.deepcopy(spec)
    schemas = fixed["components"]["schemas"]
    expect(
        "auditInfo" in schemas and "AuditInfo" in schemas and "NotifyAuditInfo" not in schemas,
        "the spec no longer has both AuditInfo and auditInfo: review fix 1",
    )
    schemas["NotifyAuditInfo"] = schemas.pop("auditInfo")
    renamed = _refs(fixed, "#/components/schemas/auditInfo", "#/components/schemas/NotifyAuditInfo")
    expect(renamed >= 1, "nothing refers to auditInfo any more: review fix 1")
    typed: list[str] = []
    _string_typed(fixed, "", typed)
    expect(bool(typed), "no number or boolean member has string lengths now: review fix 2")
    changes = [f"schema auditInfo renamed NotifyAuditInfo ({renamed} $ref)"]
    changes += [f"{where.removeprefix('/components/schemas/')} typed string" for where in typed]
    return fixed, changes


# -- keys and the encryption layers ---------------------------------------------------------


def make_key_and_certificate(work: Path) -> tuple[Any, Path, Path]:
    """A 2048-bit RSA key and a self-signed certificate of it: the certificate is
    "Mastercard's" (clients encrypt for it), the key file (key, then certificate) is what
    ``serve --encryption-key`` reads. Returns the certificate, the key file and the
    certificate file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mdes-simulator.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_file = work / "mdes-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + certificate_pem
    )
    certificate_file = work / "mdes-certificate.pem"
    certificate_file.write_bytes(certificate_pem)
    return certificate, key_file, certificate_file


Request = Callable[..., Any]


def record_sent(api_client: Any, sent: list[str]) -> None:
    """Keep the JSON of every body *api_client* sends, as its REST client serializes it
    (``json.dumps``); install it before an encryption layer so it sees the encrypted body."""
    request: Request = api_client.rest_client.request

    def recording(method: str, url: str, **kwargs: Any) -> Any:
        if kwargs.get("body") is not None:
            sent.append(json.dumps(kwargs["body"]))
        return request(method, url, **kwargs)

    api_client.rest_client.request = recording


def mdesrules_encryption_layer(api_client: Any, certificate: Any, *, tamper: bool = False) -> None:
    """Encrypt the ``EncryptedAccountInformation`` of every body *api_client* sends with
    mdesrules' encryptor (GCM), where Mastercard's ``add_encryption_layer`` hooks its own.
    With *tamper*, flip one hex digit of the GCM ``tag`` after encrypting."""
    from mdesrules.account_encryption import encrypt_account_information

    request: Request = api_client.rest_client.request

    def encrypting(method: str, url: str, **kwargs: Any) -> Any:
        body = kwargs.get("body")
        if isinstance(body, dict):
            body = encrypt_account_information(
                body, public_key_or_certificate=certificate, mode="GCM", oaep_hash="SHA512"
            )
            if tamper:
                info = next(iter(body.values()))["EncryptedAccountInformation"]
                info["tag"] = ("1" if info["tag"][0] == "0" else "0") + info["tag"][1:]
            kwargs["body"] = body
        return request(method, url, **kwargs)

    api_client.rest_client.request = encrypting


def mastercard_encryption_layer(api_client: Any, certificate_file: Path) -> None:
    """Mastercard's field-level encryption on *api_client*, as its README sets it up, for
    the ``EncryptedData`` of :data:`ENCRYPTED_PATHS` (the library's paths include the
    wrapper). It sends the certificate's fingerprint, hex data, CBC, OAEP SHA-256."""
    from client_encryption.api_encryption import add_encryption_layer

    config = {
        "paths": {
            "$": {
                "toEncrypt": {f"{path}.EncryptedData": path for path in ENCRYPTED_PATHS},
                "toDecrypt": {},
            }
        },
        "ivFieldName": "Iv",
        "encryptedKeyFieldName": "EncryptedKey",
        "encryptedValueFieldName": "EncryptedData",
        "dataEncoding": "hex",
        "encryptionCertificate": str(certificate_file),
        "oaepPaddingDigestAlgorithm": "SHA-256",
        "encryptionCertificateFingerprintFieldName": "PublicKeyFingerprint",
        "oaepPaddingDigestAlgorithmFieldName": "OaepHashingAlgorithm",
    }
    with warnings.catch_warnings():
        # "No signing layer detected": the simulator takes no OAuth signature.
        warnings.simplefilter("ignore", UserWarning)
        add_encryption_layer(api_client, config)


# -- the lifecycle --------------------------------------------------------------------------


def _masked(pan: str) -> str:
    return f"...{pan[-4:]}"


def _masked_pans(text: str) -> str:
    """*text* with each PAN of the run masked (a model's error may quote its input)."""
    for pan in PANS:
        text = text.replace(pan, f"{pan[:6]}...{pan[-4:]}")
    return text


class Lifecycle:
    """The steps, through the generated client; each prints one line and raises
    :class:`Mismatch` when the answer is not the one expected."""

    def __init__(self, client: Any, url: str, certificate: Any, certificate_file: Path) -> None:
        from mdesrules.encryption import fingerprint

        self.client = client
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.sent: list[str] = []
        self.answers: list[str] = []
        self.read = 0
        #: (status, reason code, comment id) of each change, oldest first
        self.changes: list[tuple[str, str | None, str]] = []
        self.fingerprint = fingerprint(certificate)
        host = url + "/mdes/csapi"
        self.gcm = self._api_client(host)
        mdesrules_encryption_layer(self.gcm, certificate)
        self.cbc = self._api_client(host)
        mastercard_encryption_layer(self.cbc, certificate_file)
        self.tampered = self._api_client(host)
        mdesrules_encryption_layer(self.tampered, certificate, tamper=True)
        self.audit = self.models.AuditInfo(
            user_id="A1435477", user_name="John Smith", organization="Any Bank"
        )

    def _api_client(self, host: str) -> Any:
        api_client = self.client.ApiClient(self.client.Configuration(host=host))
        record_sent(api_client, self.sent)
        return api_client

    def _answer(self, call: Callable[[], Any], model: str) -> Any:
        """Call; the answer must be a 200 read into *model*."""
        answer = call()
        self.answers.append(answer.raw_data.decode("utf-8", "replace"))
        expect(answer.status_code == 200, f"status {answer.status_code}")
        expect(
            type(answer.data).__name__ == model,
            f"read as {type(answer.data).__name__}, not {model}",
        )
        self.read += 1
        return answer.data

    def _refused(self, call: Callable[[], Any]) -> tuple[Any, list[str]]:
        """Call; the answer must be an ``ApiException`` whose body is MDES's error
        document. Returns the exception and the ``ReasonCode`` of each ``Error``."""
        try:
            call()
        except self.client.ApiException as refused:
            self.answers.append(refused.body or "")
            read = self.models.ErrorsResults.from_json(refused.body)
            expect(read.errors is not None and bool(read.errors.error), "no Error in the body")
            self.read += 1
            return refused, [error.reason_code for error in read.errors.error]
        raise Mismatch("the request was accepted")

    def _sent_envelope(self, wrapper: str) -> dict[str, Any]:
        """The ``EncryptedAccountInformation`` of the last body sent, which must be
        encrypted: hex ``EncryptedData`` and the layer's session key, not the placeholder."""
        envelope: dict[str, Any] = json.loads(self.sent[-1])[wrapper]["EncryptedAccountInformation"]
        data = envelope.get("EncryptedData")
        expect(
            isinstance(data, str) and all(c in "0123456789abcdefABCDEF" for c in data),
            "EncryptedData was sent in clear",
        )
        expect(envelope["EncryptedKey"] != SESSION_KEY_PLACEHOLDER, "the placeholder key was sent")
        expect(envelope["PublicKeyFingerprint"] == self.fingerprint, "another fingerprint")
        return envelope

    # plaintext account information; the layers encrypt it
    def _account_information(self, model: str, data: Any) -> Any:
        return getattr(self.models, model)(
            encrypted_data=data,
            public_key_fingerprint=self.fingerprint,
            encrypted_key=SESSION_KEY_PLACEHOLDER,
            oaep_hashing_algorithm="SHA512",
        )

    def _search_request(self, pan: str) -> Any:
        m = self.models
        information = self._account_information(
            "EncryptedAccountInformation",
            m.AccountData(current_account=m.AccountDataCurrentAccount(account_pan=pan)),
        )
        return m.Search(
            search_request=m.SearchData(
                encrypted_account_information=information,
                token_status_codes=["A", "S", "D"],
                page_info=m.PageInfo(offset="0", limit="10"),
                audit_info=self.audit,
            )
        )

    def _update_request(self, current: str, new: str, expiry: str) -> Any:
        m = self.models
        information = self._account_information(
            "UpdateEncryptedAccountInformation",
            m.UpdateAccountData(
                current_account=m.UpdateAccountDataCurrentAccount(account_pan=current),
                new_account=m.UpdateAccountDataNewAccount(account_pan=new, expiration_date=expiry),
            ),
        )
        return m.TokenUpdate(
            token_update_request=m.TokenUpdateData(
                encrypted_account_information=information,
                comment_text="Card reissued",
                audit_info=self.audit,
            )
        )

    def search(self, pan: str, status: str, expiry: str | None = None) -> None:
        api = self.client.SearchApi(self.gcm)
        data = self._answer(
            lambda: api.search_for_a_token_with_http_info(ENDPOINT, self._search_request(pan)),
            "SearchResults",
        )
        envelope = self._sent_envelope("SearchRequest")
        expect(envelope.get("algorithmCipherMode") == "GCM", "not sent in GCM")
        answer = data.search_response
        accounts = answer.accounts.account if answer.accounts else []
        expect(len(accounts) == 1, f"{len(accounts)} accounts, expected 1")
        (account,) = accounts
        tokens = [(t.token_unique_reference, t.current_status_code) for t in account.tokens.token]
        expect(account.account_pan_suffix == pan[-4:], "another account's suffix")
        expect(tokens == [(TUR, status)], f"tokens {tokens}, expected {[(TUR, status)]}")
        if expiry is not None:
            expect(account.expiration_date == expiry, f"expiry {account.expiration_date}")
        page = answer.page_info
        expect(
            page is not None and (page.offset, page.total, page.count) == ("0", "1", "1"),
            f"page {page}",
        )
        print(
            f"  search by encrypted PAN {_masked(pan)} (GCM, mdesrules' encryptor): 200 "
            f"SearchResults; account {_masked(account.account_pan_suffix)}"
            f"{' expiring ' + account.expiration_date if account.expiration_date else ''}, "
            f"token {TUR[-6:]} {status}, page {page.offset}/{page.limit} total {page.total}"
        )

    def search_finds_nothing(self, pan: str) -> None:
        api = self.client.SearchApi(self.gcm)
        data = self._answer(
            lambda: api.search_for_a_token_with_http_info(ENDPOINT, self._search_request(pan)),
            "SearchResults",
        )
        accounts = data.search_response.accounts
        expect(accounts is None or not accounts.account, "the old PAN still finds a token")
        print(f"  search by encrypted PAN {_masked(pan)}: 200 SearchResults, no account")

    def suspend(self) -> None:
        m = self.models
        api = self.client.TokenSuspendApi(self.gcm)
        request = m.TokenSuspend(
            token_suspend_request=m.TokenSuspendData(
                token_unique_reference=TUR,
                reason_code="L",
                comment_text="Phone lost",
                audit_info=self.audit,
            )
        )
        data = self._answer(
            lambda: api.suspend_a_token_with_http_info(ENDPOINT, request), "TokenSuspendResults"
        )
        token = data.token_suspend_response.token
        expect(token.token_unique_reference == TUR, "another token")
        expect(bool(token.comment_id), "no CommentId")
        self.changes.append(("S", "L", token.comment_id))
        print(f"  token/suspend: 200 TokenSuspendResults, comment {token.comment_id}")

    def unsuspend(self) -> None:
        m = self.models
        api = self.client.TokenUnsuspendApi(self.gcm)
        request = m.TokenUnsuspend(
            token_unsuspend_request=m.TokenUnsuspendData(
                token_unique_reference=TUR,
                reason_code="F",
                comment_text="Phone found",
                audit_info=self.audit,
            )
        )
        data = self._answer(
            lambda: api.unsuspend_a_token_with_http_info(ENDPOINT, request),
            "TokenUnsuspendResults",
        )
        token = data.token_unsuspend_response.token
        expect(token.token_unique_reference == TUR, "another token")
        expect(bool(token.comment_id), "no CommentId")
        self.changes.append(("A", "F", token.comment_id))
        print(f"  token/unsuspend: 200 TokenUnsuspendResults, comment {token.comment_id}")

    def update(self) -> None:
        api = self.client.TokenUpdateApi(self.cbc)
        request = self._update_request(PAN, NEW_PAN, "0130")
        data = self._answer(
            lambda: api.update_a_token_with_http_info(ENDPOINT, request), "TokenUpdateResults"
        )
        envelope = self._sent_envelope("TokenUpdateRequest")
        # Mastercard's library: CBC with a 16-byte IV, and no algorithmCipherMode
        expect("algorithmCipherMode" not in envelope, "not sent by Mastercard's library")
        expect(len(envelope["Iv"]) == 32, "not a CBC IV")
        expect(envelope["OaepHashingAlgorithm"] == "SHA256", "not OAEP SHA-256")
        tokens = data.token_update_response.tokens.token
        expect([t.token_unique_reference for t in tokens] == [TUR], "not the token on the PAN")
        expect(all(t.comment_id for t in tokens), "no CommentId")
        self.changes.append(("A", None, tokens[0].comment_id))
        print(
            f"  token/update by encrypted PAN {_masked(PAN)} -> {_masked(NEW_PAN)}, 0130 "
            "(CBC, Mastercard's add_encryption_layer): 200 TokenUpdateResults, "
            f"token {TUR[-6:]}, comment {tokens[0].comment_id}"
        )

    def tampered_search(self) -> None:
        api = self.client.SearchApi(self.tampered)
        refused, codes = self._refused(
            lambda: api.search_for_a_token_with_http_info(ENDPOINT, self._search_request(NEW_PAN))
        )
        expect(refused.status == 400, f"status {refused.status}")
        expect(codes == ["DECRYPTION_FAILED"], f"reason codes {codes}")
        # /search declares its error response: the client read it into its model itself
        read_by_client = type(refused.data).__name__
        expect(read_by_client == "ErrorsResults", f"ApiException.data is {read_by_client}")
        print(
            f"  search, tag tampered with: ApiException 400, data ErrorsResults {', '.join(codes)}"
        )

    def tampered_update(self) -> None:
        api = self.client.TokenUpdateApi(self.tampered)
        request = self._update_request(NEW_PAN, PAN, "0131")
        refused, codes = self._refused(lambda: api.update_a_token_with_http_info(ENDPOINT, request))
        expect(refused.status == 400, f"status {refused.status}")
        expect(codes == ["DECRYPTION_FAILED"], f"reason codes {codes}")
        # the spec declares no error response for /token/update: data stays None
        expect(refused.data is None, "ApiException.data was read")
        print(
            "  token/update, tag tampered with: ApiException 400, body read as "
            f"ErrorsResults {', '.join(codes)} (the spec declares no error answer here)"
        )

    def delete(self) -> None:
        m = self.models
        api = self.client.TokenDeleteApi(self.gcm)
        request = m.TokenDelete(
            token_delete_request=m.TokenDeleteData(
                token_unique_reference=TUR,
                reason_code="C",
                comment_text="Account closed",
                audit_info=self.audit,
            )
        )
        data = self._answer(
            lambda: api.token_delete_with_http_info(ENDPOINT, request), "TokenDeleteResults"
        )
        token = data.token_delete_response.token
        expect(token.token_unique_reference == TUR, "another token")
        expect(bool(token.comment_id), "no CommentId")
        self.changes.append(("D", "C", token.comment_id))
        print(f"  token/delete: 200 TokenDeleteResults, comment {token.comment_id}")

    def status_history(self) -> None:
        m = self.models
        api = self.client.TokenStatusHistoryApi(self.gcm)
        request = m.TokenStatusHistory(
            token_status_history_request=m.TokenStatusHistoryData(
                token_unique_reference=TUR, audit_info=self.audit
            )
        )
        data = self._answer(
            lambda: api.token_status_history_with_http_info(ENDPOINT, request),
            "TokenStatusHistoryResults",
        )
        statuses = data.token_status_history_response.statuses.status
        steps = [(s.status_code, s.reason_code, s.comment_id) for s in statuses]
        # newest first, one entry per change with its comment: the update is one too
        expected = self.changes[::-1]
        expect(steps == expected, f"history {steps}, expected {expected}")
        expect(all(s.status_date_time for s in statuses), "a status without its time")
        print(
            "  token/statushistory: 200 TokenStatusHistoryResults, "
            + ", ".join(
                f"{code} ({reason or 'update'}, {comment})" for code, reason, comment in steps
            )
        )


def _inventory(work: Path) -> Path:
    inventory = work / "tokens.jsonl"
    records = [
        {"tokenUniqueReference": TUR, "accountPan": PAN, "status": "A"},
        {"tokenUniqueReference": OTHER_TUR, "accountPan": OTHER_PAN, "status": "A"},
    ]
    inventory.write_text("".join(json.dumps(record) + "\n" for record in records))
    return inventory


def run() -> int:
    import yaml

    spec, fixes = generator_ready(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        spec_path = work / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        generate(spec_path, work / "client", PACKAGE)
        sys.path.insert(0, str(work / "client"))
        client = importlib.import_module(PACKAGE)
        certificate, key_file, certificate_file = make_key_and_certificate(work)
        print(f"client generated from {SPEC.relative_to(HERE.parent)}; the two fixes, as changes:")
        for fix in fixes:
            print(f"  {fix}")
        process, url = start_server(
            "--api-version",
            "2.2.2",
            "--encryption-key",
            str(key_file),
            "--tokens",
            str(_inventory(work)),
        )
        sent: list[str] = []
        answers: list[str] = []
        read = 0
        failure = None
        step = "set-up"
        try:
            lifecycle = Lifecycle(client, url, certificate, certificate_file)
            sent, answers = lifecycle.sent, lifecycle.answers
            steps: list[tuple[str, Callable[[], None]]] = [
                ("search", lambda: lifecycle.search(PAN, "A")),
                ("suspend", lifecycle.suspend),
                ("search after suspend", lambda: lifecycle.search(PAN, "S")),
                ("unsuspend", lifecycle.unsuspend),
                ("update", lifecycle.update),
                ("tampered search", lifecycle.tampered_search),
                ("tampered update", lifecycle.tampered_update),
                ("search by the new PAN", lambda: lifecycle.search(NEW_PAN, "A", "0130")),
                ("search by the old PAN", lambda: lifecycle.search_finds_nothing(PAN)),
                ("delete", lifecycle.delete),
                ("search after delete", lambda: lifecycle.search(NEW_PAN, "D")),
                ("status history", lifecycle.status_history),
            ]
            for name, call in steps:
                step = name
                call()
                read = lifecycle.read
        except Exception as error:
            failure = _masked_pans(f"{step}: {type(error).__name__}: {error}")
        finally:
            process.terminate()
            _, err = process.communicate(timeout=20)
    leaks = [
        where
        for where, texts in (
            ("a request body", sent),
            ("an answer", answers),
            ("the server's output", [err.decode("utf-8", "replace")]),
        )
        if any(pan in text for pan in PANS for text in texts)
    ]
    print(f"{read} answers read by the generated client's models")
    if failure is not None:
        print(f"  FAILED: {failure}")
    for where in leaks:
        print(f"  FAILED: a full PAN in {where}")
    return 1 if failure is not None or leaks else 0


def missing() -> str | None:
    """What this machine lacks to run the script, or None."""
    if generator() is None:
        return "openapi-generator-cli or Java is missing (pip install -e '.[bench]')"
    for module, extra in (("pydantic", "bench"), ("yaml", "bench"), ("client_encryption", "test")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is missing (pip install -e '.[{extra}]')"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    absent = missing()
    if absent is not None:
        print(absent)
        return 2
    return run()


if __name__ == "__main__":
    sys.exit(main())
