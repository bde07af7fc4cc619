"""Operations and the registry that lists them.

An :class:`Operation` ties together everything the library knows about one API call: its
request model (the field declarations), its rules across fields, its token-state rules, its
wire form (wrapper key, naming, XML root) and its response model. Each is declared once in
:mod:`mdesrules.operations`; the pre-flight check, the simulator and the rule catalogue all
read the same object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Literal

from attrs import field, frozen

from .combinators import Rule
from .compiler import CompiledCheck, compile_form
from .exceptions import UnknownOperation
from .masking import safe_str, scrub
from .schema import ObjectSpec, identity, object_spec
from .state_rules import StateRule
from .violations import Severity

__all__ = ["REGISTRY", "Form", "Operation", "Registry"]

Naming = Callable[[str], str]
FormName = Literal["json", "xml"]


@frozen
class Form:
    """One wire form of an operation, ready to check: names resolved for that form.

    Attributes:
        operation: the operation's name.
        envelope: the wrapper key (JSON) or root element (XML), or ``None`` when bare.
        spec: the request object's fields, named for this form.
        rules: the rules across the request's fields, named for this form.
        state_rules: the token-state rules, named for this form.
        unknown: the severity of ``unknown_field``.
    """

    operation: str
    envelope: str | None
    spec: ObjectSpec
    rules: tuple[Rule, ...]
    state_rules: tuple[StateRule, ...]
    unknown: Severity = "error"

    @cached_property
    def checker(self) -> CompiledCheck:
        """The form's rule set compiled into one function (made on first use)."""
        return compile_form(self)


@frozen
class Operation:
    """One API operation: its request, its rules and its wire form.

    Attributes:
        name: the stable operation name (``token_update``).
        endpoint: method and path, for people (``POST /token/update``).
        summary: one sentence on what the operation does.
        request: the attrs model of the request object.
        wrapper: the JSON key that wraps the request, or ``None`` when it is sent bare.
        rules: rules across the request's fields, named in PascalCase.
        state_rules: token-state rules, applied when a context is given.
        response: the attrs model of the response object, if any.
        response_wrapper: the JSON key that wraps the response.
        naming: the JSON naming of wire names (camelCase for the legacy API).
        xml_root: the DataContract XML root element, for operations with an XML form.
        unknown_severity: the severity of ``unknown_field``: ``"error"`` for requests sent to
            MDES (it would drop a misspelt field silently), ``"warning"`` for notifications
            MDES sends, whose receivers must tolerate fields added later.
    """

    name: str
    endpoint: str
    summary: str
    request: type
    wrapper: str | None
    rules: tuple[Rule, ...] = ()
    state_rules: tuple[StateRule, ...] = ()
    response: type | None = None
    response_wrapper: str | None = None
    naming: Naming = identity
    xml_root: str | None = None
    unknown_severity: Severity = "error"
    _forms: dict[str, Form] = field(factory=dict, init=False, eq=False, repr=False)

    @property
    def method(self) -> str:
        """The HTTP method (``POST``)."""
        return self.endpoint.split()[0]

    @property
    def path(self) -> str:
        """The HTTP path below the API's base (``/token/update``)."""
        return self.endpoint.split()[1]

    def form(self, name: FormName = "json") -> Form:
        """The operation's JSON form, or its DataContract XML form (PascalCase, rooted)."""
        cached = self._forms.get(name)
        if cached is not None:
            return cached
        if name == "xml":
            if self.xml_root is None:
                raise UnknownOperation(f"operation {self.name!r} has no XML form")
            naming: Naming = identity
            envelope: str | None = self.xml_root
        else:
            naming, envelope = self.naming, self.wrapper
        built = Form(
            self.name,
            envelope,
            object_spec(self.request, naming),
            tuple(r.renamed(naming) for r in self.rules),
            tuple(r.renamed(naming) for r in self.state_rules),
            self.unknown_severity,
        )
        self._forms[name] = built
        return built


class Registry:
    """The operations by name, with detection of a document's operation."""

    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}
        self._by_wrapper: dict[str, Operation] = {}
        self._by_xml_root: dict[str, Operation] = {}
        self._bare: list[Operation] = []

    def register(self, op: Operation) -> Operation:
        """Add *op*; names, wrappers and XML roots must be unique."""
        if op.name in self._ops:
            raise ValueError(f"operation {op.name!r} is already registered")
        self._ops[op.name] = op
        if op.wrapper is not None:
            self._by_wrapper[op.wrapper] = op
        else:
            self._bare.append(op)
        if op.xml_root is not None:
            self._by_xml_root[op.xml_root] = op
        return op

    def get(self, name: str) -> Operation:
        """The operation called *name*.

        Raises:
            UnknownOperation: no operation has that name; the message lists the known ones.
        """
        try:
            return self._ops[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._ops))
            shown = scrub(safe_str(name))
            raise UnknownOperation(
                f"unknown operation {shown[:40]!r}; known operations: {known}"
            ) from None

    def names(self) -> tuple[str, ...]:
        """Every operation name, in registration order."""
        return tuple(self._ops)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops.values())

    def __len__(self) -> int:
        return len(self._ops)

    def detect(self, document: object) -> Operation | None:
        """The operation of a JSON document, told from its wrapper key, or ``None``.

        A one-key object whose key is a known wrapper is that operation. An object without a
        wrapper is an unwrapped (legacy) operation when its keys are that operation's fields.
        """
        if not isinstance(document, dict) or not document:
            return None
        if len(document) == 1:
            (key,) = document
            op = self._by_wrapper.get(key)
            if op is not None:
                return op
        for op in self._bare:
            names = op.form("json").spec.by_name
            if all(key in names for key in document):
                return op
        wrapped = [self._by_wrapper[k] for k in document if k in self._by_wrapper]
        return wrapped[0] if len(wrapped) == 1 else None

    def detect_xml(self, root: str) -> Operation | None:
        """The operation whose DataContract XML root element is *root*, or ``None``."""
        return self._by_xml_root.get(root)

    def wrappers(self) -> tuple[str, ...]:
        """Every request wrapper key and XML root the registry recognises."""
        return (*self._by_wrapper, *self._by_xml_root)


#: The registry of every operation the library knows (filled by :mod:`mdesrules.operations`).
REGISTRY = Registry()
