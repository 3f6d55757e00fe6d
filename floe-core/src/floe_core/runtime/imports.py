"""Loading user callables (`module:function`) named in the artifacts."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure


def search_paths(artifacts: CompiledArtifacts | None) -> list[Path]:
    """Where user modules are looked up besides sys.path: the dbt project folder and its parent."""
    if artifacts is None:
        return []
    return [artifacts.project_dir, artifacts.project_dir.parent]


def load_callable(spec: str, paths: Sequence[Path], *, what: str, field: str) -> Callable[..., Any]:
    """Import `module:function`, with `paths` importable only while importing."""
    module_name, _, function_name = spec.partition(":")
    added = [str(p) for p in paths if str(p) not in sys.path]
    sys.path[:0] = added
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (module_name == exc.name or module_name.startswith(f"{exc.name}.")):
            raise RuntimeFailure(
                Problem(
                    f"importing module {module_name!r} of {what} failed: {exc}",
                    field=field,
                    fix=f"install the package {exc.name!r} in the environment running this task",
                )
            ) from exc
        raise RuntimeFailure(
            Problem(
                f"module {module_name!r} of {what} was not found",
                field=field,
                found=spec,
                expected=f"a module in one of {[str(p) for p in paths]} or on sys.path",
                fix="put the module in the dbt project folder (or its parent), or install it as a package",
            )
        ) from None
    except Exception as exc:
        raise RuntimeFailure(
            Problem(
                f"importing module {module_name!r} of {what} raised {type(exc).__name__}: {exc}",
                field=field,
                fix=f"fix the error in {module_name}; the traceback above shows where",
            )
        ) from exc
    finally:
        for path in added:
            if path in sys.path:
                sys.path.remove(path)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise RuntimeFailure(
            Problem(
                f"module {module_name!r} has no function {function_name!r} for {what}",
                file=getattr(module, "__file__", None),
                field=field,
                found=spec,
                fix=f"define `def {function_name}(...)` in {module_name}, or fix the name in floe.yaml",
            )
        )
    return function  # type: ignore[no-any-return]
