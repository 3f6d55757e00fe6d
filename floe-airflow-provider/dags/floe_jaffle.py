"""The jaffle_floe data product on Airflow: copy this file into your DAGs folder.

`floe compile examples/jaffle_floe` writes the artifacts; point FLOE_ARTIFACTS at them (or edit the path).
"""

import os

from floe_airflow_provider import build_dags_or_import_error

globals().update(
    build_dags_or_import_error(os.environ.get("FLOE_ARTIFACTS", "/opt/floe/jaffle_floe/target/compiled_artifacts.json"))
)
