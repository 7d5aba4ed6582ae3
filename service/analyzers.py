"""Analyzer metadata, the ``@analyzer`` decorator and the checks made at registration."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple

from marshmallow import Schema, fields

from .hookspecs import CONTRACT_VERSION

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
#: Inputs an analyzer may declare besides other analyzers' outputs (``analysis.<name>``).
DOCUMENT_KEYS = frozenset(
    {"document.text", "document.title", "document.url", "document.published_at",
     "document.language", "document.source", "document.metadata", "document.page", "parse"}
)


class AnalyzerError(ValueError):
    """An analyzer's metadata is invalid (raised at registration, never at run time)."""


@dataclass(frozen=True)
class AnalyzerMeta:
    """What an analyzer declares about itself; frozen at registration."""

    name: str
    version: str
    description: str
    requires: tuple[str, ...]
    output_schema: type[Schema]
    default_config: dict[str, Any] = field(default_factory=dict)
    queue: str | None = None
    time_limit: float | None = None
    contract: str = CONTRACT_VERSION
    opt_in: bool = False  # runs only when a request names it (or a named analyzer requires it)
    config_schema: type[Schema] | None = None  # its settings; None: one field per default_config key
    #: primary language subtags it supports ("en", "de"); None: any. A document in another
    #: (known) language gets a ``skipped`` section instead of a run.
    languages: tuple[str, ...] | None = None

    @property
    def assigns(self) -> str:
        return f"analysis.{self.name}"

    @property
    def analyzer_requires(self) -> tuple[str, ...]:
        """Names of the analyzers whose output this one reads."""
        return tuple(r.split(".", 1)[1] for r in self.requires if r.startswith("analysis."))

    @property
    def needs_parse(self) -> bool:
        return "parse" in self.requires

    def supports(self, language: str | None) -> bool:
        """Whether it runs on a document in ``language`` (an unknown language runs everywhere)."""
        return self.languages is None or not language or language.split("-", 1)[0].lower() in self.languages


@dataclass
class Context:
    """What an analyzer receives besides the document.

    ``doc`` is the shared spaCy parse (``None`` unless the analyzer requires ``parse``),
    ``results`` the outputs of the analyzers it requires, ``config`` its settings.
    """

    doc: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analyzer:
    meta: AnalyzerMeta
    func: Callable[[dict, Context], dict]

    @property
    def name(self) -> str:
        return self.meta.name

    def analyze(self, document: dict, context: Context) -> dict:
        return self.func(document, context)


_FIELD_FOR = {bool: fields.Boolean, int: fields.Integer, float: fields.Float, str: fields.String,
              list: fields.List, dict: fields.Dict}


def settings_schema(meta: AnalyzerMeta) -> Schema:
    """The schema that checks an analyzer's settings: its own, or one typed by ``default_config``."""
    if meta.config_schema is not None:
        return meta.config_schema()
    made = {}
    for key, value in meta.default_config.items():
        kind = _FIELD_FOR.get(type(value), fields.Raw)
        made[key] = kind(fields.Raw()) if kind is fields.List else kind()
    return Schema.from_dict(made, name=f"{meta.name}_config")()


class Term(NamedTuple):
    """One value a result contributes to a facet: ``value``, how to show it, and a qualifier.

    ``qualifier`` is the value of the facet's qualifying facet for the same thing (an entity's type
    for the entity facet), so ``?entity=X&entity_type=person`` finds the person X, not any X."""

    value: str
    display: str | None = None
    qualifier: str | None = None


@dataclass(frozen=True)
class Facet:
    """A search filter an analyzer's result contributes: ``GET /v1/documents?<name>=<value>``.

    ``terms(result)`` returns the result's values: strings or :class:`Term` for ``kind="term"``; one
    ISO date (or ``None``) for ``kind="date"``, searched with ``<name>_from`` and ``<name>_to``.
    ``choices`` or ``pattern`` validate query values; ``normalize`` makes matching case- and
    whitespace-insensitive; ``qualifier`` names another facet that narrows this one (see
    :class:`Term`); ``listed`` offers the values at ``GET /v1/facets/<name>?q=``.
    """

    name: str
    analyzer: str
    terms: Callable[[dict], Iterable[str | Term] | str | None]
    description: str = ""
    kind: str = "term"
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    normalize: bool = False
    qualifier: str | None = None
    listed: bool = False


