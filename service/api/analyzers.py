"""``GET /v1/analyzers``: every installed analyzer with its metadata and output schema."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..plugins import describe_analyzers
from ..schemas import AnalyzersOut

blp = Blueprint("analyzers", __name__, url_prefix="/v1/analyzers", description="Installed analyzers")


@blp.route("")
class Analyzers(MethodView):
    @blp.response(200, AnalyzersOut)
    def get(self):
        """List installed analyzers, the plugins that provide them and any plugin problems."""
        host = current_app.extensions["newsdesk"].host
        return {"analyzers": describe_analyzers(host), "plugins": host.plugins, "problems": host.problems}
