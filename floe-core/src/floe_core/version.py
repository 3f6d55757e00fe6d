"""The floe-core release; also stamped into every compiled artifacts file."""

__version__ = "0.1.0"
