"""floe on Dagster."""
