"""The rule catalogue: written from the registry, complete, and identical to docs/rules.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mdesrules import CODES, REGISTRY
from mdesrules.catalogue import FORMATS, render
from mdesrules.registry import Registry
from mdesrules.schema import ObjectSpec

RULES_MD = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def paths(spec: ObjectSpec, prefix: str = "") -> Iterator[str]:
    """Every field of *spec* as the catalogue names it (``AuditInfo.UserId``)."""
    for f in spec.fields:
        yield prefix + f.name
        if f.child is not None:
            yield from paths(f.child, prefix + f.name + ("[]." if f.kind == "array" else "."))


def section(text: str, name: str) -> str:
    """The Markdown section of operation *name*."""
    start = text.index(f"\n## `{name}`\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_docs_rules_md_is_the_rendered_catalogue() -> None:
    # Regenerate with: mdesrules rules --format markdown > docs/rules.md
    assert RULES_MD.read_text(encoding="utf-8") == render("markdown")


def test_the_catalogue_says_how_it_is_regenerated() -> None:
    assert "mdesrules rules --format markdown > docs/rules.md" in render("markdown")


def test_rendering_is_deterministic() -> None:
    assert render("markdown") == render("markdown")
    assert render("text") == render("text")


def test_every_operation_has_a_section_in_registry_order() -> None:
    text = render("markdown")
    starts = [text.index(f"\n## `{op.name}`\n") for op in REGISTRY]
    assert starts == sorted(starts)
    assert len(starts) == len(REGISTRY)


@pytest.mark.parametrize("name", REGISTRY.names())
def test_each_section_shows_the_operation_and_all_its_rules(name: str) -> None:
    op = REGISTRY.get(name)
    form = op.form("json")
    text = section(render("markdown"), name)
    assert op.endpoint in text
    assert op.summary in text
    if op.wrapper is not None:
        assert f'`{{"{op.wrapper}": {{...}}}}`' in text
    if op.xml_root is not None:
        assert f"`{op.xml_root}`" in text
    for path in paths(form.spec):
        assert f"\n| `{path}` |" in text, path
    for rule in (*form.rules, *form.state_rules):
        assert f"\n- {rule!r}" in text


def test_every_field_of_every_request_model_appears() -> None:
    text = render("markdown")
    for op in REGISTRY:
        for path in paths(op.form("json").spec):
            assert f"| `{path}` |" in text


def test_a_field_row_joins_its_rules_in_order() -> None:
    text = section(render("markdown"), "token_update")
    assert (
        "| `CurrentAccountPan` | optional | string | "
        "length 9..19; only the digits 0-9; valid Luhn check digit |"
    ) in text
    assert "| `AuditInfo.UserId` | required | string |" in text
    assert '| `UpdateWalletProviderIndicator` | optional, default "1" | string |' in text


def test_the_legacy_operation_uses_its_json_names_and_names_its_xml_root() -> None:
    text = section(render("markdown"), "legacy_update")
    assert "| `auditInfo.userId` | required |" in text
    assert "camelCase" in text
    assert "`UpdateRequest`" in text


def test_every_violation_code_appears_with_its_meaning() -> None:
    text = render("markdown")
    for code, meaning in CODES.items():
        assert f"| `{code}` | {meaning} |" in text


def test_the_text_format_has_the_same_content_without_markdown() -> None:
    text = render("text")
    assert "|" not in text
    assert "`" not in text
    for op in REGISTRY:
        assert f"\n{op.name}\n{'-' * len(op.name)}\n" in text
        for path in paths(op.form("json").spec):
            assert f"\n  {path} " in text
    for code, meaning in CODES.items():
        assert code in text
        assert meaning in text


def test_formats_lists_what_render_accepts() -> None:
    assert FORMATS == ("markdown", "text")
    for fmt in FORMATS:
        assert render(fmt).endswith("\n")
        assert not render(fmt).endswith("\n\n")


@pytest.mark.parametrize("fmt", ["html", "", "Markdown", "json"])
def test_an_unknown_format_is_a_value_error(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown catalogue format"):
        render(fmt)


def test_render_reads_the_registry_it_is_given() -> None:
    only = Registry()
    only.register(REGISTRY.get("token_suspend"))
    text = render("markdown", only)
    assert "## `token_suspend`" in text
    assert "## `token_update`" not in text
    assert "| `missing_required` |" in text
