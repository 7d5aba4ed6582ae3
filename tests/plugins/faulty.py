"""Fixture plugin: analyzers that raise, hang, return invalid output, or just count words."""
import time

from marshmallow import Schema, fields

from service import analyzer, hookimpl


class Count(Schema):
    words = fields.Integer(required=True)


@analyzer("wordcount", version="1.0", requires=["document.text"], output_schema=Count)
def wordcount(document, context):
    """Counts whitespace-separated words."""
    return {"words": len(document["text"].split())}


@analyzer("raiser", version="1.0", output_schema=Count)
def raiser(document, context):
    """Always raises."""
    raise RuntimeError("boom from raiser")


@analyzer("sleeper", version="1.0", output_schema=Count, time_limit=0.5)
def sleeper(document, context):
    """Hangs past its time limit."""
    time.sleep(30)
    return {"words": 0}


@analyzer("liar", version="1.0", output_schema=Count)
def liar(document, context):
    """Returns output that breaks its own schema."""
    return {"words": "many"}


@hookimpl
def register_analyzers():
    return [wordcount, raiser, sleeper, liar]


@hookimpl
def analysis_completed(document, results):
    """Record completions in Redis so a test can see the worker called the hook."""
    import redis

    from flask import current_app

    url = current_app.extensions["newsdesk"].settings.redis
    summary = ",".join(f"{n}:{s['status']}" for n, s in sorted(results.items()))
    redis.Redis.from_url(url).set(f"test:completed:{document['id']}", summary, ex=600)
