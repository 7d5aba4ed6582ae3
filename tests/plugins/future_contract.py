"""Fixture plugin whose analyzer is built for plugin contract 3.0, which this host does not speak."""
from marshmallow import Schema, fields

from newsdesk import Analyzer, AnalyzerMeta, hookimpl


class Out(Schema):
    ok = fields.Boolean(required=True)


def _future(document, context):
    return {"ok": True}


# made without the host's decorator (which would refuse it at import), as a newer SDK would make it
future = Analyzer(AnalyzerMeta(name="future", version="1.0", description="From the future.", requires=(),
                               output_schema=Out, contract="3.0"), _future)


@hookimpl
def register_analyzers():
    return [future]
