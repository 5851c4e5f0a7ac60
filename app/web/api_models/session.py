"""Signing in (the form a script posts, as a browser does) and ``GET /api/me``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.web.api_models.base import Answer


class SignInForm(BaseModel):
    """The sign-in form's fields (form-encoded, not JSON)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "ann", "password": "correct horse battery", "csrf_token": "IjE4YzRm…"}]})

    username: str
    password: str
    csrf_token: str = Field(description="from GET /login's form (or the X-CSRFToken header instead)")
    next: str | None = Field(None, description="a path to go on to (browsers)")


class SignedIn(Answer):
    model_config = ConfigDict(json_schema_extra={"examples": [{"username": "ann", "roles": ["approver"]}]})

    username: str
    roles: list[str]


class Me(Answer):
    """Who is signed in, their roles, and the CSRF token to send as X-CSRFToken."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"username": "ann", "roles": ["approver", "executor"], "csrf_token": "IjE4YzRm…"}]})

    username: str
    roles: list[str]
    csrf_token: str
