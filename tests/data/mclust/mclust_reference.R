# Reference log-likelihoods and BICs of R's mclust for tests/test_profiles_mclust.py.
# Run from the repository root:  Rscript tests/data/mclust/mclust_reference.R [OUT_DIR]
# Writes OUT_DIR/faithful.csv and iris.csv (R's data sets, as the test reads them) and
# OUT_DIR/mclust_reference.json (OUT_DIR defaults to tests/data/mclust, where they are frozen;
# tests/test_profiles_mclust.py re-runs it into a temporary directory when R is installed).
#
# Each model is fitted by mclust's EM with a tight tolerance from its default hierarchical
# start and from 20 random hierarchical starts (hcRandomPairs, seeds 1..20); the best
# log-likelihood is kept (mclust's default start alone can stop at a local maximum).
suppressPackageStartupMessages({library(mclust); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[1] else "tests/data/mclust"
data_sets <- list(faithful = faithful, iris = iris[, 1:4])
models <- c("EEI", "VVI", "EEE", "VVV", "EII", "VII")
ctrl <- emControl(tol = c(1e-12, sqrt(.Machine$double.eps)), itmax = c(1e5, 1e5))
ref <- list(R = R.version.string, mclust = as.character(packageVersion("mclust")),
            call = paste("best of Mclust(x, G = g, modelNames = m, control = ctrl) and",
                         "Mclust(x, G = g, modelNames = m, control = ctrl,",
                         "initialization = list(hcPairs = hcRandomPairs(x, seed = s))),",
                         "s = 1..20; ctrl = emControl(tol = c(1e-12, sqrt(eps)))"),
            fits = list())
for (name in names(data_sets)) {
  x <- data_sets[[name]]
  write.csv(x, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE)
  for (m in models) for (g in 1:4) {
    best <- Mclust(x, G = g, modelNames = m, control = ctrl, verbose = FALSE)
    for (s in 1:20) {
      fit <- Mclust(x, G = g, modelNames = m, control = ctrl, verbose = FALSE,
                    initialization = list(hcPairs = hcRandomPairs(x, seed = s)))
      if (!is.null(fit) && (is.null(best) || fit$loglik > best$loglik)) best <- fit
    }
    if (is.null(best)) next
    ref$fits[[length(ref$fits) + 1]] <- list(data = name, model = m, G = g,
                                              loglik = best$loglik, bic = best$bic,
                                              df = best$df, n = best$n)
  }
}
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(out_dir, "mclust_reference.json"))
