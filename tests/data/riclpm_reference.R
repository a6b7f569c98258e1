# Reference values for the cross-lagged panel models (tests/test_cross_lagged.py): lavaan fits
# of the random-intercept cross-lagged panel model (RI-CLPM; Hamaker, Kuiper & Grasman 2015,
# the lavaan syntax of their online supplement / https://jeroendmulder.github.io/RI-CLPM/lavaan)
# and the traditional cross-lagged panel model (CLPM) beside it, on scale scores, and the
# multiple-indicator RI-CLPM (Mulder & Hamaker 2021, extension 3) on items.
#
# The numbers are frozen in tests/data/riclpm_reference.json; the suite never re-runs R:
#
#   Rscript tests/data/riclpm_reference.R > tests/data/riclpm_reference.json
#
# Produced with R 4.2.2, lavaan 0.6-14, jsonlite.
#
# Data (written by engagekit's panel simulator, analysis/responses/simulate_panel.py):
#   simulate_panel("five_commitments", n=600, waves=4, seed=19, attrition=0.08, item_stability=0.3,
#                  cross_lagged={"repurchase": {"affective": 0.2},
#                                "affective": {"repurchase": 0.05}},
#                  intercept_drift={"aff_02": 0.25})
#   riclpm_panel.csv: the scale scores (mean of the reverse-keyed items) of affective
#     commitment and repurchase intention at waves 1-4 (blank after a respondent left);
#   riclpm_items.csv: the reverse-keyed items aff_01..aff_03, rep_01, rep_02, rep_03r at
#     waves 1-3.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
here <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("--file=", "", args[grep("--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/data"
}
panel <- read.csv(file.path(here(), "riclpm_panel.csv"))
items <- read.csv(file.path(here(), "riclpm_items.csv"))

FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
        "rmsea.ci.upper", "srmr", "logl", "aic", "bic", "ntotal")
summarise <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(estimates = pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower",
                          "ci.upper", "std.all")],
       std = standardizedSolution(fit)[, c("lhs", "op", "rhs", "est.std", "se", "ci.lower",
                                          "ci.upper")],
       fit = as.list(fitMeasures(fit, FM)))
}

# 1. RI-CLPM on scale scores, four waves (Hamaker et al. 2015; the lavaan() call of the
#    supplement: nothing added by default, intercepts of the observed variables free)
RICLPM <- '
  # between components: the random intercepts
  RI_affective =~ 1*affective_w1 + 1*affective_w2 + 1*affective_w3 + 1*affective_w4
  RI_repurchase =~ 1*repurchase_w1 + 1*repurchase_w2 + 1*repurchase_w3 + 1*repurchase_w4
  # within-person centred variables
  W_affective_w1 =~ 1*affective_w1
  W_affective_w2 =~ 1*affective_w2
  W_affective_w3 =~ 1*affective_w3
  W_affective_w4 =~ 1*affective_w4
  W_repurchase_w1 =~ 1*repurchase_w1
  W_repurchase_w2 =~ 1*repurchase_w2
  W_repurchase_w3 =~ 1*repurchase_w3
  W_repurchase_w4 =~ 1*repurchase_w4
  # lagged effects
  W_affective_w2 + W_repurchase_w2 ~ W_affective_w1 + W_repurchase_w1
  W_affective_w3 + W_repurchase_w3 ~ W_affective_w2 + W_repurchase_w2
  W_affective_w4 + W_repurchase_w4 ~ W_affective_w3 + W_repurchase_w3
  # covariance at wave 1 and of the residuals at later waves
  W_affective_w1 ~~ W_repurchase_w1
  W_affective_w2 ~~ W_repurchase_w2
  W_affective_w3 ~~ W_repurchase_w3
  W_affective_w4 ~~ W_repurchase_w4
  # random intercepts: variances and covariance
  RI_affective ~~ RI_affective
  RI_repurchase ~~ RI_repurchase
  RI_affective ~~ RI_repurchase
  # (residual) variances of the within components
  W_affective_w1 ~~ W_affective_w1
  W_affective_w2 ~~ W_affective_w2
  W_affective_w3 ~~ W_affective_w3
  W_affective_w4 ~~ W_affective_w4
  W_repurchase_w1 ~~ W_repurchase_w1
  W_repurchase_w2 ~~ W_repurchase_w2
  W_repurchase_w3 ~~ W_repurchase_w3
  W_repurchase_w4 ~~ W_repurchase_w4
