"""Turning Pydantic validation errors into floe Problems a user can act on."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from floe_core.errors import Problem

_FIXES: dict[str, str] = {
    "missing": "add this field",
    "string_pattern_mismatch": "use only the allowed characters shown in `expected`",
    "literal_error": "use one of the allowed values",
    "union_tag_invalid": "set `kind` to one of the allowed kinds",
    "union_tag_not_found": "add a `kind` field",
    "int_parsing": "give a whole number",
    "string_too_long": "shorten it",
    "too_short": "add at least one item",
    "greater_than_equal": "give a larger number",
    "less_than_equal": "give a smaller number",
    "bool_parsing": "give true or false",
    "datetime_from_date_parsing": "give an ISO date or datetime such as 2024-01-01 or 2024-01-01T00:00:00",
    "datetime_parsing": "give an ISO date or datetime such as 2024-01-01 or 2024-01-01T00:00:00",
}


def field_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def problems_from_validation_error(
    exc: ValidationError, file: str | None, fix_hint: str | None = None, root: type[BaseModel] | None = None
) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        expected = None
        fix = _FIXES.get(kind, fix_hint)
        ctx = err.get("ctx") or {}
        if kind == "string_pattern_mismatch":
            expected = f"text matching {ctx.get('pattern')}"
            message = "invalid value"
        elif kind == "literal_error":
            expected = str(ctx.get("expected"))
            message = "invalid value"
        elif kind == "extra_forbidden":
            allowed = _allowed_keys(root, loc[:-1]) if root is not None else None
            message = f"unknown key {loc[-1]!r}"
            fix = "remove it or fix its spelling"
            if allowed:
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                if close:
                    fix = f"did you mean {close[0]!r}? Remove it or fix its spelling"
                expected = "one of " + ", ".join(sorted(allowed))
        found = err.get("input") if kind not in ("missing", "extra_forbidden") else None
        if kind == "extra_forbidden":
            found = None
        problems.append(Problem(message, file=file, field=field_path(loc) or None, found=found,
                                expected=expected, fix=fix))
    return problems


def _allowed_keys(root: type[BaseModel], loc: Sequence[int | str]) -> list[str] | None:
    """The keys a model accepts at `loc`, following nested models and lists (best effort, for hints)."""
    current: object = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            if not args:
                return None
            current = args[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = next(
            (f for name, f in current.model_fields.items() if part in (name, f.alias, f.validation_alias)),
            None,
        )
        if field is None:
            return None
        current = field.annotation
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [str(f.validation_alias or f.alias or name) for name, f in current.model_fields.items()]
    return None


def _unwrap(tp: object) -> object:
    """Strip Optional/Annotated so the model underneath can be inspected."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
            tp = args[0]
            continue
        return tp
