"""The ``newsdesk`` command: analyze in-process, serve, worker, up, eval, train, plugins."""
from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from datetime import datetime, timezone

import click

from .config import Settings, SettingsError
from .evaluation import progress

#: gunicorn access lines as JSON, like every other log line (no query strings: they may carry data)
ACCESS_LOG_FORMAT = ('{"ts": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "method": "%(m)s", '
                     '"path": "%(U)s", "status": %(s)s, "duration_ms": %(M)s, "bytes": "%(B)s", '
                     '"request_id": "%({x-request-id}o)s"}')


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _host(settings: Settings):
    """The plugin host; bad analyzer settings end the command with one message naming each variable."""
    from .plugins import build_plugin_host

    try:
        return build_plugin_host(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _checked_settings() -> Settings:
    """Settings of a process about to start a server: checked with the installed analyzers'."""
    settings = _settings()
    logging.disable(logging.ERROR)  # plugin problems are the server's to log
    try:
        _host(settings)
    finally:
        logging.disable(logging.NOTSET)
    return settings


def in_process_pipeline(settings: Settings | None = None):
    from .logging import configure_logging
    from .pipeline import Pipeline
    from .plugins import run_startup

    settings = settings or _settings()
    configure_logging(settings, stream=sys.stderr, level="WARNING")
    host = _host(settings)
    run_startup(host, None, "cli")
    return Pipeline(host, settings)


def analyze_documents(pipeline, items, wanted=None, batch_size=16):
    """Yield one ``GET /v1/documents/{id}``-shaped dict per ``(id, document)``, parsing in batches."""
    from .pipeline import document_body

    names = pipeline.plan(wanted)
    needs_parse = any(pipeline.analyzers[n].meta.needs_parse for n in names)
    batch: list[tuple[str, dict]] = []

    def flush():
        docs = pipeline.parse_many([d.get("text") or "" for _, d in batch], batch_size) if needs_parse \
            else [None] * len(batch)
        for (doc_id, document), parsed in zip(batch, docs):
            now = datetime.now(timezone.utc).isoformat()
            sections = pipeline.run({**document, "id": doc_id}, names, doc=parsed)
            yield document_body(doc_id, document, names, sections, now,
                                datetime.now(timezone.utc).isoformat())
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()


def _lazy(table: dict[str, str], group_name: str):
    """A click group whose commands in ``table`` are imported only when they are run."""

    class Lazy(click.Group):
        def list_commands(self, ctx):
            return sorted(set(super().list_commands(ctx)) | set(table))

        def get_command(self, ctx, name):
            if name not in table:
                return super().get_command(ctx, name)
            module, attr = table[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ImportError as exc:
                raise click.ClickException(f"{group_name} {name} is not available: {exc}") from None

    return Lazy


class _Main(_lazy({"bench": "newsdesk.bench:cli"}, "newsdesk")):
    """The root group: plugins add their commands (``register_commands``) when it is first used."""

    plugins_loaded = False

    def _load_plugins(self):
        if self.plugins_loaded:
            return
        self.plugins_loaded = True
        from .plugins import build_plugin_host

        logging.disable(logging.ERROR)  # problems are reported by the command that runs
        try:
            host = build_plugin_host(_settings(), check=False)  # the command that runs checks them
        finally:
            logging.disable(logging.NOTSET)
        for impl in host.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=self)
            except Exception as exc:  # one plugin's broken command must not take the others down
                click.echo(f"warning: plugin {impl.plugin_name!r} could not add its commands: {exc}", err=True)

    def list_commands(self, ctx):
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        if name in ("eval", "train") or name not in self.commands:
            self._load_plugins()
        return super().get_command(ctx, name)


@click.group(cls=_Main)
def main():
    """Newsdesk: news article analysis service."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--analyzers", "wanted", help="Comma-separated analyzers to run (requirements are added).")
def analyze(paths, wanted):
    """Analyze files or folders in-process and print one JSON document per line.

    Files are plain text (.txt), web pages (.html, .htm, or a page on stdin: the article text
    and metadata are extracted as the API does), JSON or JSON Lines in the API's request format;
    - is stdin."""
    from .documents import read_documents
    from .pipeline import UnknownAnalyzer

    pipeline = in_process_pipeline()
    names = [w.strip() for w in wanted.split(",")] if wanted else None
    try:
        pipeline.plan(names)
        items = list(read_documents(list(paths)))
    except (UnknownAnalyzer, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    for body in progress(analyze_documents(pipeline, items, names), total=len(items), desc="analyze"):
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
def serve(host, port, workers):
    """Run the HTTP API under gunicorn (production WSGI server)."""
    from .metrics import prepare_multiprocess_dir

    _checked_settings()  # fail fast on bad settings
    prepare_multiprocess_dir()  # gunicorn's processes add up their request metrics in this directory
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
                               "--workers", str(workers), "--graceful-timeout", "30",
                               # threads: ?wait=N holds a request open without blocking a process
                               "--worker-class", "newsdesk.server.ProblemWorker", "--threads", "8",
                               "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT,
                               "newsdesk.wsgi:app"])


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args):
    """Run a Celery worker (extra arguments go to ``celery worker``)."""
    settings = _checked_settings()
    concurrency = settings.worker_concurrency or os.cpu_count() or 1
    os.execvp(sys.executable, [sys.executable, "-m", "celery", "-A", "newsdesk.worker", "worker",
                               "--loglevel", settings.log_level, "--concurrency", str(concurrency),
                               "--prefetch-multiplier", str(settings.worker_prefetch), *celery_args])


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def up(host, port):
    """Embedded default: a real Redis (unless NEWSDESK_REDIS_URL is set), a worker and the API."""
    from .embedded import run_embedded

    _checked_settings()
    run_embedded(host, port)


@main.group(name="eval")
def eval_():
    """Score an analyzer against gold data; the last line is one JSON object of figures."""


@main.group()
def train():
    """Train the model an analyzer ships with, reproducibly (fixed seed)."""


@main.group(cls=_lazy({"check": "newsdesk.testing:check"}, "plugins"), invoke_without_command=True)
@click.pass_context
def plugins(ctx):
    """List installed plugins, their analyzers, versions and problems."""
    if ctx.invoked_subcommand:
        return
    from .plugins import describe_analyzers

    logging.disable(logging.ERROR)
    try:
        host = _host(_settings())
    finally:
        logging.disable(logging.NOTSET)
    click.echo(json.dumps({"plugins": host.plugins, "problems": host.problems,
                           "analyzers": [{k: a[k] for k in ("name", "version", "plugin", "requires")}
                                         for a in describe_analyzers(host)]}, indent=2))
    if host.problems:
        sys.exit(1)


@main.group()
def keys():
    """Create, list and revoke API keys (stored hashed in Redis)."""


def _store():
    from .store import Store

    s = _settings()
    return Store.from_url(s.redis, s.key_prefix)


@keys.command("create")
@click.option("--name", required=True, help="Who the key is for.")
@click.option("--scope", "scopes", multiple=True, default=("read",), show_default=True,
              type=click.Choice(["read", "write", "admin"]))
@click.option("--rate-limit", default=0, type=int, help="Requests per minute (0: the deployment default).")
def keys_create(name, scopes, rate_limit):
    """Create a key and print it once."""
    from .auth import new_key

    key_id, token = new_key(_store(), name, list(scopes), rate_limit)
    click.echo(json.dumps({"id": key_id, "key": token, "scopes": list(scopes)}))


@keys.command("list")
def keys_list():
    """List keys (never their secrets)."""
    for rec in _store().list_keys():
        click.echo(json.dumps(rec))


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id):
    """Revoke a key by id."""
    if not _store().delete_key(key_id):
        raise click.ClickException(f"no key {key_id}")
    click.echo(f"revoked {key_id}")


if __name__ == "__main__":
    main()
