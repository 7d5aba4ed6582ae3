"""The plugin host: load plugins from the ``newsdesk.analyzers`` entry points, collect analyzers."""
from __future__ import annotations

import importlib
import logging
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from . import defaults, hookspecs
from .analyzers import Analyzer, AnalyzerError, Facet, settings_schema, validate_facet, validate_meta
from .config import Settings, SettingsError

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "newsdesk.analyzers"


@dataclass
class PluginHost:
    """The plugin manager plus what it found: analyzers, plugin listing and problems."""

    pm: pluggy.PluginManager
    analyzers: dict[str, Analyzer] = field(default_factory=dict)
    plugins: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    owner: dict[str, str] = field(default_factory=dict)  # analyzer name -> plugin name
    declared: set[str] = field(default_factory=set)  # every analyzer registered, disabled ones too
    declared_facets: list[Facet] = field(default_factory=list)
    not_loaded: list[str] = field(default_factory=list)  # installed plugins left out: allow-list, blocked, broken

    @property
    def facets(self) -> dict[str, list[Facet]]:
        """Facets by name, of the analyzers that are loaded now."""
        out: dict[str, list[Facet]] = {}
        for f in self.declared_facets:
            if f.analyzer in self.analyzers:
                out.setdefault(f.name, []).append(f)
        return out

    def problem(self, plugin: str, message: str, analyzer: str | None = None) -> None:
        entry = {"plugin": plugin, "message": message}
        if analyzer:
            entry["analyzer"] = analyzer
        self.problems.append(entry)
        log.error("plugin problem: %s", message, extra={"plugin": plugin, "analyzer": analyzer})


def _load_entry_points(host: PluginHost, settings: Settings) -> None:
    seen = set()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        dist = getattr(ep, "dist", None)
        info = {"name": ep.name, "module": ep.value, "version": dist.version if dist else None,
                "distribution": dist.metadata["Name"] if dist else None, "analyzers": [],
                "status": "loaded"}
        if settings.load_plugins is not None and ep.name not in settings.load_plugins:
            host.not_loaded.append(ep.name)
            continue
        if ep.name in settings.block_plugins:
            host.pm.set_blocked(ep.name)
            info["status"] = "blocked"
            host.plugins.append(info)
            host.not_loaded.append(ep.name)
            continue
        try:
            module = ep.load()
            host.pm.register(module, name=ep.name)
        except Exception as exc:  # a broken plugin must not take the service down
            info["status"] = "error"
            info["error"] = f"{type(exc).__name__}: {exc}"
            host.problem(ep.name, f"plugin {ep.name!r} could not be loaded: {info['error']}")
            host.not_loaded.append(ep.name)
            log.debug("%s", traceback.format_exc())
        host.plugins.append(info)
    for module_name in settings.plugin_modules:
        info = {"name": module_name, "module": module_name, "version": None, "distribution": None,
                "analyzers": [], "status": "loaded"}
        try:
            host.pm.register(importlib.import_module(module_name), name=module_name)
        except Exception as exc:
            info["status"] = "error"
            info["error"] = f"{type(exc).__name__}: {exc}"
            host.problem(module_name, f"plugin module {module_name!r} could not be loaded: {info['error']}")
            host.not_loaded.append(module_name)
        host.plugins.append(info)


