"""The bundled instrument library: one YAML file per instrument (``bundled_names()`` lists them)."""
