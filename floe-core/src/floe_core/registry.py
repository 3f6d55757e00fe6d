"""Finding orchestrator plugins through the `floe.orchestrators` entry-point group."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from floe_core.errors import PluginIncompatibleError, PluginNotFoundError, Problem
from floe_core.plugin import FLOE_API_VERSION, OrchestratorPlugin

ENTRY_POINT_GROUP = "floe.orchestrators"


@dataclass(frozen=True)
class PluginInfo:
    name: str
    entry_point: str
    distribution: str | None
    version: str | None
    floe_api_version: str | None
    error: str | None = None

    @property
    def compatible(self) -> bool:
        return self.error is None


def _entry_points() -> list[EntryPoint]:
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def api_compatible(required: str) -> bool:
    """A plugin written against API X.Y runs on a floe-core providing X.Z with Z >= Y."""
    try:
        need_major, need_minor = (int(p) for p in required.split(".")[:2])
        have_major, have_minor = (int(p) for p in FLOE_API_VERSION.split(".")[:2])
    except ValueError:
        return False
    return need_major == have_major and need_minor <= have_minor


def list_plugins() -> list[PluginInfo]:
    """Every registered plugin, loaded to read its versions; a broken one is listed with its error."""
    infos = []
    for ep in _entry_points():
        dist = ep.dist.name if ep.dist is not None else None
        try:
            cls = ep.load()
        except Exception as exc:  # an installed but broken plugin must not hide the others
            infos.append(PluginInfo(ep.name, ep.value, dist, None, None, f"cannot import: {exc}"))
            continue
        required = getattr(cls, "floe_api_version", None)
        error = None
        if not (isinstance(cls, type) and issubclass(cls, OrchestratorPlugin)):
            error = "not an OrchestratorPlugin subclass"
        elif not api_compatible(str(required)):
            error = f"needs floe API {required}, this floe-core provides {FLOE_API_VERSION}"
        infos.append(PluginInfo(ep.name, ep.value, dist, getattr(cls, "version", None), required, error))
    return infos


def load_plugin_class(name: str) -> type[OrchestratorPlugin]:
    matches = [ep for ep in _entry_points() if ep.name == name]
    if not matches:
        installed = ", ".join(ep.name for ep in _entry_points()) or "none"
        raise PluginNotFoundError(Problem(
            f"no orchestrator plugin named {name!r} is installed", field="engine", found=name,
            expected=f"one of: {installed}",
            fix=f"install its provider package (e.g. `pip install floe-{name}-provider`)"))
    cls = matches[0].load()
    if not (isinstance(cls, type) and issubclass(cls, OrchestratorPlugin)):
        raise PluginIncompatibleError(Problem(
            f"entry point {matches[0].value!r} is not an OrchestratorPlugin subclass", field="engine", found=name,
            fix="reinstall the provider package; its entry point is broken"))
    if not api_compatible(cls.floe_api_version):
        raise PluginIncompatibleError(Problem(
            f"plugin {name!r} {cls.version} needs floe API {cls.floe_api_version}", field="engine",
            found=cls.floe_api_version, expected=f"{FLOE_API_VERSION.split('.')[0]}.x up to {FLOE_API_VERSION}",
            fix="install matching versions of floe-core and the provider"))
    return cls


def load_plugin(name: str) -> OrchestratorPlugin:
    return load_plugin_class(name)()
