"""The floe error tree.

Every error floe raises on purpose is a `FloeError`, and each also subclasses the builtin a caller would
naturally catch (`ValueError`, `LookupError`), so plain Python handling keeps working. Messages follow one
recipe: what failed, for which object, where (file and field path), what was expected, what was found, and
how to fix it. The parts are kept as attributes so tools can render or assert them without parsing text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely enough to fix it without guessing."""

    message: str
    file: str | None = None
    field: str | None = None
    found: object = None
    expected: str | None = None
    fix: str | None = None

    def render(self) -> str:
        where = ""
        if self.file and self.field:
            where = f"{self.file}: {self.field}: "
        elif self.file:
            where = f"{self.file}: "
        elif self.field:
            where = f"{self.field}: "
        parts = [f"{where}{self.message}"]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {_show(self.found)}")
        text = "; ".join(parts)
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


class FloeError(Exception):
    """Base of every error floe raises on purpose."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].render()
        lines = [f"{len(self.problems)} problems:"]
        lines += [f"  - {p.render()}" for p in self.problems]
        return "\n".join(lines)

    @property
    def file(self) -> str | None:
        return self.problems[0].file

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def found(self) -> object:
        return self.problems[0].found

    @property
    def fix(self) -> str | None:
        return self.problems[0].fix

    def with_file(self, file: str | Path) -> FloeError:
        """The same error, with `file` filled in wherever the problem did not name one."""
        problems = [
            p if p.file else Problem(p.message, str(file), p.field, p.found, p.expected, p.fix)
            for p in self.problems
        ]
        return self._with_problems(problems)

    def _with_problems(self, problems: Sequence[Problem]) -> FloeError:
        """The same kind of error, with other problems (subclasses with more state keep it)."""
        return type(self)(problems)


class InputError(FloeError, ValueError):
    """A user-written input (floe.yaml, a manifest, an artifacts file) is malformed or invalid."""


class SpecError(InputError):
    """floe.yaml does not validate."""


class ManifestError(InputError):
    """The dbt manifest cannot be read (unsupported schema version, malformed nodes)."""


class ArtifactsError(InputError):
    """A compiled artifacts file does not validate or was written by an incompatible floe."""


class GraphError(InputError):
    """The dependency graph is invalid: a cycle, a dangling reference or a duplicate key."""


class SelectorError(InputError):
    """A dbt-style selector is malformed or selects nothing where something is required."""


class CompatibilityError(FloeError, ValueError):
    """The artifacts use features that the chosen engine (at its installed version) cannot run."""


class UnsupportedFeatureError(CompatibilityError):
    """A provider refuses a feature it declares it cannot run. `features` names them as `Capabilities` flags
    do, without `supports_`; the contract suite skips a test only on this error, for a declared gap."""

    def __init__(self, problems: Problem | Sequence[Problem], features: Sequence[str]) -> None:
        self.features: tuple[str, ...] = tuple(features)
        super().__init__(problems)

    @classmethod
    def for_feature(cls, engine: str, engine_version: str, feature: str, field: str | None = None,
                    found: object = None) -> UnsupportedFeatureError:
        return cls(
            Problem(
                f"{engine} {engine_version} cannot run {feature.replace('_', ' ')}",
                field=field,
                found=found,
                fix=f"remove it from floe.yaml or use an engine whose provider supports_{feature}",
            ),
            [feature],
        )

    def _with_problems(self, problems: Sequence[Problem]) -> UnsupportedFeatureError:
        return type(self)(problems, self.features)


class PluginNotFoundError(FloeError, LookupError):
    """No orchestrator plugin is installed under the requested name."""


class PluginIncompatibleError(FloeError, ValueError):
    """An installed plugin needs a floe API version this floe-core does not provide."""


class RuntimeFailure(FloeError, RuntimeError):
    """Work failed while running: dbt is missing, a warehouse file is missing, a query failed."""
