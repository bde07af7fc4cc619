"""``mdesrules rules``: the list of operations on a terminal, one operation on request, and
the whole Markdown catalogue, unchanged, where the output is not a terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from mdesrules import REGISTRY
from mdesrules.catalogue import render
from mdesrules.cli import main

RULES_MD = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _rules(monkeypatch: pytest.MonkeyPatch, *argv: str, terminal: bool) -> tuple[int, str, str]:
    out = _Terminal() if terminal else io.StringIO()
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    status = main(["rules", *argv])
    return status, out.getvalue(), err.getvalue()


def test_on_a_terminal_it_lists_the_operations_one_line_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, out, _ = _rules(monkeypatch, terminal=True)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{len(REGISTRY.names())} operations. mdesrules rules OPERATION")
    listed = [line.split()[0] for line in lines[2:]]
    assert listed == list(REGISTRY.names())
    assert len(lines) == len(REGISTRY.names()) + 2


def test_elsewhere_it_writes_the_markdown_catalogue_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, out, _ = _rules(monkeypatch, terminal=False)
    assert status == 0
    assert out == RULES_MD.read_text(encoding="utf-8")
    _, forced, _ = _rules(monkeypatch, "--format", "markdown", terminal=True)
    assert forced == out


def test_one_operation_as_text_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = _rules(monkeypatch, "token_activate", terminal=True)
    assert status == 0
    assert out.startswith("token_activate\n--------------\n")
    assert "token_update" not in out
    assert "exactly one of: TokenUniqueReference; or AccountPan with PaymentAppInstanceId" in out
    assert out == render("text", REGISTRY, "token_activate")


def test_one_operation_as_markdown_is_its_section_of_the_catalogue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, out, _ = _rules(monkeypatch, "token_update", terminal=False)
    assert status == 0
    assert out.startswith("## `token_update`\n")
    assert out.rstrip("\n") in RULES_MD.read_text(encoding="utf-8")


def test_an_unknown_operation_is_a_usage_error_with_a_guess(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, out, err = _rules(monkeypatch, "token_updat", terminal=True)
    assert status == 2
    assert out == ""
    assert err == (
        "mdesrules: --api default has no operation 'token_updat' (did you mean token_update?); "
        "`mdesrules rules` lists them\n"
    )


def test_one_operation_has_no_openapi_form(monkeypatch: pytest.MonkeyPatch) -> None:
    status, _, err = _rules(monkeypatch, "token_update", "--format", "openapi", terminal=False)
    assert status == 2
    assert "describes every operation" in err
