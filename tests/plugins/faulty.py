"""Fixture plugin: analyzers that raise, hang, return invalid output, or just count words."""
import time

from marshmallow import Schema, fields

from newsdesk import analyzer, hookimpl


class Count(Schema):
    words = fields.Integer(required=True)


@analyzer("wordcount", version="1.0", requires=["document.text"], output_schema=Count)
def wordcount(document, context):
    """Counts whitespace-separated words."""
    return {"words": len(document["text"].split())}


@analyzer("raiser", version="1.0", output_schema=Count, opt_in=True)
def raiser(document, context):
    """Always raises."""
    raise RuntimeError("boom from raiser")


@analyzer("sleeper", version="1.0", output_schema=Count, time_limit=0.5, opt_in=True)
def sleeper(document, context):
    """Hangs past its time limit."""
    time.sleep(30)
    return {"words": 0}


@analyzer("liar", version="1.0", output_schema=Count, opt_in=True)
def liar(document, context):
    """Returns output that breaks its own schema."""
    return {"words": "many"}


@hookimpl
def register_analyzers():
    return [wordcount, raiser, sleeper, liar, napper, hog]


@hookimpl
def analysis_completed(document, results):
    """Record completions in Redis so a test can see the worker called the hook."""
    from flask import current_app

    summary = ",".join(f"{n}:{s['status']}" for n, s in sorted(results.items()))
    client = current_app.extensions["newsdesk"].store.r  # a single Redis or a cluster
    client.set(f"test:completed:{document['id']}", summary, ex=600)
    client.incr(f"test:completions:{document['id']}")


@analyzer("napper", version="1.0", output_schema=Count, time_limit=60, default_config={"seconds": 0.0},
          opt_in=True)
def napper(document, context):
    """Sleeps ``seconds`` (a setting), so a test can kill the worker mid-document."""
    time.sleep(float(context.config["seconds"]))
    return {"words": len(document["text"].split())}


@analyzer("hog", version="1.0", output_schema=Count, opt_in=True)
def hog(document, context):
    """Tries to take 64 GiB of memory."""
    block = bytearray(64 * 1024**3)
    return {"words": len(block)}
