"""The one base every floe data model inherits."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class FloeModel(BaseModel):
    """Frozen, strict about unknown keys: a typo in an input is an error, never silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# An asset key is a path of safe segments joined by "/". The character set is what survives, unescaped, as a
# Dagster asset-key segment, an Airflow task id and Asset name, a file name and a quoted SQL identifier.
ASSET_KEY_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}){0,7}$"
ASSET_KEY_RE = re.compile(ASSET_KEY_PATTERN)
AssetKey = Annotated[str, StringConstraints(pattern=ASSET_KEY_PATTERN, max_length=250)]

# Names of jobs, schedules, sensors and partition sets become Airflow DAG ids and Dagster definition names.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"
NAME_RE = re.compile(NAME_PATTERN)
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
