"""What a newcomer installs by: the commands and hints that name an extra can work.

mdesrules is on no package index, so ``pip install 'mdesrules[oauth]'`` answers "No matching
distribution found"; every hint must install from a checkout (``-e '.[x]'``) or a wheel.
"""

from __future__ import annotations

import configparser
import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# "pip install mdesrules[x]" / "pip install 'mdesrules[x]'": an install from an index.
FROM_AN_INDEX = re.compile(r"""pip install\s+["']?mdesrules(\[|\s|["'`]|$)""")


def _texts() -> list[Path]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return docs + sorted((ROOT / "mdesrules").rglob("*.py"))


def test_no_doc_or_message_installs_mdesrules_from_an_index() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _texts()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FROM_AN_INDEX.search(line)
    ]
    assert offenders == []


def test_the_readme_says_how_to_install_from_a_checkout_and_a_wheel() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e '.[oauth]'" in readme
    assert "pip wheel --no-deps -w dist ." in readme
    assert "not published on a package index" in readme


def _setup() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config


def test_the_oauth_extra_installs_on_every_supported_python() -> None:
    # 1.9.2 declares Requires-Python <3.13; pip then picks 1.9.1 on 3.13. A marker that
    # installs nothing on 3.13 would leave the extra empty and its error message wrong.
    extras = _setup()["options.extras_require"]
    for extra in ("oauth", "test", "dev"):
        lines = [line for line in extras[extra].splitlines() if "oauth1-signer" in line]
        assert lines == ["mastercard-oauth1-signer>=1.9.1"], extra


def test_the_classifiers_name_each_supported_python() -> None:
    classifiers = _setup()["metadata"]["classifiers"]
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers


def test_mdesrules_testing_without_hypothesis_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "mdesrules.testing", raising=False)
    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("mdesrules.testing")
    assert "mdesrules.testing needs the hypothesis package" in str(raised.value)
    assert "pip install -e '.[test]'" in str(raised.value)
    assert raised.value.name == "hypothesis"
