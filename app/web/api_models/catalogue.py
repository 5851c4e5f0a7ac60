"""``GET /api/workbench/catalogue``: what the modeler's properties panel offers to choose from."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.web.api_models.base import Answer


class OperatorParameter(Answer):
    name: str
    type: Literal["str", "int", "float", "bool", "any"] = Field(description="the diagram parameter's `type`")
    required: bool
    help: str = Field(description="one line: the Python type, required or the default")


class Operator(Answer):
    name: str = Field(description="as a service task's `spiffworkflow:serviceTaskOperator id` names it")
    help: str = Field(description="the first sentence of the handler's docstring")
    params: list[OperatorParameter]
    any_params: bool = Field(description="takes parameters of any name besides those listed")


class Validator(Answer):
    name: str = Field(description="as a user task's `validator` property names it")
    help: str


class Role(Answer):
    id: str = Field(description="as a lane's `role` property names it")
    label: str = Field(description="in the reader's language")


class TaskFormEntry(Answer):
    key: str = Field(description="the validator or `form` property the inbox has a page for")
    fields: list[str]


class Catalogue(Answer):
    """The handler table, the validators, the roles and the task forms the app knows: the deploy's
    check accepts exactly these."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "operators": [{"name": "headend.send_command", "any_params": False,
                       "help": "Queue one remote-control command to the customer's meter.",
                       "params": [{"name": "validity_minutes", "type": "int", "required": False,
                                   "help": "int, optional (default 30)"}]}],
        "validators": [{"name": "reconnection.on_site", "help": "The on-site reconnection."}],
        "roles": [{"id": "approver", "label": "Approver"}],
        "forms": [{"key": "reconnection.on_site", "fields": ["note", "reconnected_at"]}]}]})

    operators: list[Operator]
    validators: list[Validator]
    roles: list[Role]
    forms: list[TaskFormEntry]
