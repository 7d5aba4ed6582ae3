"""Analyzer metadata, the ``@analyzer`` decorator and the checks made at registration."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from marshmallow import Schema

from .hookspecs import CONTRACT_VERSION

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Inputs an analyzer may declare besides other analyzers' outputs (``analysis.<name>``).
DOCUMENT_KEYS = frozenset(
    {"document.text", "document.title", "document.url", "document.published_at",
     "document.language", "document.source", "document.metadata", "parse"}
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


def analyzer(name: str, *, version: str, output_schema: type[Schema], requires=(),
             description: str | None = None, default_config: dict | None = None,
             queue: str | None = None, time_limit: float | None = None,
             contract: str = CONTRACT_VERSION, opt_in: bool = False):
    """Decorate ``func(document, context) -> dict`` to make it an :class:`Analyzer`."""

    def wrap(func):
        meta = AnalyzerMeta(
            name=name, version=version, requires=tuple(requires), output_schema=output_schema,
            description=description or (func.__doc__ or "").strip().split("\n")[0],
            default_config=dict(default_config or {}), queue=queue, time_limit=time_limit,
            contract=contract, opt_in=bool(opt_in),
        )
        validate_meta(meta)
        return Analyzer(meta, func)

    return wrap
