"""Valid documents come from the rule objects alone: an operation's declaration is enough.

The choices each kind of rule across fields states (:mod:`mdesrules._choices`) are held
to the rule itself: an object meets the choices exactly when the rule finds nothing in it.
An operation made up here, in a registry of its own, then gets documents that pass its
check, with every alternative of its rules drawn; rule kinds of one's own get theirs by
registering hooks, and without them the strategy says which hook is missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from attrs import evolve, field, frozen
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import mdesrules
import mdesrules.testing
from mdesrules import Registry, Report, Violation
from mdesrules._choices import (
    Alternative,
    Choice,
    Pin,
    both,
    choices_of,
    groups,
    names_of,
    nested,
)
from mdesrules._kinds import ByKind
from mdesrules._walk import check_form
from mdesrules.apis import MDES_CS_API_2_1_7, MDES_CS_API_2_2_2
from mdesrules.combinators import (
    Condition,
    ExactlyOneOf,
    Obj,
    Reaching,
    Rule,
    absent,
    all_of,
    at_least_one_of,
    at_most_one_of,
    equals,
    exactly_one_of,
    expects,
    forbids,
    only_when,
    present,
    reaching,
    requires,
    when,
)
from mdesrules.fields import digits, length, luhn, mmyy, no_control, one_of, printable
from mdesrules.registry import Operation
from mdesrules.schema import camel, identity, wire
from mdesrules.testing import (
    ABSENT,
    CONDITION_CHOICES,
    FIELD_VALUES,
    RULE_CHOICES,
    SENT,
    equal_to,
    other_than,
    string_values,
    valid_documents,
    valid_models,
)

SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIRST = settings(max_examples=500, database=None, derandomize=True, phases=[Phase.generate])


# --- the choices of each kind of rule are exactly the rule --------------------------------

FIELDS = "ABCD"
VALUES: list[object] = ["x", "y", True, 1]
NAMES = st.sampled_from(FIELDS)
SOME_VALUES = st.sampled_from(VALUES)
NOT_SENT = object()
#: Every object over the fields: each absent or sent with one of the values.
OBJECTS = [
    {name: value for name, value in zip(FIELDS, values, strict=True) if value is not NOT_SENT}
    for values in itertools.product([NOT_SENT, *VALUES], repeat=len(FIELDS))
]


def rules_over(names: st.SearchStrategy[str]) -> st.SearchStrategy[Rule]:
    """Rules of every kind of mdesrules.combinators over the field *names*."""
    some_names = st.lists(names, min_size=1, max_size=3, unique=True).map(tuple)
    conditions: st.SearchStrategy[Condition] = st.one_of(
        names.map(present), names.map(absent), st.builds(equals, names, SOME_VALUES)
    )
    plain_rules: st.SearchStrategy[Rule] = st.one_of(
        st.lists(some_names, min_size=1, max_size=3).map(lambda alts: exactly_one_of(*alts)),
        some_names.map(lambda names: at_least_one_of(*names)),
        some_names.map(lambda names: at_most_one_of(*names)),
        st.builds(lambda n, others: forbids(n, *others), names, some_names),
        st.builds(lambda n, others: requires(n, *others), names, some_names),
        st.builds(lambda names: expects(*names, severity="error"), some_names),
        some_names.map(lambda names: expects(*names)),
        st.builds(
            lambda n, f, v, others: only_when(n, f, v, *others),
            names,
            names,
            SOME_VALUES,
            st.lists(SOME_VALUES, max_size=3),
        ),
    )
    return st.recursive(
        plain_rules,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda rs: all_of(*rs)),
            st.builds(lambda c, rs: when(c, *rs), conditions, st.lists(inner, max_size=3)),
        ),
        max_leaves=6,
    )


rules = rules_over(NAMES)

#: Fields of nested objects, by path, for the rules that reach them.
PATHS = ["A", "N/P", "N/Q", "N/R", "N/R/S"]
#: Every object over them: each member absent, a value, or (N and N/R) an object; N/R/S
#: and N/P also under a value that is no object, where a reaching rule finds nothing.
NESTED_OBJECTS: list[dict[str, Any]] = [
    {name: value for name, value in (("A", a), ("N", n)) if value is not NOT_SENT}
    for a in (NOT_SENT, "x", True)
    for n in (
        NOT_SENT,
        "x",
        *(
            {name: v for name, v in (("P", p), ("Q", q), ("R", r)) if v is not NOT_SENT}
            for p in (NOT_SENT, "x", 1)
            for q in (NOT_SENT, "y")
            for r in (NOT_SENT, "x", {}, {"S": "x"}, {"S": True})
        ),
    )
]
#: Rules that reach nested fields: of every kind, over top-level fields and paths.
reaching_rules = rules_over(st.sampled_from(PATHS)).map(reaching)


def meets(alternative: Alternative, obj: Obj) -> bool:
    return all(
        pin.sent == (name in obj) and (not pin.sent or pin.admits(obj[name]))
        for name, pin in alternative.items()
    )


def meets_all(choices: tuple[Choice, ...], obj: Obj) -> bool:
    return all(any(meets(alt, obj) for alt in choice) for choice in choices)


def passes(rule: Rule, obj: Obj) -> bool:
    found: list[Violation] = []
    rule.check(obj, "", found)
    return not found


@SOME
@given(rule=rules)
def test_an_object_meets_the_choices_of_a_rule_exactly_when_it_passes_the_rule(
    rule: Rule,
) -> None:
    choices = choices_of(rule)
    for obj in OBJECTS:
        assert meets_all(choices, obj) == passes(rule, obj), obj


@SOME
@given(several=st.lists(rules, max_size=4))
def test_the_groups_of_several_rules_are_met_exactly_when_every_rule_passes(
    several: list[Rule],
) -> None:
    try:
        merged = groups(choice for rule in several for choice in choices_of(rule))
    except ValueError:  # no object meets them all
        assert not any(all(passes(rule, obj) for rule in several) for obj in OBJECTS)
        return
    for obj in OBJECTS:
        assert meets_all(merged, obj) == all(passes(rule, obj) for rule in several), obj
    named = [names_of(group) for group in merged]
    assert all(not (a & b) for i, a in enumerate(named) for b in named[i + 1 :])


@SOME
@given(rule=reaching_rules)
def test_an_object_meets_the_choices_of_a_reaching_rule_exactly_when_it_passes_the_rule(
    rule: Rule,
) -> None:
    """The choices name the top-level fields only, with the nested pins inside them, and
    they are exact: nothing a reaching rule allows is left out, nothing it forbids let in."""
    choices = choices_of(rule)
    assert {name for choice in choices for name in names_of(choice)} <= {"A", "N"}
    for obj in NESTED_OBJECTS:
        assert meets_all(choices, obj) == passes(rule, obj), obj


@SOME
@given(
    several=st.lists(st.one_of(reaching_rules, rules_over(st.sampled_from(["A", "N"]))), max_size=4)
)
def test_the_groups_of_rules_reaching_nested_fields_are_met_exactly_when_every_rule_passes(
    several: list[Rule],
) -> None:
    try:
        merged = groups(choice for rule in several for choice in choices_of(rule))
    except ValueError:  # no object meets them all
        assert not any(all(passes(rule, obj) for rule in several) for obj in NESTED_OBJECTS)
        return
    for obj in NESTED_OBJECTS:
        assert meets_all(merged, obj) == all(passes(rule, obj) for rule in several), obj


def inside(*pins: tuple[str, Pin]) -> Pin:
    """The field is sent with an object, and *pins* on the fields nested in it."""
    return Pin(True, inside=pins)


@pytest.mark.parametrize(
    ("a", "b", "met"),
    [
        (SENT, ABSENT, None),
        (ABSENT, ABSENT, ABSENT),
        (SENT, equal_to("x"), equal_to("x")),
        (equal_to("x"), equal_to("y"), None),
        (equal_to(1), equal_to(True), None),
        (other_than("x"), equal_to("x"), None),
        (other_than("x"), equal_to("y"), equal_to("y")),
        (other_than("x"), other_than("y", "x"), other_than("x", "y")),
        (other_than(True), ABSENT, None),
        (SENT, inside(("B", ABSENT)), inside(("B", ABSENT))),
        (ABSENT, inside(("B", ABSENT)), None),
        (inside(("B", SENT)), inside(("C", ABSENT)), inside(("B", SENT), ("C", ABSENT))),
        (inside(("B", SENT)), inside(("B", ABSENT)), None),
        (
            inside(("B", other_than("x"))),
            inside(("B", equal_to("y"))),
            inside(("B", equal_to("y"))),
        ),
        # a path inside another is folded into it
        (inside(("B/C", SENT)), inside(("B", SENT)), inside(("B", inside(("C", SENT))))),
        (inside(("B/C", SENT)), inside(("B", ABSENT)), None),
        (inside(("B/C", ABSENT)), inside(("B", ABSENT)), inside(("B", ABSENT))),
        (inside(("B/C/D", SENT)), inside(("B/C", ABSENT)), None),
        (inside(("B", equal_to("x"))), inside(("B/C", SENT)), None),
        (inside(("B/C", SENT)), inside(("B/D", ABSENT)), inside(("B/C", SENT), ("B/D", ABSENT))),
    ],
)
def test_pins_meet(a: Pin, b: Pin, met: Pin | None) -> None:
    def shown(pin: Pin | None) -> object:
        if pin is None:
            return None
        nested = tuple((path, shown(p)) for path, p in pin.inside)
        return (pin.sent, pin.equals, frozenset(pin.excludes), nested)

    assert shown(a.meet(b)) == shown(b.meet(a)) == shown(met)


def test_pins_of_equal_values_of_other_types_are_other_pins() -> None:
    assert equal_to(1) != equal_to(True)
    assert other_than(1) != other_than(True)
    assert len(both(({"A": SENT},), ({"A": equal_to(1)}, {"A": equal_to(True)}))) == 2


def test_pins_inside_are_kept_sorted_and_folded() -> None:
    pin = inside(("Z", ABSENT), ("B/C", SENT), ("B", SENT), ("B/D/E", ABSENT))
    assert pin == inside(("B", inside(("C", SENT), ("D/E", ABSENT))), ("Z", ABSENT))
    assert inside(("B", ABSENT), ("B/C", ABSENT)) == inside(("B", ABSENT))


def test_pins_inside_that_contradict_or_are_in_an_absent_field_are_refused() -> None:
    with pytest.raises(ValueError, match="contradict"):
        inside(("B", ABSENT), ("B/C", SENT))
    with pytest.raises(ValueError, match="not sent"):
        Pin(False, inside=(("B", SENT),))


@pytest.mark.parametrize(
    ("pin", "value", "admitted"),
    [
        (inside(("B/C", SENT)), {"B": {"C": None}}, True),
        (inside(("B/C", SENT)), {"B": {}}, False),
        (inside(("B/C", SENT)), {"B": "x"}, False),
        (inside(("B/C", SENT)), "x", False),
        (inside(("B/C", ABSENT)), {"B": "x"}, True),
        (inside(("B/C", ABSENT)), {"B": {"C": 1}}, False),
        (inside(("B", equal_to("x"))), {"B": "x"}, True),
        (inside(("B", equal_to("x"))), {"B": "y"}, False),
    ],
)
def test_a_pin_inside_admits_what_a_reaching_rule_finds(
    pin: Pin, value: object, admitted: bool
) -> None:
    assert pin.admits(value) is admitted


def test_nested_pins_go_inside_the_field_that_holds_them() -> None:
    assert nested({"A/B/C": SENT, "D": ABSENT}) == ({"A": inside(("B/C", SENT)), "D": ABSENT},)
    # absent: the object is not sent, or it is sent without the nested field
    assert nested({"A/B": ABSENT}) == ({"A": ABSENT}, {"A": inside(("B", ABSENT))})
    assert nested({"A/B": ABSENT, "A/C": ABSENT}) == (
        {"A": ABSENT},
        {"A": inside(("B", ABSENT), ("C", ABSENT))},
    )
    assert nested({"A/B": SENT, "A": ABSENT}) == ()


# --- an operation made up here, in a registry of its own ----------------------------------


@frozen(kw_only=True)
class Gadget:
    """A nested model with rules of its own."""

    __wire_rules__: ClassVar[tuple[Rule, ...]] = (
        exactly_one_of("Colour", ("Width", "Height")),
        only_when("Finish", "Kind", "GLOSS", "MATT"),
    )

    kind: str | None = field(default=None, metadata=wire(one_of(("GLOSS", "MATT", "SATIN"))))
    finish: str | None = field(default=None, metadata=wire(length(1, 8), printable()))
    colour: str | None = field(default=None, metadata=wire(length(3, 12), no_control()))
    width: str | None = field(default=None, metadata=wire(length(1, 3), digits()))
    height: str | None = field(default=None, metadata=wire(length(1, 3), digits()))


@frozen(kw_only=True)
class MadeUpRequest:
    reference: str = field(metadata=wire(length(4, 16), printable()))
    pan: str | None = field(default=None, metadata=wire(length(9, 19), digits(), luhn()))
    alias: str | None = field(default=None, metadata=wire(length(1, 8), printable()))
    expiry: str | None = field(default=None, metadata=wire(length(4, 4), mmyy()))
    note: str | None = field(default=None, metadata=wire(length(1, 20), no_control()))
    urgent: bool | None = None
    channel: str | None = field(default=None, metadata=wire(one_of(("WEB", "APP", "CALL"))))
    agent: str | None = field(default=None, metadata=wire(length(2, 2), digits()))
    gadget: Gadget | None = None
    gadgets: tuple[Gadget, ...] | None = None


MADE_UP_RULES = (
    exactly_one_of("Pan", ("Alias", "Expiry")),
    at_least_one_of("Note", "Urgent", "Channel"),
    at_most_one_of("Note", "Agent"),
    forbids("Urgent", "Agent"),
    requires("Agent", "Channel"),
    when(equals("Channel", "CALL"), expects("Agent", severity="error")),
    all_of(when(absent("Note"), requires("Gadget", "Gadgets"))),
)


def made_up_registry() -> Registry:
    """A registry of its own with the made-up operation: wrapped PascalCase JSON, and bare
    camelCase JSON (its rules renamed)."""
    registry = Registry()
    for name, wrapper, naming in (
        ("made_up", "MadeUpRequest", identity),
        ("made_up_camel", None, camel),
    ):
        registry.register(
            Operation(
                name=name,
                endpoint="POST /made/up",
                summary="An operation that exists only in this test.",
                request=MadeUpRequest,
                wrapper=wrapper,
                rules=MADE_UP_RULES,
                naming=naming,
            )
        )
    return registry


MADE_UP = made_up_registry()


@pytest.mark.parametrize("operation", MADE_UP.names())
@SOME
@given(data=st.data())
def test_a_made_up_operation_gets_valid_documents_from_its_declaration(
    operation: str, data: st.DataObject
) -> None:
    form = MADE_UP.get(operation).form()
    document = data.draw(valid_documents(operation, registry=MADE_UP))
    assert Report.of_findings(operation, form.checker(document, None)).violations == ()
    assert check_form(form, document, None) == []


@SOME
@given(data=st.data())
def test_a_made_up_operation_gets_valid_models(data: st.DataObject) -> None:
    model = data.draw(valid_models("made_up_camel", registry=MADE_UP))
    assert isinstance(model, MadeUpRequest)


@pytest.mark.parametrize(
    ("where", "sent"),
    [
        ((), {"Pan"}),
        ((), {"Alias", "Expiry"}),
        ((), {"Agent", "Channel"}),
        ((), {"Urgent", "Note"}),
        (("Gadget",), {"Colour"}),
        (("Gadget",), {"Width", "Height"}),
        (("Gadget",), {"Kind", "Finish"}),
    ],
)
def test_every_alternative_of_the_made_up_rules_is_drawn(
    where: tuple[str, ...], sent: set[str]
) -> None:
    def sends(document: dict[str, Any]) -> bool:
        node: Any = document["MadeUpRequest"]
        for name in where:
            node = node.get(name, {})
        return bool(sent <= node.keys())

    find(valid_documents("made_up", registry=MADE_UP), sends, settings=FIRST)


def test_a_value_that_calls_for_a_field_is_drawn_with_it() -> None:
    def calls(document: dict[str, Any]) -> bool:
        return bool(document["MadeUpRequest"].get("Channel") == "CALL")

    found = find(valid_documents("made_up", registry=MADE_UP), calls, settings=FIRST)
    assert "Agent" in found["MadeUpRequest"]


def test_sending_picks_the_alternatives_that_send_it() -> None:
    strategy = valid_documents("made_up", sending=["Alias", "Gadget/Width"], registry=MADE_UP)
    document = find(strategy, lambda _: True, settings=FIRST)["MadeUpRequest"]
    assert {"Alias", "Expiry"} <= document.keys()
    assert "Pan" not in document
    assert {"Width", "Height"} <= document["Gadget"].keys()


def test_fields_no_valid_document_sends_together_are_refused() -> None:
    with pytest.raises(ValueError, match="no valid document sends Alias, Pan together"):
        valid_documents("made_up", sending=["Pan", "Alias"], registry=MADE_UP)


def one_operation(*rules: Rule, request: type = MadeUpRequest) -> Registry:
    registry = Registry()
    registry.register(
        Operation(
            name="op", endpoint="POST /op", summary=".", request=request, wrapper=None, rules=rules
        )
    )
    return registry


def test_rules_that_allow_no_document_are_refused() -> None:
    registry = one_operation(expects("Note", severity="error"), forbids("Reference", "Note"))
    message = "MadeUpRequest: the rules across the fields Note, Reference allow no object"
    with pytest.raises(ValueError, match=message):
        valid_documents("op", registry=registry)
    registry = one_operation(
        expects("Note", "Channel", severity="error"),
        only_when("Note", "Channel", "FAX", "WEB", "APP", "CALL"),
    )
    with pytest.raises(ValueError, match=r"the rules across the fields Channel.* allow no values"):
        valid_documents("op", registry=registry)


def test_an_operation_of_the_library_is_found_in_its_registry_by_default() -> None:
    with pytest.raises(mdesrules.UnknownOperation):
        valid_documents("search", registry=MADE_UP)
    valid_documents("search")


def test_no_second_copy_of_the_rules_is_left() -> None:
    assert not hasattr(mdesrules.testing, "STRUCTURES")


# --- the later CS API versions: rules that reach into EncryptedAccountInformation ---------

LATER = {"2.1.7": MDES_CS_API_2_1_7, "2.2.2": MDES_CS_API_2_2_2}
EAI = "EncryptedAccountInformation"
CURRENT_PAN = f"{EAI}/EncryptedData/CurrentAccount/AccountPan"
NEW_PAN = f"{EAI}/EncryptedData/NewAccount/AccountPan"
#: The operations that find tokens by the PAN inside EncryptedAccountInformation, and the
#: nested PANs each sends.
BY_PAN = {
    "search": (CURRENT_PAN,),
    "token_activate": (CURRENT_PAN,),
    "token_update": (CURRENT_PAN, NEW_PAN),
}
#: In the fast loop: every operation of 2.1.7, and 2.2.2's search (its rules are new; the
#: activation and the update have 2.1.7's).
LATER_BY_PAN = [
    pytest.param(
        name,
        version,
        marks=pytest.mark.slow if version == "2.2.2" and name != "search" else (),
    )
    for version in LATER
    for name in BY_PAN
]


def sends(document: dict[str, Any], path: str) -> bool:
    """Whether the request in *document* sends the field at *path*, as a reaching rule
    finds it."""
    (node,) = document.values()
    for part in path.split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize(("operation", "version"), LATER_BY_PAN)
def test_later_versions_draw_the_pans_inside_encrypted_account_information(
    operation: str, version: str
) -> None:
    """Search, activation and update by the PAN inside ``EncryptedData`` are drawn, and
    every alternative of each exactly-one-of of the operation, nested ones too."""
    registry = LATER[version]
    strategy = valid_documents(operation, registry=registry)
    for path in BY_PAN[operation]:
        find(strategy, lambda document, path=path: sends(document, path), settings=FIRST)
    for rule in registry.get(operation).rules:
        inner = rule.rule if isinstance(rule, Reaching) else rule
        if not isinstance(inner, ExactlyOneOf):
            continue
        for alt in inner.alternatives:

            def takes_it(
                document: dict[str, Any], alt: tuple[str, ...] = alt, rule: ExactlyOneOf = inner
            ) -> bool:
                return {n for n in rule.fields() if sends(document, n)} == set(alt)

            find(strategy, takes_it, settings=FIRST)


@pytest.mark.parametrize(("operation", "version"), LATER_BY_PAN)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_later_versions_send_encrypted_account_information_and_the_pans_when_asked(
    operation: str, version: str, data: st.DataObject
) -> None:
    registry = LATER[version]
    for sending in (EAI, *BY_PAN[operation]):
        document = data.draw(valid_documents(operation, sending=[sending], registry=registry))
        assert sends(document, sending)
        assert mdesrules.check(operation, document, registry=registry).violations == ()


def test_nested_fields_no_valid_document_sends_together_are_refused_by_their_path() -> None:
    with pytest.raises(
        ValueError,
        match=f"no valid document sends {CURRENT_PAN}, TokenUniqueReference together",
    ):
        valid_documents(
            "token_update",
            sending=[CURRENT_PAN, "TokenUniqueReference"],
            registry=MDES_CS_API_2_1_7,
        )


# --- rule kinds of one's own ---------------------------------------------------------------


@frozen(repr=False)
class BothOrNeither:
    a: str
    b: str

    def check(self, obj: Obj, base: str, out: list[Violation]) -> None:
        if (self.a in obj) != (self.b in obj):
            out.append(Violation("requires", base, (base,), f"{self.a} and {self.b} go together"))

    def renamed(self, naming: Any) -> Rule:
        return BothOrNeither(naming(self.a), naming(self.b))

    def fields(self) -> tuple[str, ...]:
        return (self.a, self.b)

    def __repr__(self) -> str:
        return f"{self.a} and {self.b} go together"


@frozen(repr=False)
class Long:
    """A condition of one's own: the field is sent with more than 3 characters."""

    name: str

    def __call__(self, obj: Obj) -> bool:
        value = obj.get(self.name)
        return isinstance(value, str) and len(value) > 3

    def renamed(self, naming: Any) -> Long:
        return Long(naming(self.name))

    def fields(self) -> tuple[str, ...]:
        return (self.name,)

    def __repr__(self) -> str:
        return f"{self.name} is long"


