"""Loading floe.yaml with errors that point at the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from floe_core.errors import Problem, SpecError
from floe_core.spec import SPEC_API_VERSION, FloeSpec
from floe_core.validation import problems_from_validation_error


def load_spec(path: Path) -> FloeSpec:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(
            Problem("floe.yaml not found, and its folder holds no dbt_project.yml either", file=shown,
                    fix="name the dbt project folder (floe.yaml is optional there), or create floe.yaml with "
                    "at least `metadata: {name: <product>}`")
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(Problem(f"cannot read floe.yaml ({exc})", file=shown, fix="check the file")) from None
    return parse_spec(text, shown)


def parse_spec(text: str, source: str = "floe.yaml") -> FloeSpec:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            Problem(f"malformed YAML{where}: {problem}", file=source,
                    fix="fix the YAML syntax (indentation, a missing colon, an unclosed quote)")
        ) from None
    if not isinstance(data, dict):
        raise SpecError(
            Problem("the top level must be a mapping", file=source, found=type(data).__name__,
                    fix=f"start the file with `apiVersion: {SPEC_API_VERSION}` and `kind: FloeSpec`")
        )
    try:
        return FloeSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(problems_from_validation_error(exc, source, root=FloeSpec)) from None
