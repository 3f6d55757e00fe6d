"""Reading and writing the artifacts file, with errors that say what to fix."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

from pydantic import ValidationError

from floe_core.artifacts.compiled import ARTIFACTS_VERSION, CompiledArtifacts
from floe_core.errors import ArtifactsError, Problem
from floe_core.validation import problems_from_validation_error

_READER_MAJOR, _READER_MINOR, _ = (int(part) for part in ARTIFACTS_VERSION.split("."))


_FLOE_PACKAGES = frozenset({"floe_core", "floe_dagster_provider", "floe_airflow_provider"})


def beside_caller(path: str | os.PathLike[str]) -> Path:
    """`path` made absolute the way the engines load files: against the folder of the file that called floe.

    A DAG file or a Definitions module is parsed by processes whose working directory says nothing about
    where the file lives (a DAG processor, a code server), and a DAG bundle moves the artifacts with the
    file; so `build_dags("compiled_artifacts.json")` means the file beside the caller. With no calling file
    (an interactive session, `python -c`), the working directory.
    """
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    frame = inspect.currentframe()
    while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] in _FLOE_PACKAGES:
        frame = frame.f_back
    caller = frame.f_globals.get("__file__") if frame is not None else None
    base = Path(caller).resolve().parent if isinstance(caller, str) else Path.cwd()
    return (base / path).resolve()


def dump_artifacts(artifacts: CompiledArtifacts) -> str:
    """Canonical JSON: the same artifacts always serialize to the same bytes."""
    return artifacts.model_dump_json(by_alias=True, indent=2) + "\n"


def write_artifacts(artifacts: CompiledArtifacts, path: Path) -> None:
    """Write atomically: a reader (a DAG processor, a code server) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(dump_artifacts(artifacts), encoding="utf-8")
    tmp.replace(path)


def load_artifacts(path: str | Path) -> CompiledArtifacts:
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArtifactsError(
            Problem(
                "compiled artifacts file not found",
                file=shown,
                fix="run `floe compile <project dir>` first, or pass the path it wrote "
                "(default <project>/target/compiled_artifacts.json)",
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactsError(
            Problem(f"cannot read the compiled artifacts file ({exc})", file=shown, fix="check the path")
        ) from None
    return parse_artifacts(text, source=shown).located_at(path)


def parse_artifacts(text: str, source: str = "<artifacts>") -> CompiledArtifacts:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactsError(
            Problem(
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                file=source,
                fix="re-run `floe compile`; the file may be truncated or edited by hand",
            )
        ) from None
    if not isinstance(data, dict):
        raise ArtifactsError(
            Problem(
                "the top level must be a JSON object",
                file=source,
                found=type(data).__name__,
                fix="re-run `floe compile`",
            )
        )
    check_version(data.get("version"), source)
    try:
        return CompiledArtifacts.model_validate(data)
    except ValidationError as exc:
        raise ArtifactsError(problems_from_validation_error(exc, source, fix_hint=_REGENERATE)) from None


_REGENERATE = "re-run `floe compile` with this floe version so the file matches its schema"


def check_version(version: object, source: str) -> None:
    """Same major, and a minor no newer than this reader's: newer minors may carry fields we'd drop."""
    expected = f"{_READER_MAJOR}.x with minor <= {_READER_MINOR}"
    if not isinstance(version, str):
        raise ArtifactsError(
            Problem(
                "the artifacts file has no valid `version`",
                file=source,
                field="version",
                found=version,
                expected=f"a version string like {ARTIFACTS_VERSION!r}",
                fix=_REGENERATE,
            )
        )
    try:
        major, minor, _patch = (int(part) for part in version.split("."))
    except ValueError:
        raise ArtifactsError(
            Problem(
                "`version` is not a semantic version",
                file=source,
                field="version",
                found=version,
                expected="MAJOR.MINOR.PATCH",
                fix=_REGENERATE,
            )
        ) from None
    if major != _READER_MAJOR or minor > _READER_MINOR:
        newer = (major, minor) > (_READER_MAJOR, _READER_MINOR)
        raise ArtifactsError(
            Problem(
                "the artifacts were written by an incompatible floe version",
                file=source,
                field="version",
                found=version,
                expected=expected,
                fix="upgrade floe-core and the provider to a version that reads this format"
                if newer
                else "re-compile the project with this floe version (`floe compile`)",
            )
        )
