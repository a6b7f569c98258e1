# Reference values for the test of time-invariant lagged effects in the RI-CLPM
# (tests/test_cross_lagged.py, ``run --cross-lagged A,B --cross-lagged-equal``): the RI-CLPM of
# riclpm_reference.R (Hamaker, Kuiper & Grasman 2015; the lavaan() syntax of their
# supplement) on the scale scores in riclpm_panel.csv (four waves), with each lagged effect
# constrained equal over the waves by a shared label, against the free-lag model: the
# likelihood-ratio test (lavTestLRT), listwise (complete cases) and with full-information ML;
# the same test in the CLPM (no random intercepts: keys listwise_clpm, fiml_clpm).
#
# The numbers are frozen in tests/data/riclpm_equal_reference.json; the suite never re-runs R:
#
#   Rscript tests/data/riclpm_equal_reference.R > tests/data/riclpm_equal_reference.json
#
# Produced with R 4.2.2, lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
here <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("--file=", "", args[grep("--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/data"
}
panel <- read.csv(file.path(here(), "riclpm_panel.csv"))
FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic",
        "ntotal")
riclpm <- function(equal, ri = TRUE) {
  lag <- function(t) {
    lab <- function(o, p) if (equal) sprintf("b_%s_%s*", o, p) else ""
    sprintf("W_%s_w%d ~ %sW_affective_w%d + %sW_repurchase_w%d", c("affective", "repurchase"),
            t, c(lab("affective", "affective"), lab("repurchase", "affective")), t - 1,
            c(lab("affective", "repurchase"), lab("repurchase", "repurchase")), t - 1)
  }
  ris <- if (ri) c(
    "RI_affective =~ 1*affective_w1 + 1*affective_w2 + 1*affective_w3 + 1*affective_w4",
    "RI_repurchase =~ 1*repurchase_w1 + 1*repurchase_w2 + 1*repurchase_w3 + 1*repurchase_w4"
    ) else character(0)
  ri_cov <- if (ri) c("RI_affective ~~ RI_affective", "RI_repurchase ~~ RI_repurchase",
                      "RI_affective ~~ RI_repurchase") else character(0)
  paste(c(
    ris,
    sprintf("W_affective_w%d =~ 1*affective_w%d", 1:4, 1:4),
    sprintf("W_repurchase_w%d =~ 1*repurchase_w%d", 1:4, 1:4),
    unlist(lapply(2:4, lag)),
    sprintf("W_affective_w%d ~~ W_repurchase_w%d", 1:4, 1:4),
    ri_cov,
    sprintf("W_affective_w%d ~~ W_affective_w%d", 1:4, 1:4),
    sprintf("W_repurchase_w%d ~~ W_repurchase_w%d", 1:4, 1:4)), collapse = "\n")
}
complete <- panel[complete.cases(panel[, -1]), ]
out <- list(syntax_equal = riclpm(TRUE))
for (m in c("listwise", "fiml")) {
  d <- if (m == "listwise") complete else panel
  miss <- if (m == "listwise") "listwise" else "ML"
  free <- lavaan(riclpm(FALSE), data = d, missing = miss, meanstructure = TRUE,
                 int.ov.free = TRUE)
  equal <- lavaan(riclpm(TRUE), data = d, missing = miss, meanstructure = TRUE,
                  int.ov.free = TRUE)
  lrt <- lavTestLRT(free, equal)
  pe <- parameterEstimates(equal, standardized = TRUE)
  out[[m]] <- list(
    free = as.list(fitMeasures(free, FM)), equal = as.list(fitMeasures(equal, FM)),
    lrt = list(chisq.diff = lrt[["Chisq diff"]][2], df.diff = lrt[["Df diff"]][2],
               pvalue = lrt[["Pr(>Chisq)"]][2]),
    lagged = subset(pe, op == "~")[, c("lhs", "rhs", "label", "est", "se", "pvalue",
                                       "ci.lower", "ci.upper", "std.all")])
  # the same test in the CLPM (the model without random intercepts)
  free <- lavaan(riclpm(FALSE, ri = FALSE), data = d, missing = miss, meanstructure = TRUE,
                 int.ov.free = TRUE)
  equal <- lavaan(riclpm(TRUE, ri = FALSE), data = d, missing = miss, meanstructure = TRUE,
                  int.ov.free = TRUE)
  lrt <- lavTestLRT(free, equal)
  pe <- parameterEstimates(equal, standardized = TRUE)
  out[[paste0(m, "_clpm")]] <- list(
    free = as.list(fitMeasures(free, FM)), equal = as.list(fitMeasures(equal, FM)),
    lrt = list(chisq.diff = lrt[["Chisq diff"]][2], df.diff = lrt[["Df diff"]][2],
               pvalue = lrt[["Pr(>Chisq)"]][2]),
    lagged = subset(pe, op == "~")[, c("lhs", "rhs", "label", "est", "se", "pvalue",
                                       "ci.lower", "ci.upper", "std.all")])
}
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
