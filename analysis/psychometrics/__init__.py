"""Scale evidence on item tables: item statistics, reliability, dimensionality, polychoric correlations, validity, method bias, and ``validate_scales``/``validate_instrument``."""
