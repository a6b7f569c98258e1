# lavaan references for the invariance tests (tests/test_sem_longinv.py): longitudinal CFA
# configural/metric/scalar/strict on a three-wave panel (ML and MLR), chi-square differences
# (lavTestLRT), lavTestScore on the longitudinal scalar model and on a two-group metric model
# with one non-invariant loading, and the partial models; HolzingerSwineford1939 by school:
# score tests and the partial scalar/strict models (group.partial x3~1, x7~1, x6~~x6).
#
# The data come from tests/data/longinv_simulate.py (longinv_panel.csv, longinv_groups.csv).
# The output is frozen in tests/data/longinv_reference.json; the tests never run R (a live
# test re-runs this script when Rscript is there). To re-derive:
#
#   Rscript tests/data/longinv_reference.R > tests/data/longinv_reference.json
#
# Produced with R 4.2.2, lavaan 0.6-14, jsonlite.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
here <- function() {
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("--file=", "", args[grep("--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/data"
}
FM <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")
FM_R <- c("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust", "rmsea.robust")

# ---- longitudinal model, written out by hand (marker = first item of each factor at 1 in
# every wave; item residuals correlated across waves; latent means 0, free from wave 2 at
# the scalar level)
items <- list(A = c("a1", "a2", "a3", "a4"), B = c("b1", "b2", "b3"))
waves <- 1:3
v <- function(it, t) paste0(it, "_w", t)
long_model <- function(level, free_nu = character(0)) {
  L <- level %in% c("metric", "scalar", "strict")
  I <- level %in% c("scalar", "strict")
  R <- level == "strict"
  out <- character(0)
  for (f in names(items)) for (t in waves) {
    its <- items[[f]]
    terms <- vapply(seq_along(its), function(i) {
      if (i == 1) paste0("1*", v(its[i], t))
      else if (L) paste0("lam_", its[i], "*", v(its[i], t))
      else paste0("NA*", v(its[i], t))
    }, "")
    out <- c(out, paste0(f, "_w", t, " =~ ", paste(terms, collapse = " + ")))
  }
  for (f in names(items)) for (it in items[[f]]) for (t in waves) {
    x <- v(it, t)
    out <- c(out, if (I && !(x %in% free_nu)) paste0(x, " ~ nu_", it, "*1") else paste0(x, " ~ 1"))
    if (R) out <- c(out, paste0(x, " ~~ th_", it, "*", x))
  }
  for (f in names(items)) for (t in waves)
    out <- c(out, paste0(f, "_w", t, " ~ ", if (I && t > 1) "NA" else "0", "*1"))
  for (f in names(items)) for (it in items[[f]])
    for (s in 1:2) for (t in (s + 1):3) out <- c(out, paste0(v(it, s), " ~~ ", v(it, t)))
  paste(out, collapse = "\n")
}

score_table <- function(fit) {
  ts <- lavTestScore(fit)
  pt <- parTable(fit)
  key <- function(pl) {
    i <- match(pl, pt$plabel)
    paste0(pt$lhs[i], pt$op[i], pt$rhs[i], "|", pt$group[i])
  }
  list(test = list(X2 = ts$test$X2, df = ts$test$df, p.value = ts$test$p.value),
       uni = data.frame(lhs = ts$uni$lhs, rhs = ts$uni$rhs, lhs.par = key(ts$uni$lhs),
                        rhs.par = key(ts$uni$rhs), X2 = ts$uni$X2, df = ts$uni$df,
                        p.value = ts$uni$p.value))
}
lrt <- function(fits) {
  a <- do.call(lavTestLRT, unname(fits))
  data.frame(model = names(fits), chisq.diff = a[["Chisq diff"]], df.diff = a[["Df diff"]],
             pvalue.diff = a[["Pr(>Chisq)"]])
}
out <- list()
panel <- read.csv(file.path(here(), "longinv_panel.csv"))
levels <- c("configural", "metric", "scalar", "strict")
for (est in c("ML", "MLR")) {
  fits <- lapply(levels, function(lv) cfa(long_model(lv), data = panel, estimator = est,
                                          meanstructure = TRUE))
  names(fits) <- levels
  res <- list(fit = lapply(fits, function(f) as.list(fitMeasures(f, if (est == "ML") FM else c(FM, FM_R)))),
              lrt = lrt(fits))
  if (est == "ML") {
    res$syntax <- lapply(levels, long_model)
    res$score_scalar <- score_table(fits$scalar)
    part <- cfa(long_model("scalar", free_nu = "a3_w3"), data = panel, meanstructure = TRUE)
    res$partial_scalar <- list(fit = as.list(fitMeasures(part, FM)),
                               lrt = lrt(list(metric = fits$metric, partial = part)),
                               means = subset(parameterEstimates(part), op == "~1" & lhs %in% c("A_w2", "A_w3", "B_w2", "B_w3"))[, c("lhs", "est", "se", "ci.lower", "ci.upper")])
  }
  out[[paste0("long_", est)]] <- res
}

# ---- two groups, one non-invariant loading (x3 on F1)
grp <- read.csv(file.path(here(), "longinv_groups.csv"))
MG <- "F1 =~ x1 + x2 + x3 + x4\nF2 =~ x5 + x6 + x7 + x8"
metric <- cfa(MG, data = grp, group = "group", group.equal = "loadings")
configural <- cfa(MG, data = grp, group = "group")
partial <- cfa(MG, data = grp, group = "group", group.equal = "loadings", group.partial = "F1=~x3")
scalar_p <- cfa(MG, data = grp, group = "group", group.equal = c("loadings", "intercepts"),
                group.partial = "F1=~x3")
out$groups <- list(
  score_metric = score_table(metric),
  fit = lapply(list(configural = configural, metric = metric, metric_partial = partial,
                    scalar_partial = scalar_p), function(f) as.list(fitMeasures(f, FM))),
  lrt = lrt(list(configural = configural, metric = metric)),
  lrt_partial = lrt(list(configural = configural, metric_partial = partial)),
  means = subset(parameterEstimates(scalar_p), op == "~1" & lhs %in% c("F1", "F2") & group == 2)[, c("lhs", "est", "se", "ci.lower", "ci.upper")]
)
# ---- HolzingerSwineford1939 by school: the partial invariance lavaan users find (intercepts of
# x3 and x7 at the scalar level, then the residual variance of x6 at the strict level)
HS <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
hs <- HolzingerSwineford1939
hs_fit <- function(eq, partial = character(0)) cfa(HS, data = hs, group = "school",
                                                   group.equal = eq, group.partial = partial)
metric <- hs_fit("loadings")
scalar <- hs_fit(c("loadings", "intercepts"))
scalar_p1 <- hs_fit(c("loadings", "intercepts"), "x3~1")
scalar_p <- hs_fit(c("loadings", "intercepts"), c("x3~1", "x7~1"))
strict <- hs_fit(c("loadings", "intercepts", "residuals"), c("x3~1", "x7~1"))
strict_p <- hs_fit(c("loadings", "intercepts", "residuals"), c("x3~1", "x7~1", "x6~~x6"))
out$hs <- list(
  score_scalar = score_table(scalar), score_scalar_p1 = score_table(scalar_p1),
  score_strict = score_table(strict),
  fit = lapply(list(scalar_partial = scalar_p, strict_partial = strict_p),
               function(f) as.list(fitMeasures(f, FM))),
  lrt = lrt(list(metric = metric, scalar_partial = scalar_p, strict_partial = strict_p)))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