def collect_analyzers(host: PluginHost, disabled=()) -> None:
    """Call every ``register_analyzers`` implementation and validate what it returns."""
    host.analyzers.clear()
    host.owner.clear()
    host.declared.clear()
    by_name = {p["name"]: p for p in host.plugins}
    for impl in host.pm.hook.register_analyzers.get_hookimpls():
        plugin = impl.plugin_name
        try:
            found = list(impl.function() or [])
        except Exception as exc:
            host.problem(plugin, f"register_analyzers of {plugin!r} raised {type(exc).__name__}: {exc}")
            continue
        for an in found:
            try:
                if not isinstance(an, Analyzer):
                    raise AnalyzerError(f"{an!r} is not an Analyzer (use the @analyzer decorator)")
                validate_meta(an.meta)
                if an.name in host.analyzers:
                    raise AnalyzerError(
                        f"analyzer {an.name!r} is registered by both {host.owner[an.name]!r} and {plugin!r}")
            except AnalyzerError as exc:
                host.problem(plugin, str(exc), getattr(getattr(an, "meta", None), "name", None))
                continue
            host.declared.add(an.name)
            if an.name in disabled:
                continue
            host.analyzers[an.name] = an
            host.owner[an.name] = plugin
            if plugin in by_name:
                by_name[plugin]["analyzers"].append(an.name)
    _drop_unmet(host)


def _drop_unmet(host: PluginHost) -> None:
    """Remove analyzers whose requirements are missing or circular, recording why."""
    changed = True
    while changed:
        changed = False
        for name, an in list(host.analyzers.items()):
            missing = [r for r in an.meta.analyzer_requires if r not in host.analyzers]
            if missing:
                del host.analyzers[name]
                host.problem(host.owner[name], f"analyzer {name!r} requires {', '.join(missing)}, "
                             "which no loaded plugin provides; it is disabled", name)
                changed = True
    # cycles: whatever cannot be ordered
    done: set[str] = set()
    progress = True
    while progress:
        progress = False
        for name, an in host.analyzers.items():
            if name not in done and all(r in done for r in an.meta.analyzer_requires):
                done.add(name)
                progress = True
    for name in [n for n in host.analyzers if n not in done]:
        host.problem(host.owner[name], f"analyzer {name!r} is part of a requirement cycle; it is disabled", name)
        del host.analyzers[name]


def collect_facets(host: PluginHost) -> None:
    """Call every ``register_facets`` implementation; a bad facet is a problem, not a crash."""
    host.declared_facets.clear()
    for impl in host.pm.hook.register_facets.get_hookimpls():
        try:
            found = list(impl.function() or [])
        except Exception as exc:
            host.problem(impl.plugin_name, f"register_facets of {impl.plugin_name!r} raised {type(exc).__name__}: {exc}")
            continue
        for facet in found:
            try:
                validate_facet(facet)
                other = next((f for f in host.declared_facets if f.name == facet.name), None)
                if other and (other.kind, other.qualifier) != (facet.kind, facet.qualifier):
                    raise AnalyzerError(f"facet {facet.name!r} is declared twice with different kinds")
                if facet.kind == "term" and facet.name == "published":
                    raise AnalyzerError("facet 'published' is the publication date: it must be kind='date'")
            except AnalyzerError as exc:
                host.problem(impl.plugin_name, str(exc))
                continue
            host.declared_facets.append(facet)


def check_settings(host: PluginHost, settings: Settings) -> dict[str, dict[str, Any]]:
    """Check every ``NEWSDESK_ANALYZER__<NAME>__<KEY>`` against its analyzer's settings schema.

    Raise :class:`SettingsError` naming each bad variable: an unknown analyzer or key, or a value of
    the wrong type. Return each loaded analyzer's settings (defaults overlaid), its ``context.config``.
    """
    from marshmallow import ValidationError

    errors = []
    for name, values in sorted(settings.analyzer_config.items()):
        if name not in host.declared and host.not_loaded:
            # it may belong to a plugin left out (allow-list, blocked, broken): its own problem says why
            log.warning("settings ignored", extra={"variable": f"NEWSDESK_ANALYZER__{name.upper()}__*",
                                                   "plugins_not_loaded": host.not_loaded})
            continue
        if name not in host.declared:
            errors.append(f"NEWSDESK_ANALYZER__{name.upper()}__*: no installed analyzer is named {name!r} "
                          f"(installed: {', '.join(sorted(host.declared)) or 'none'})")
            continue
        schema = settings_schema(host.analyzers[name].meta) if name in host.analyzers else None
        if schema is None:
            continue  # disabled: its settings are not used
        for key, value in sorted(values.items()):
            var = f"NEWSDESK_ANALYZER__{name.upper()}__{key.upper()}"
            if key not in schema.fields:
                errors.append(f"{var}: analyzer {name!r} has no setting {key!r} "
                              f"(settings: {', '.join(sorted(schema.fields)) or 'none'})")
                continue
            try:
                schema.load({key: value}, partial=True)
            except ValidationError as exc:
                errors.append(f"{var}={value!r}: {'; '.join(exc.messages.get(key, [str(exc.messages)]))}")
    if errors:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(errors))
    return {name: {**an.meta.default_config,
                   **settings_schema(an.meta).load(settings.analyzer_config.get(name, {}), partial=True)}
            for name, an in host.analyzers.items()}


