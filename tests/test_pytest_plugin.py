"""The pytest plugin, as a user's test suite meets it: run in a pytester session.

The example on docs/test-double.md is run here as it is written, so the page cannot drift.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "test-double.md"


def documented_example() -> str:
    """The Python block after the ``<!-- plugin-example -->`` marker of the docs page."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- plugin-example -->\s*```python\n(.+?)\n```", text, re.S)
    assert found is not None, "docs/test-double.md lost its plugin example"
    return found.group(1)


def run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=source)
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "-q")


def test_the_documented_example_passes(pytester: pytest.Pytester) -> None:
    result = run(pytester, documented_example())
    result.assert_outcomes(passed=6)


def test_each_test_gets_a_fresh_simulator_seeded_from_its_markers(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        textwrap.dedent(
            """
            import pytest

            PAN = "5412345678901232"
            A = {"tokenUniqueReference": "DWSPMCAAAA", "accountPan": PAN, "status": "A"}
            B = {"tokenUniqueReference": "DWSPMCBBBB", "accountPan": PAN, "status": "S"}
            pytestmark = pytest.mark.mdes_tokens(A)

            @pytest.mark.mdes_tokens(B)
            def test_module_and_test_markers_both_seed(mdes):
                assert sorted(t.token_unique_reference for t in mdes.store.tokens()) == [
                    "DWSPMCAAAA", "DWSPMCBBBB"]
                mdes.seed_tokens([{"tokenUniqueReference": "DWSPMCCCCC",
                                   "accountPan": "5412345678901232", "status": "U"}])

            def test_the_next_test_starts_afresh(mdes, mdes_journal):
                assert [t.token_unique_reference for t in mdes.store.tokens()] == ["DWSPMCAAAA"]
                assert len(mdes_journal) == 0

            def test_no_marker_no_version(mdes, mdes_api):
                assert (mdes_api, mdes.registry.key) == ("2.0.7", "mdes-cs-api-2.0.7")
            """
        ),
    )
    result.assert_outcomes(passed=3)


def test_a_2_2_2_simulator_gets_an_encrypting_client(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        textwrap.dedent(
            """
            import pytest
            from mdesrules.models.v2_1_7 import AccountData, AuditInfo, CurrentAccount
            from mdesrules.models.v2_2_2 import EncryptedAccountInformation, SearchRequest

            @pytest.mark.mdes_api("2.2.2")
            @pytest.mark.mdes_tokens({"tokenUniqueReference": "DWSPMCAAAA",
                                      "accountPan": "5412345678901232", "status": "A"})
            def test_search_by_encrypted_pan(mdes, mdes_client, mdes_journal):
                assert mdes.registry.key == "mdes-cs-api-2.2.2"
                answer = mdes_client.search(SearchRequest(
                    encrypted_account_information=EncryptedAccountInformation(
                        encrypted_data=AccountData(
                            current_account=CurrentAccount(account_pan="5412345678901232"))),
                    audit_info=AuditInfo(user_id="A143", user_name="John", organization="Bank")))
                (account,) = answer.accounts.account
                assert [t.token_unique_reference for t in account.tokens.token] == ["DWSPMCAAAA"]
                body = mdes_journal.last().request["SearchRequest"]
                assert isinstance(body["EncryptedAccountInformation"]["EncryptedData"], str)
            """
        ),
    )
    result.assert_outcomes(passed=1)


def test_a_bad_version_or_record_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.mdes_api("3.0")
            def test_version(mdes):
                pass

            @pytest.mark.mdes_tokens(
                {"tokenUniqueReference": "X", "accountPan": "1", "status": "A"})
            def test_record(mdes):
                pass
            """
        ),
    )
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*mdes_api must be one of 2.0.7, 2.1.7, 2.2.2, got '3.0'*"])
    result.stdout.fnmatch_lines(["*mdes_tokens: record 1: accountPan*"])


def test_the_live_server_is_stopped_after_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        textwrap.dedent(
            """
            import requests, pytest

            URLS = []

            def test_serves(mdes_server):
                URLS.append(mdes_server.admin)
                assert requests.get(mdes_server.admin + "/", timeout=10).json()["api"] == (
                    "mdes-cs-api-2.0.7")

            def test_stopped():
                with pytest.raises(requests.ConnectionError):
                    requests.get(URLS[0] + "/", timeout=10)
            """
        ),
    )
    result.assert_outcomes(passed=2)


def test_importing_mdesrules_imports_neither_pytest_nor_the_plugin() -> None:
    code = (
        "import sys, mdesrules, mdesrules.fakes.mdes, mdesrules.transports, mdesrules.cli\n"
        "print(sorted(m for m in ('pytest', 'hypothesis', 'mdesrules.pytest_plugin')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