'
# 2. the CLPM: the same without the random intercepts
CLPM <- gsub("RI_[a-z]+ =~[^\n]*\n", "", RICLPM)
CLPM <- gsub("  RI_[a-z]+ ~~ RI_[a-z]+\n", "", CLPM)

complete <- panel[complete.cases(panel[, -1]), ]
out <- list()
fit_ri <- lavaan(RICLPM, data = complete, meanstructure = TRUE, int.ov.free = TRUE)
fit_cl <- lavaan(CLPM, data = complete, meanstructure = TRUE, int.ov.free = TRUE)
out$riclpm <- summarise(fit_ri)
out$clpm <- summarise(fit_cl)
lrt <- lavTestLRT(fit_ri, fit_cl)
out$lrt <- list(chisq.diff = lrt[["Chisq diff"]][2], df.diff = lrt[["Df diff"]][2],
                pvalue = lrt[["Pr(>Chisq)"]][2])
# the asymptotic covariance of the random-intercept (co)variance estimates (chi-bar-square
# weights are computed from it)
V <- vcov(fit_ri)
ri <- c("RI_affective~~RI_affective", "RI_repurchase~~RI_repurchase",
        "RI_affective~~RI_repurchase")
out$ri_vcov <- unname(V[ri, ri])

# 3. the same two models with full-information ML on every respondent (attrition)
fit_ri_ml <- lavaan(RICLPM, data = panel, missing = "ML", meanstructure = TRUE,
                    int.ov.free = TRUE)
fit_cl_ml <- lavaan(CLPM, data = panel, missing = "ML", meanstructure = TRUE,
                    int.ov.free = TRUE)
out$riclpm_fiml <- summarise(fit_ri_ml)
out$clpm_fiml <- summarise(fit_cl_ml)

# 4. multiple indicators (Mulder & Hamaker 2021, extension 3): a random intercept per item,
#    within factors per wave with loadings equal over waves, item residual variances free
ind <- list(affective = c("aff_01", "aff_02", "aff_03"),
            repurchase = c("rep_01", "rep_02", "rep_03r"))
lines <- c()
for (c in names(ind)) for (i in ind[[c]])
  lines <- c(lines, sprintf("RI_%s =~ %s", i, paste0("1*", i, "_w", 1:3, collapse = " + ")))
for (c in names(ind)) for (t in 1:3) {
  lab <- paste0("l_", ind[[c]], "*", ind[[c]], "_w", t)
  lab[1] <- paste0("1*", ind[[c]][1], "_w", t)
  lines <- c(lines, sprintf("W_%s_w%d =~ %s", c, t, paste(lab, collapse = " + ")))
}
lines <- c(lines,
  "W_affective_w2 + W_repurchase_w2 ~ W_affective_w1 + W_repurchase_w1",
  "W_affective_w3 + W_repurchase_w3 ~ W_affective_w2 + W_repurchase_w2",
  sprintf("W_affective_w%d ~~ W_repurchase_w%d", 1:3, 1:3),
  sprintf("W_%s_w%d ~~ W_%s_w%d", rep(names(ind), each = 3), 1:3, rep(names(ind), each = 3),
          1:3))
ris <- paste0("RI_", unlist(ind))
for (a in seq_along(ris)) for (b in a:length(ris))
  lines <- c(lines, sprintf("%s ~~ %s", ris[a], ris[b]))
for (v in unlist(lapply(unlist(ind), function(i) paste0(i, "_w", 1:3))))
  lines <- c(lines, sprintf("%s ~~ %s", v, v))
LATENT <- paste(lines, collapse = "\n")
items_complete <- items[complete.cases(items[, -1]), ]
fit_lat <- lavaan(LATENT, data = items_complete, meanstructure = TRUE, int.ov.free = TRUE)
out$latent <- summarise(fit_lat)
out$latent_syntax <- LATENT
out$n <- list(complete = nrow(complete), all = nrow(panel), items = nrow(items_complete))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"))
