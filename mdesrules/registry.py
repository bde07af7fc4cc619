"""Operations and the registries that list them: one registry per API surface.

An :class:`Operation` ties together everything the library knows about one API call: its
request model (the field declarations), its rules across fields, its token-state rules, its
wire form (wrapper key, naming, XML root), its response model, whether it is read-only and
what the simulated MDES does with it. Each is declared once, in the module of its API surface
(:mod:`mdesrules.apis`); the pre-flight check, the client, the codecs, the WSGI app, the
simulator and the rule catalogue all read the same object.

A :class:`Registry` is one API surface (MDES Customer Service API 2.0.7, the legacy
``api/Update``, the notifications, CyberSource TMS) or a union of several: :data:`REGISTRY`,
the default every entry point uses, holds today's four surfaces.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from attrs import field, fields, frozen

from .combinators import Rule
from .compiler import CompiledCheck, compile_form
from .exceptions import UnknownOperation
from .masking import safe_str, scrub
from .schema import ObjectSpec, identity, object_spec
from .state_rules import StateRule
from .violations import Severity

if TYPE_CHECKING:
    from .account_envelope import Version

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


@frozen(repr=False)
class Operation:
    """One API operation: its request, its rules and its wire form.

    Attributes:
        name: the stable operation name (``token_update``).
        endpoint: method and path, for people (``POST /token/update``).
        summary: one sentence on what the operation does.
        request: the attrs model of the request object, or its dotted name
            (``"mdesrules.models.requests.SearchRequest"``), imported on first use: a
            registry loads the models of an operation only when one of its documents is
            checked. A ``GET`` sends no body: an operation served by the MDES codecs then
            has a request model without members (its document is the empty object ``{}``).
        wrapper: the JSON key that wraps the request, or ``None`` when it is sent bare (or
            not at all: a ``GET``).
        rules: rules across the request's fields, named in PascalCase.
        state_rules: token-state rules, applied when a context is given.
        response: the attrs model of the response object, if any; or its dotted name,
            imported on first use (a program that only checks requests never loads the
            models of the answers).
        response_wrapper: the JSON key that wraps the response (see
            :attr:`json_response_wrapper`), or the XML root of an answer that is bare in
            JSON (the legacy update's).
        naming: the JSON naming of wire names (camelCase for the legacy API).
        xml_root: the DataContract XML root element, for operations with an XML form.
        unknown_severity: the severity of ``unknown_field``: ``"error"`` for requests sent to
            MDES (it would drop a misspelt field silently), ``"warning"`` for notifications
            MDES sends, whose receivers must tolerate fields added later.
        read_only: True when the operation changes nothing at MDES, so that repeating it
            after a failure in flight is safe (the HTTP carrier retries only these).
        effect: what the simulated MDES does with the request, one of the behaviours it
            implements (``"search"``, ``"suspend"``, ``"update"``, ...; see
            :data:`mdesrules.fakes.mdes.engine.EFFECTS`); ``None`` when it serves none. Two
            versions of one operation share their effect.
        account_encryption: the CS API version (``"2.1.7"`` or ``"2.2.2"``) of the
            ``EncryptedAccountInformation`` envelope the request carries, or ``None`` when
            it carries none. Only such operations look for an encrypted form (see
            :func:`mdesrules.check`); the others pay nothing for it.

    .. versionchanged:: Unreleased
       ``account_encryption``.
    """

    name: str
    endpoint: str
    summary: str
    _request: type | str = field(alias="request")
    wrapper: str | None
    rules: tuple[Rule, ...] = ()
    state_rules: tuple[StateRule, ...] = ()
    _response: type | str | None = field(default=None, alias="response")
    response_wrapper: str | None = None
    naming: Naming = identity
    xml_root: str | None = None
    unknown_severity: Severity = "error"
    read_only: bool = False
    effect: str | None = None
    account_encryption: Version | None = None
    _forms: dict[str, Form] = field(factory=dict, init=False, eq=False, repr=False)

    def __repr__(self) -> str:
        # attrs' repr, each field under the name the constructor takes (``request``).
        shown = (f"{a.alias}={getattr(self, a.name)!r}" for a in fields(Operation) if a.repr)
        return f"Operation({', '.join(shown)})"

    @property
    def request(self) -> type:
        """The attrs model of the request (imported when declared by name)."""
        model = self._request
        return _named(model) if isinstance(model, str) else model

    @property
    def response(self) -> type | None:
        """The attrs model of the response object, if any (imported when declared by name)."""
        model = self._response
        return _named(model) if isinstance(model, str) else model

    @property
    def method(self) -> str:
        """The HTTP method (``POST``)."""
        return self.endpoint.split()[0]

    @property
    def path(self) -> str:
        """The HTTP path below the API's base (``/token/update``)."""
        return self.endpoint.split()[1]

    @property
    def json_response_wrapper(self) -> str | None:
        """The key that wraps the JSON answer, or ``None`` when the answer is bare.

        An answer is wrapped as its request is: ``{"SearchResponse": {...}}``; a request
        sent bare with a body has a bare answer (the legacy update's ``{"token": ...}``,
        whose ``response_wrapper`` names its XML root). A GET sends no body, so nothing
        about its request says: its answer is wrapped in ``response_wrapper`` when one is
        declared (``{"SystemStatusResponse": {...}}``).
        """
        if self.wrapper is None and self.method != "GET":
            return None
        return self.response_wrapper

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


def _named(dotted: str) -> type:
    """The class named *dotted* (``"package.module.Class"``), imported now if need be."""
    found = _NAMED.get(dotted)
    if found is None:
        module, _, name = dotted.rpartition(".")
        found = _NAMED[dotted] = getattr(importlib.import_module(module), name)
    return found


_NAMED: dict[str, type] = {}


class Registry:
    """The operations of one API surface by name, with detection of a document's operation.

    Args:
        name: the surface's short name, e.g. ``"mdes-cs-api"``; empty for a scratch registry.
        version: the surface's version, e.g. ``"2.0.7"``; empty when it has none.
        title: the surface for people (``"MDES Customer Service API"``).

    Names, wrapper keys and XML roots are unique within a registry, so that a document names
    one operation only; :meth:`register` refuses a second one.
    """

    def __init__(self, name: str = "", version: str = "", *, title: str = "") -> None:
        self.name = name
        self.version = version
        self.title = title or name
        self._ops: dict[str, Operation] = {}
        self._by_wrapper: dict[str, Operation] = {}
        self._by_xml_root: dict[str, Operation] = {}
        self._bare: list[Operation] = []

    @property
    def key(self) -> str:
        """The surface's name and version, as the command line's ``--api`` takes it."""
        return f"{self.name}-{self.version}" if self.version else self.name

    def register(self, op: Operation) -> Operation:
        """Add *op* and return it.

        Raises:
            ValueError: another operation of this registry has the same name, wrapper key
                or XML root; the message names both.
        """
        clash = self._ops.get(op.name)
        if clash is not None:
            raise ValueError(f"{self._label()} already has an operation named {op.name!r}")
        if op.wrapper is not None and op.wrapper in self._by_wrapper:
            other = self._by_wrapper[op.wrapper].name
            raise ValueError(
                f"{op.name!r} wraps its request in {op.wrapper!r}, which {other!r} of "
                f"{self._label()} already uses: a document would name two operations"
            )
        if op.xml_root is not None and op.xml_root in self._by_xml_root:
            other = self._by_xml_root[op.xml_root].name
            raise ValueError(
                f"{op.name!r} has the XML root {op.xml_root!r}, which {other!r} of "
                f"{self._label()} already uses: a document would name two operations"
            )
        self._ops[op.name] = op
        if op.wrapper is not None:
            self._by_wrapper[op.wrapper] = op
        else:
            self._bare.append(op)
        if op.xml_root is not None:
            self._by_xml_root[op.xml_root] = op
        return op

    def include(self, *others: Registry) -> Registry:
        """Register every operation of *others* here too (the same objects); return self."""
        for other in others:
            for op in other:
                self.register(op)
        return self

    def _label(self) -> str:
        return f"the registry {self.key!r}" if self.key else "the registry"

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

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __repr__(self) -> str:
        return f"<Registry {self.key or '(scratch)'}: {len(self)} operations>"

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


#: The default registry: every operation of today's four API surfaces (filled by
#: :mod:`mdesrules.apis`). Every entry point takes another registry through ``registry=``.
REGISTRY = Registry("default", title="MDES CS API 2.0.7, legacy update, notifications, TMS")
