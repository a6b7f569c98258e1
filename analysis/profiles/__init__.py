"""Latent profile analysis: which mixes of the commitments customers hold, and what each does.

==============  =================================================================================
fit.py          one Gaussian mixture model (families EEI, VVI, EEE, VVV, EII, VII as mclust
                names them), seeded random starts with a check that the best log-likelihood
                is replicated
compare.py      every family with 1..K profiles: logL, npar, AIC, BIC, SABIC, entropy, smallest
                profile, BLRT
blrt.py         the bootstrap likelihood-ratio test of k - 1 against k profiles
outcomes.py     outcome means by profile corrected for classification error (BCH, the
                pipeline's default; the ML three-step approach, ``method="ml3"``, the
                pipeline's ``--outcome-method ml3``), pairwise differences, the crosstab with
                segments
analyze.py      :func:`latent_profiles`, the whole analysis of construct scores
==============  =================================================================================

The mixture is estimated by scikit-learn's :class:`~sklearn.mixture.GaussianMixture` (BSD),
chosen over StepMix (MIT) because it is the better-kept library (scikit-learn's release and
test process; StepMix itself builds on it), it offers all four covariance structures (StepMix's
continuous measurement models are the diagonal and spherical ones, plus full covariances without
the equal-across-profiles constraint), and its estimators take explicit starting values, which
the replication check and the bootstrap likelihood-ratio test need. The structures it lacks,
mclust's EEI (equal diagonal covariances, Mplus's default LPA) and EII (one spherical variance
for all profiles), are a two-method subclass that pools the variances in the M-step
(:func:`~analysis.profiles.fit.fit_mixture`); its ``'spherical'`` type is mclust's VII. StepMix's other
strength, the bias-adjusted three-step and BCH estimators, is a few lines of linear algebra on
the posterior probabilities (:mod:`~analysis.profiles.outcomes`), checked by recovery.

scikit-learn is imported only when a model is fitted.
"""