def validate_facet(facet: Facet) -> None:
    """Raise :class:`AnalyzerError` naming the first problem with ``facet``."""
    if not isinstance(facet, Facet):
        raise AnalyzerError(f"{facet!r} is not a Facet")
    if not NAME_RE.match(facet.name) or facet.name in RESERVED_PARAMETERS:
        raise AnalyzerError(f"facet name {facet.name!r} must be snake_case and not one of "
                            f"{', '.join(sorted(RESERVED_PARAMETERS))}")
    if facet.kind not in ("term", "date"):
        raise AnalyzerError(f"facet {facet.name!r}: kind must be 'term' or 'date'")
    if not callable(facet.terms):
        raise AnalyzerError(f"facet {facet.name!r}: terms must be callable")
    if facet.pattern is not None:
        try:
            re.compile(facet.pattern)
        except re.error as exc:
            raise AnalyzerError(f"facet {facet.name!r}: bad pattern: {exc}") from None


#: Search parameters of the host itself; no facet may take these names.
RESERVED_PARAMETERS = frozenset({"status", "limit", "cursor", "q"})


def validate_meta(meta: AnalyzerMeta) -> None:
    """Raise :class:`AnalyzerError` naming the first problem with ``meta``."""
    if not isinstance(meta.name, str) or not NAME_RE.match(meta.name):
        raise AnalyzerError(f"analyzer name {meta.name!r} must be snake_case without dots")
    if not meta.version:
        raise AnalyzerError(f"analyzer {meta.name!r} has no version")
    if meta.contract.split(".")[0] != CONTRACT_VERSION.split(".")[0]:
        raise AnalyzerError(
            f"analyzer {meta.name!r} is built for plugin contract {meta.contract}, "
            f"this host speaks {CONTRACT_VERSION}"
        )
    if not (isinstance(meta.output_schema, type) and issubclass(meta.output_schema, Schema)):
        raise AnalyzerError(f"analyzer {meta.name!r}: output_schema must be a marshmallow Schema class")
    for req in meta.requires:
        if req not in DOCUMENT_KEYS and not (req.startswith("analysis.") and NAME_RE.match(req[9:])):
            raise AnalyzerError(f"analyzer {meta.name!r}: unknown requirement {req!r}")
    if meta.time_limit is not None and meta.time_limit <= 0:
        raise AnalyzerError(f"analyzer {meta.name!r}: time_limit must be positive")
    if meta.config_schema is not None and not (isinstance(meta.config_schema, type)
                                               and issubclass(meta.config_schema, Schema)):
        raise AnalyzerError(f"analyzer {meta.name!r}: config_schema must be a marshmallow Schema class")
    if meta.languages is not None and (not meta.languages or not all(
            isinstance(code, str) and LANGUAGE_RE.match(code) for code in meta.languages)):
        raise AnalyzerError(f"analyzer {meta.name!r}: languages must be None or primary language "
                            f"subtags such as ('en', 'de'), got {meta.languages!r}")
    schema = settings_schema(meta)
    errors = schema.validate(meta.default_config)
    if errors:
        raise AnalyzerError(f"analyzer {meta.name!r}: default_config fails its config_schema: {errors}")


def analyzer(name: str, *, version: str, output_schema: type[Schema], requires=(),
             description: str | None = None, default_config: dict | None = None,
             queue: str | None = None, time_limit: float | None = None,
             contract: str = CONTRACT_VERSION, opt_in: bool = False,
             config_schema: type[Schema] | None = None, languages: Iterable[str] | None = None):
    """Decorate ``func(document, context) -> dict`` to make it an :class:`Analyzer`."""

    def wrap(func):
        defaults = dict(default_config) if default_config is not None else (
            config_schema().load({}) if config_schema is not None else {})  # the schema's load_defaults
        meta = AnalyzerMeta(
            name=name, version=version, requires=tuple(requires), output_schema=output_schema,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
            default_config=defaults, queue=queue, time_limit=time_limit,
            contract=contract, opt_in=bool(opt_in), config_schema=config_schema,
            languages=None if languages is None else (
                (languages,) if isinstance(languages, str) else tuple(languages)),
        )
        validate_meta(meta)
        return Analyzer(meta, func)

    return wrap