@frozen(repr=False)
class Upper:
    def __call__(self, value: str) -> tuple[str, str] | None:
        return None if value.isupper() else ("bad_format", "must be upper case")

    def __repr__(self) -> str:
        return "upper case"


@frozen(kw_only=True)
class Shouted:
    reference: str = field(metadata=wire(length(2, 6), Upper()))
    a: str | None = field(default=None, metadata=wire(length(1, 5), Upper()))
    b: str | None = field(default=None, metadata=wire(length(1, 5)))


@pytest.fixture
def own_kinds() -> Iterator[None]:
    """Registers the hooks of the kinds above for one test, and takes them away after."""
    hooks: list[tuple[ByKind[Any], type]] = [
        (RULE_CHOICES, BothOrNeither),
        (CONDITION_CHOICES, Long),
        (FIELD_VALUES, Upper),
    ]
    RULE_CHOICES.register(BothOrNeither)(
        lambda rule: (({rule.a: SENT, rule.b: SENT}, {rule.a: ABSENT, rule.b: ABSENT}),)
    )
    # Where the condition fails must be sure (absent); where it holds may be a guess (sent):
    # a document drawn there meets the inner rules whether the condition holds or not.
    CONDITION_CHOICES.register(Long)(lambda c: (({c.name: SENT},), ({c.name: ABSENT},)))
    FIELD_VALUES.register(Upper)(
        lambda rule, strings: evolve(
            strings, draw=lambda lo, hi: st.text("ABCDEFG", min_size=lo, max_size=hi)
        )
    )
    yield
    for hooks_of, kind in hooks:
        hooks_of._hooks.pop(kind)


