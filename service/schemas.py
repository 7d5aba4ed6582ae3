"""Request and response schemas (marshmallow); the OpenAPI document is generated from them."""
from __future__ import annotations

import datetime as dt

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

STATUSES = ("queued", "running", "done", "partial", "failed")


class IsoDateOrDateTime(fields.Field):
    """An ISO 8601 date (``2020-07-22``) or date-time; kept as the normalised ISO string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid ISO 8601 date or date-time.")
        try:
            if len(value) == 10:
                return dt.date.fromisoformat(value).isoformat()
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            raise ValidationError("Not a valid ISO 8601 date or date-time.") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class DocumentIn(Schema):
    """A document submitted for analysis."""

    text = fields.String(validate=validate.Predicate(
        "strip", error="Text must not be empty or only whitespace."), metadata={
        "description": "The article text; give either text or html"})
    html = fields.String(metadata={
        "description": "A web page: its article text, title, author, site name, language and "
                       "publication date are extracted, and the text is analysed (give text or html)"})
    title = fields.String(allow_none=True, validate=validate.Length(max=2000))
    url = fields.Url(allow_none=True, schemes={"http", "https"}, metadata={
        "description": "The article's address; without text or html, the page is fetched from it "
                       "where the deployment allows (NEWSDESK_FETCH_URLS=1)"})
    published_at = IsoDateOrDateTime(allow_none=True, metadata={
        "type": "string", "description": "ISO 8601 date or date-time of publication"})
    language = fields.String(allow_none=True, validate=validate.Regexp(
        r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", error="Not a BCP 47 language tag such as 'en'."))
    source = fields.String(allow_none=True, validate=validate.Length(max=500))
    metadata = fields.Dict(keys=fields.String(), allow_none=True)
    analyzers = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Run only these analyzers (their requirements are added); default: every "
                       "installed analyzer except the opt-in ones"})
    callback_url = fields.Url(allow_none=True, schemes={"http", "https"}, metadata={
        "description": "Called with the finished document (POST, signed with HMAC-SHA256)"})
    dedupe = fields.Boolean(load_default=False, metadata={
        "description": "Return the existing document when the same text was submitted before"})

    @validates_schema(skip_on_field_errors=False)
    def _text_or_html(self, data, **kwargs):
        if "text" in data and "html" in data:
            raise ValidationError("Give either text or html.", field_name="html")
        if "text" not in data and "html" not in data and not data.get("url"):
            # a url alone asks the service to fetch the page (NEWSDESK_FETCH_URLS)
            raise ValidationError("Missing data for required field.", field_name="text")


class Links(Schema):
    self = fields.String()


class BatchIn(Schema):
    """Several documents in one request; each item is validated on its own."""

    documents = fields.List(fields.Raw(allow_none=True), required=True,  # items are judged one by one
                            validate=validate.Length(min=1))
    analyzers = fields.List(fields.String(), allow_none=True)
    callback_url = fields.Url(allow_none=True, schemes={"http", "https"})
    dedupe = fields.Boolean(load_default=False)


class BatchItemOut(Schema):
    index = fields.Integer()
    id = fields.String(allow_none=True)
    status = fields.String()
    errors = fields.Dict()
    detail = fields.String()


class BatchOut(Schema):
    id = fields.String(required=True)
    status = fields.String()
    submitted_at = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(BatchItemOut))
    links = fields.Nested(Links)


class SearchArgs(Schema):
    """The host's search parameters; the loaded analyzers' facets add theirs (see ``facet_args``)."""

    class Meta:
        unknown = INCLUDE  # facet parameters, checked against the loaded facets by ``facet_args``

    published_from = IsoDateOrDateTime(metadata={"type": "string"})
    published_to = IsoDateOrDateTime(metadata={"type": "string"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String()


def facet_fields(facets: dict) -> dict[str, fields.Field]:
    """One query field per facet parameter (``<name>``, or ``<name>_from``/``_to`` for dates)."""
    out: dict[str, fields.Field] = {}
    for name, declared in sorted(facets.items()):
        f = declared[0]
        if f.kind == "date":
            for end in ("from", "to"):
                out[f"{name}_{end}"] = IsoDateOrDateTime(metadata={"type": "string", "description": f.description})
            continue
        checks = [validate.Length(min=1, max=500)]
        if f.choices:
            checks.append(validate.OneOf(f.choices))
        if f.pattern:
            checks.append(validate.Regexp(f.pattern))
        out[name] = fields.String(validate=checks, metadata={"description": f.description})
    return out


def facet_args(facets: dict, args: dict) -> dict:
    """Load the facet parameters of a search; unknown parameters are errors naming those that exist."""
    schema = Schema.from_dict(facet_fields(facets), name="FacetArgs")()
    host_params = set(SearchArgs().fields)
    extra = {k: v for k, v in args.items() if k not in host_params}
    known = sorted(host_params | set(schema.fields))
    errors = {k: [f"Unknown search parameter. Known parameters: {', '.join(known)}."]
              for k in extra if k not in schema.fields}
    try:
        loaded = schema.load({k: v for k, v in extra.items() if k in schema.fields})
    except ValidationError as exc:
        errors.update(exc.messages)
        loaded = {}
    if errors:
        raise ValidationError(errors)
    return {**{k: v for k, v in args.items() if k in host_params}, **loaded}


class DocumentSummary(Schema):
    id = fields.String()
    status = fields.String()
    title = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    submitted_at = fields.String()
    links = fields.Nested(Links)


class DocumentListOut(Schema):
    documents = fields.List(fields.Nested(DocumentSummary))
    next_cursor = fields.String(allow_none=True)


class FacetValuesArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class FacetValueOut(Schema):
    name = fields.String(metadata={"description": "display name"})
    value = fields.String(metadata={"description": "what to pass as ?<facet>="})
    qualifier = fields.String(allow_none=True, metadata={"description": "value of the qualifying facet"})
    documents = fields.Integer()
    recent = fields.List(fields.String())


class FacetValuesOut(Schema):
    facet = fields.String()
    values = fields.List(fields.Nested(FacetValueOut))


class SubmitOut(Schema):
    id = fields.String(required=True)
    deduplicated = fields.Boolean()
    status = fields.String(validate=validate.OneOf(STATUSES))
    plan = fields.List(fields.String())
    links = fields.Nested(Links)


class SectionOut(Schema):
    status = fields.String(validate=validate.OneOf(("pending", "running", "done", "skipped", "failed")))
    reason = fields.Dict(metadata={"description": "why a section was skipped (a problem object)"})
    worker = fields.String(allow_none=True, metadata={"description": "host:pid running it (while running)"})
    version = fields.String()
    duration_ms = fields.Float()
    result = fields.Dict()
    error = fields.Dict()


class DocumentOut(Schema):
    id = fields.String(required=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    document = fields.Dict()
    plan = fields.List(fields.String())
    analysis = fields.Dict(keys=fields.String(), values=fields.Nested(SectionOut))
    submitted_at = fields.String()
    completed_at = fields.String(allow_none=True)
    links = fields.Nested(Links)


class AnalyzerOut(Schema):
    name = fields.String()
    version = fields.String()
    description = fields.String()
    requires = fields.List(fields.String())
    assigns = fields.String()
    queue = fields.String(allow_none=True)
    time_limit = fields.Float(allow_none=True)
    contract = fields.String()
    opt_in = fields.Boolean(metadata={"description": "Runs only when a request names it."})
    languages = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Languages it supports (primary subtags); null: any. Documents in other "
                       "languages get a skipped section."})
    default_config = fields.Dict()
    plugin = fields.String(allow_none=True)
    plugin_version = fields.String(allow_none=True)
    output_schema = fields.Dict()


class AnalyzersOut(Schema):
    analyzers = fields.List(fields.Nested(AnalyzerOut))
    plugins = fields.List(fields.Dict())
    problems = fields.List(fields.Dict())


class ProblemSchema(Schema):
    """RFC 9457 problem details (extension members are allowed)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict()
    request_id = fields.String()


def schema_to_jsonschema(schema_cls) -> dict:
    """The OpenAPI (JSON Schema) form of a marshmallow schema, nested schemas inlined as $defs."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec("analyzer", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    name = schema_cls.__name__
    spec.components.schema(name, schema=schema_cls)
    schemas = spec.to_dict()["components"]["schemas"]

    def local(node):  # apispec points at #/components/schemas/; here they live in #/$defs/
        if isinstance(node, dict):
            return {k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else local(v))
                    for k, v in node.items()}
        return [local(v) for v in node] if isinstance(node, list) else node

    root = local(dict(schemas.pop(name)))
    if schemas:
        root["$defs"] = local(schemas)
    return root