def build_plugin_host(settings: Settings, extra_plugins=(), check: bool = True) -> PluginHost:
    """Make the plugin manager, load entry points (allow-list, blocks), collect analyzers; with
    ``check``, raise :class:`SettingsError` on bad analyzer settings."""
    pm = pluggy.PluginManager("newsdesk")
    pm.add_hookspecs(hookspecs)
    pm.register(defaults, name="newsdesk.defaults")
    host = PluginHost(pm)
    _load_entry_points(host, settings)
    for plugin in extra_plugins:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        host.problem(getattr(exc, "plugin", "?").__class__.__name__, str(exc))
    if settings.trace_plugins:
        pm.trace.root.setwriter(lambda msg: log.debug("%s", msg.rstrip()))
        pm.enable_tracing()
    collect_analyzers(host, settings.disabled_analyzers)
    collect_facets(host)
    if check:
        check_settings(host, settings)  # fail at start-up, naming the variable
    log.info("plugins loaded", extra={"plugins": [p["name"] for p in host.plugins],
                                      "analyzers": sorted(host.analyzers)})
    return host


def run_startup(host: PluginHost, app, role: str) -> None:
    """Call each plugin's ``startup``; a plugin that fails there loses its analyzers, not the process."""
    for impl in host.pm.hook.startup.get_hookimpls():
        kwargs = {k: v for k, v in {"app": app, "role": role}.items() if k in impl.argnames}
        try:
            impl.function(**kwargs)
        except Exception as exc:
            host.problem(impl.plugin_name, f"startup of {impl.plugin_name!r} raised {type(exc).__name__}: {exc}; "
                         "its analyzers are disabled")
            for name in [n for n, owner in host.owner.items() if owner == impl.plugin_name]:
                del host.analyzers[name]
    _drop_unmet(host)


def describe_analyzers(host: PluginHost) -> list[dict[str, Any]]:
    """Metadata of every loaded analyzer, for ``GET /v1/analyzers`` and ``newsdesk plugins``."""
    from .schemas import schema_to_jsonschema

    plugin_info = {p["name"]: p for p in host.plugins}
    out = []
    for name in sorted(host.analyzers):
        meta = host.analyzers[name].meta
        plugin = host.owner.get(name)
        out.append({
            "name": name, "version": meta.version, "description": meta.description,
            "requires": list(meta.requires), "assigns": meta.assigns,
            "queue": meta.queue, "time_limit": meta.time_limit, "contract": meta.contract, "opt_in": meta.opt_in,
            "languages": list(meta.languages) if meta.languages is not None else None,
            "default_config": meta.default_config,
            "config_schema": schema_to_jsonschema(type(settings_schema(meta))),
            "facets": [{"name": f.name, "kind": f.kind, "description": f.description}
                       for f in host.declared_facets if f.analyzer == name],
            "plugin": plugin, "plugin_version": plugin_info.get(plugin, {}).get("version"),
            "output_schema": schema_to_jsonschema(meta.output_schema),
        })
    return out
