# lavaan reference for the path comparison across groups under partial metric invariance
# (tests/test_run_group_partial.py): the two groups of tests/data/longinv_groups.csv (the
# loading of x3 on F1 is 0.9 vs 0.4), the structural model F2 ~ F1, loadings equal across
# groups except F1=~x3 (group.partial, the loading the partial-invariance search releases),
# the path free vs equal across groups and their chi-square difference (anova).
#
# The output is frozen in tests/data/group_paths_partial_reference.json; the tests never run
# R. To re-derive:
#
#   Rscript tests/data/group_paths_partial_reference.R > tests/data/group_paths_partial_reference.json
#
# Produced with R 4.2.2, lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
here <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("--file=", "", args[grep("--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/data"
}
grp <- read.csv(file.path(here(), "longinv_groups.csv"))
M <- "F1 =~ x1 + x2 + x3 + x4\nF2 =~ x5 + x6 + x7 + x8\nF2 ~ F1"
free <- sem(M, data = grp, group = "group", group.equal = "loadings", group.partial = "F1=~x3")
equal <- sem(M, data = grp, group = "group", group.equal = c("loadings", "regressions"),
             group.partial = "F1=~x3")
full <- sem(M, data = grp, group = "group", group.equal = "loadings")
a <- anova(equal, free)
pe <- parameterEstimates(free, standardized = TRUE)
out <- list(
  free = as.list(fitMeasures(free, c("chisq", "df", "npar"))),
  equal = as.list(fitMeasures(equal, c("chisq", "df"))),
  full_metric = as.list(fitMeasures(full, c("chisq", "df"))),
  diff = list(chisq.diff = a[["Chisq diff"]][2], df.diff = a[["Df diff"]][2],
              pvalue = a[["Pr(>Chisq)"]][2]),
  paths = subset(pe, op == "~")[, c("lhs", "rhs", "group", "est", "se", "std.all")],
  loadings_x3 = subset(pe, op == "=~" & rhs == "x3")[, c("group", "est")])
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
