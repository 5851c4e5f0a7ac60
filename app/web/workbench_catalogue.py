"""``GET /api/workbench/catalogue``: the operators (with their parameters and a line of help), the
validators, the roles and the task forms the modeler's properties panel and its browser lint offer.
They come from the same tables the deploy checks against, so a choice offered is a choice accepted."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.accounts.roles import ROLES
from app.runtime.engine.lanes import SYSTEM_LANE_ROLE
from app.usecases.operator_catalogue import Entry, Parameter, operators, validators
from app.web.api_models.catalogue import Catalogue
from app.web.api_operation import Reply, operation
from app.web.auth import requires
from app.web.current import services
from app.web.i18n import role_label
from app.web.task_form_registry import FORMS

api = Blueprint("workbench_catalogue", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(api)


@api.get("/api/workbench/catalogue")
@requires()
@operation("What the modeler offers: operators with their parameters, validators, roles, task forms "
           "(everyone signed in)", replies={200: Reply("the catalogue", Catalogue)})
def catalogue() -> ResponseReturnValue:
    runtime = services().runtime
    return jsonify({
        "operators": [_operator(entry) for entry in operators(runtime.handlers)],
        "validators": [{"name": entry.name, "help": entry.help} for entry in validators(runtime.validators)],
        "roles": [{"id": role, "label": role_label(role)} for role in (*ROLES, SYSTEM_LANE_ROLE)],
        "forms": [{"key": key, "fields": sorted(form.fields)} for key, form in sorted(FORMS.items())],
    })


def _operator(entry: Entry) -> dict[str, Any]:
    return {"name": entry.name, "help": entry.help, "any_params": entry.any_params,
            "params": [{"name": p.name, "type": p.type, "required": p.required, "help": _parameter_help(p)}
                       for p in entry.params]}


def _parameter_help(parameter: Parameter) -> str:
    if parameter.required:
        return _("{type}, required").format(type=parameter.annotation)
    return _("{type}, optional (default {default})").format(type=parameter.annotation, default=parameter.default)
