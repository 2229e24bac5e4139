"""Presets (TOML) shipped with the package: ``<level>/<name>.toml``."""