def test_a_rule_kind_without_choices_is_named_in_a_lookup_error() -> None:
    registry = one_operation(BothOrNeither("Note", "Agent"))
    with pytest.raises(LookupError, match=r"Note and Agent go together.*RULE_CHOICES"):
        valid_documents("op", registry=registry)


def test_a_condition_kind_without_choices_is_named_in_a_lookup_error() -> None:
    registry = one_operation(when(Long("Note"), requires("Note", "Agent")))
    with pytest.raises(LookupError, match=r"Note is long.*CONDITION_CHOICES"):
        valid_documents("op", registry=registry)


def test_a_field_rule_kind_without_values_is_named_in_a_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"upper case.*FIELD_VALUES"):
        string_values([length(1, 3), Upper()])
    with pytest.raises(LookupError, match="FIELD_VALUES"):
        valid_documents("op", registry=one_operation(request=Shouted))


@pytest.mark.usefixtures("own_kinds")
@settings(SOME, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rule_kinds_of_ones_own_bring_their_choices_and_values(data: st.DataObject) -> None:
    registry = one_operation(
        BothOrNeither("A", "B"), when(Long("A"), expects("B")), request=Shouted
    )
    form = registry.get("op").form()
    document = data.draw(valid_documents("op", registry=registry))
    assert check_form(form, document, None) == []
    assert document["Reference"].isupper()
