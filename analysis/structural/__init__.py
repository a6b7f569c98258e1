"""What drives what: structural effects with bootstrap inference, resampling, key-driver analysis, regression on scores, group comparison, latent interaction and power analysis."""
