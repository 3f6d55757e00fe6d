"""The jaffle_floe data product on Airflow: copy this file into your DAGs folder, beside the dbt project.

`floe compile jaffle_floe` writes the artifacts into the project's target folder. A relative path is read
against this file's folder; FLOE_ARTIFACTS, when set, names the artifacts file instead.
"""

import os

from floe_airflow_provider import build_dags_or_import_error

globals().update(
    build_dags_or_import_error(os.environ.get("FLOE_ARTIFACTS", "jaffle_floe/target/compiled_artifacts.json"))
)
