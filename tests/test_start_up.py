"""What a program that checks 2.0.7 requests loads: not the cryptography, not the surfaces
it does not use.

``mdesrules check`` starts a fresh interpreter for every batch, and an issuer's service
imports the library once per process: start-up is paid on every run. The library defers
what only some programs need (``Client`` and ``AccountEncryption``, the
``cryptography`` package behind them, the API surfaces 2.1.7 and 2.2.2, the key file of
``--encryption-key``, the HTML page) to their first use, and these tests hold that true,
each in a fresh interpreter, as a user's program starts. A deferred name still works as any
other, in every way a user reaches it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

VALID = {
    "TokenUpdateRequest": {
        "TokenUniqueReference": "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45",
        "ExpirationDate": "0128",
        "AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Bank"},
    }
}

#: Modules a plain check never needs.
DEFERRED = (
    "cattrs",
    "calendar",
    "difflib",
    "sqlite3",
    "mdesrules.transport",
    "mdesrules.wire",
    "lxml",
    "cryptography",
    "msgspec",  # the fast pass of a batch, made once a block holds several records
    "mdesrules.account_encryption",
    "mdesrules.client",
    "mdesrules.encryption",
    "mdesrules.apis.mdes_cs_api_2_1_7",
    "mdesrules.apis.mdes_cs_api_2_2_2",
    "mdesrules.models.responses",  # the answers of 2.0.7: Operation.response by name
    "mdesrules.models.legacy",  # the models of the surfaces a 2.0.7 check does not use
    "mdesrules.models.notify",
    "mdesrules.models.tms",
    "mdesrules.models.v2_1_7",
    "mdesrules.models.v2_2_2",
)


def loaded_after(code: str) -> set[str]:
    """The modules of *code*'s interpreter, in a fresh one, when *code* is done."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_checking_a_request_loads_nothing_it_does_not_use() -> None:
    loaded = loaded_after(f"import mdesrules\nassert mdesrules.check('token_update', {VALID!r}).ok")
    assert "mdesrules.checking" in loaded
    assert loaded.isdisjoint(DEFERRED), sorted(loaded & set(DEFERRED))


def test_the_batch_command_loads_nothing_a_plain_run_does_not_use(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(VALID) + "\n")
    loaded = loaded_after(
        "import io, contextlib\n"
        "from mdesrules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['check', '--format', 'json', {str(batch)!r}]) == 0\n"
    )
    assert "mdesrules.cli._blocks" in loaded
    assert loaded.isdisjoint((*DEFERRED, "mdesrules.cli._html", "mdesrules.cli._keys")), sorted(
        loaded & {*DEFERRED, "mdesrules.cli._html", "mdesrules.cli._keys"}
    )


@pytest.mark.parametrize(
    ("use", "needs"),
    [
        ("from mdesrules import Client", "mdesrules.client"),
        ("from mdesrules import AccountEncryption", "mdesrules.account_encryption"),
        ("import mdesrules; mdesrules.Client", "mdesrules.client"),
        ("from mdesrules.apis import MDES_CS_API_2_1_7", "mdesrules.apis.mdes_cs_api_2_1_7"),
        ("import mdesrules.apis as a; a.MDES_CS_API_2_2_2", "mdesrules.apis.mdes_cs_api_2_2_2"),
        ("from mdesrules.apis import surface; surface('mdes-cs-api-2.2.2')", "cryptography"),
        ("from mdesrules.models import SearchResponse", "mdesrules.models.responses"),
        ("from mdesrules.models import UpdateRequest", "mdesrules.models.legacy"),
        (
            "import mdesrules; mdesrules.REGISTRY.get('tms_card_art').request",
            "mdesrules.models.tms",
        ),
        (
            "import mdesrules; mdesrules.REGISTRY.get('search').response",
            "mdesrules.models.responses",
        ),
        ("import mdesrules; mdesrules.Transport", "mdesrules.transport"),
        ("import mdesrules; mdesrules.WireRequest", "mdesrules.wire"),
    ],
)
def test_a_deferred_name_is_loaded_when_first_used(use: str, needs: str) -> None:
    assert needs in loaded_after(use)


def test_deferred_names_are_the_same_objects_however_reached() -> None:
    import mdesrules
    import mdesrules.apis as apis
    from mdesrules.account_encryption import AccountEncryption
    from mdesrules.apis.mdes_cs_api_2_1_7 import MDES_CS_API_2_1_7
    from mdesrules.apis.mdes_cs_api_2_2_2 import MDES_CS_API_2_2_2
    from mdesrules.client import Client
    from mdesrules.models import responses
    from mdesrules.transport import Transport
    from mdesrules.wire import Carrier

    assert mdesrules.Client is Client
    assert mdesrules.Transport is Transport
    assert mdesrules.Carrier is Carrier
    assert mdesrules.REGISTRY.get("search").response is responses.SearchResponse
    assert mdesrules.models.SearchResponse is responses.SearchResponse
    assert mdesrules.REGISTRY.get("legacy_update").request is mdesrules.models.UpdateRequest
    assert mdesrules.AccountEncryption is AccountEncryption
    assert apis.MDES_CS_API_2_1_7 is MDES_CS_API_2_1_7
    assert apis.SURFACES["mdes-cs-api-2.2.2"] is MDES_CS_API_2_2_2
    assert apis.surface("mdes-cs-api-2.1.7") is MDES_CS_API_2_1_7
    assert {"Client", "AccountEncryption", "Transport", "WireRequest"} <= set(dir(mdesrules))
    assert "TokenUpdateResponse" in dir(mdesrules.models)
    assert {"MDES_CS_API_2_1_7", "MDES_CS_API_2_2_2"} <= set(dir(apis))


def test_surfaces_lists_every_key_in_order_before_any_is_loaded() -> None:
    loaded = loaded_after(
        "from mdesrules.apis import SURFACES\n"
        "assert list(SURFACES) == ['default', 'mdes-cs-api-2.0.7', 'mdes-cs-api-2.1.7', "
        "'mdes-cs-api-2.2.2', 'mdes-legacy-update', 'mdes-notifications-1.3.0', "
        "'cybersource-tms-2'], list(SURFACES)\n"
        "assert len(SURFACES) == 7 and 'mdes-cs-api-2.2.2' in SURFACES\n"
    )
    assert "mdesrules.apis.mdes_cs_api_2_2_2" not in loaded


def test_an_unknown_name_is_an_attribute_error() -> None:
    import mdesrules
    import mdesrules.apis as apis

    with pytest.raises(AttributeError, match="no attribute 'Clients'"):
        mdesrules.Clients  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'MDES_CS_API_9'"):
        apis.MDES_CS_API_9  # noqa: B018
