# The R/lavaan counterpart of engagekit's validate_instrument() (bench/bench_validation.py).
#
# Usage: Rscript bench/r/validation.R DATA.csv MODEL.lav HTMT_BOOT PARALLEL_ITER OUT.json
#
# DATA.csv holds the reverse-keyed item responses (one column per item); MODEL.lav the CFA in
# lavaan syntax (one "factor =~ items" line per construct). The same steps as
# analysis.validation.validate_scales, in its order, each timed with proc.time() (elapsed):
#   items        psych::describe + response distributions (table per item)
#   reliability  psych::alpha per construct (alpha, item-rest r, alpha if deleted) + Feldt CI
#   cfa          lavaan::cfa (ML) + fitMeasures + semTools::compRelSEM (omega) + AVE
#   dimensionality  psych::KMO, cortest.bartlett, fa.parallel(n.iter, fa = "both"),
#                fa(nfactors = #constructs, fm = "minres", rotate = "oblimin")
#   modindices   lavaan::modindices(sort. = TRUE), top 10
#   validity     Fornell-Larcker (lavInspect cor.lv), semTools::htmt (HTMT and HTMT2) and,
#                when HTMT_BOOT > 0, HTMT_BOOT row resamples of both (percentile CIs);
#                cross-loadings (items x construct means)
#   method_bias  Harman (first eigenvalue / p), full-collinearity VIFs (lm), ULMC model
#                (method factor on all items, orthogonal, std.lv = TRUE)
# The CSV read is timed separately ("read"). psych's fa.parallel always resamples the data in
# addition to simulating normal data (engagekit simulates only); mc.cores = 1 keeps it in one
# process like engagekit's validation.
suppressPackageStartupMessages({
  library(lavaan); library(semTools); library(psych); library(jsonlite)
})
options(mc.cores = 1)
args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]; model_file <- args[2]
htmt_boot <- as.integer(args[3]); parallel_iter <- as.integer(args[4]); out <- args[5]
set.seed(20150401)

t_read <- system.time(d <- read.csv(csv))[["elapsed"]]
model <- paste(readLines(model_file), collapse = "\n")
lines <- strsplit(model, "\n")[[1]]
constructs <- lapply(lines, function(l) trimws(strsplit(strsplit(l, "=~")[[1]][2], "\\+")[[1]]))
names(constructs) <- trimws(sapply(strsplit(lines, "=~"), `[`, 1))
items <- unlist(constructs)
d <- d[, items]
n <- nrow(d); p <- length(items)

timings <- list()
step <- function(name, expr) {
  t0 <- proc.time()[["elapsed"]]
  value <- force(expr)
  timings[[name]] <<- proc.time()[["elapsed"]] - t0
  invisible(value)
}
t_start <- proc.time()[["elapsed"]]

step("items", {
  desc <- psych::describe(d)
  dist <- lapply(d, table)
})
step("reliability", {
  rel <- lapply(constructs, function(it) {
    a <- psych::alpha(d[, it], check.keys = FALSE, warnings = FALSE)
    list(alpha = a$total$raw_alpha, r.drop = a$item.stats$r.drop,
         alpha.drop = a$alpha.drop$raw_alpha,
         ci = psych::alpha.ci(a$total$raw_alpha, n.obs = n, n.var = length(it), digits = 4))
  })
})
step("cfa", {
  fit <- cfa(model, data = d)
  fm <- fitMeasures(fit)
  omega <- compRelSEM(fit)
  ave <- AVE(fit)
})
step("dimensionality", {
  k <- KMO(d)
  b <- cortest.bartlett(cor(d), n = n)
  pa <- fa.parallel(d, n.iter = parallel_iter, fa = "both", plot = FALSE)
  efa <- fa(d, nfactors = length(constructs), fm = "minres", rotate = "oblimin")
})
step("modindices", {
  mi <- head(modindices(fit, sort. = TRUE), 10)
})
step("validity", {
  fl <- lavInspect(fit, "cor.lv")
  h1 <- htmt(model, data = d, htmt2 = FALSE)
  h2 <- htmt(model, data = d, htmt2 = TRUE)
  if (htmt_boot > 0) {
    lo <- lower.tri(h1)
    boots <- replicate(htmt_boot, {
      idx <- sample.int(n, n, replace = TRUE)
      db <- d[idx, ]
      c(htmt(model, data = db, htmt2 = FALSE)[lo], htmt(model, data = db, htmt2 = TRUE)[lo])
    })
    ci <- apply(boots, 1, quantile, probs = c(.05, .95))
  }
  scores <- sapply(constructs, function(it) rowMeans(d[, it]))
  cross <- cor(d, scores)
})
step("method_bias", {
  harman <- eigen(cor(d), symmetric = TRUE, only.values = TRUE)$values[1] / p
  sc <- as.data.frame(scores)
  vif <- sapply(names(sc), function(v) {
    r2 <- summary(lm(reformulate(setdiff(names(sc), v), v), data = sc))$r.squared
    1 / (1 - r2)
  })
  ulmc <- paste(c(model, paste("ulmc_method =~", paste(items, collapse = " + ")),
                  paste0("ulmc_method ~~ 0*", names(constructs))), collapse = "\n")
  fit_m <- cfa(ulmc, data = d, std.lv = TRUE)
  fm_m <- fitMeasures(fit_m, c("chisq", "df", "cfi", "rmsea", "srmr"))
})
t_work <- proc.time()[["elapsed"]] - t_start

res <- list(n = n, p = p, read = t_read, work = t_work, wall = t_read + t_work,
            steps = timings, htmt_boot = htmt_boot, parallel_iter = parallel_iter,
            cfa = list(chisq = unname(fm[["chisq"]]), df = unname(fm[["df"]]),
                       cfi = unname(fm[["cfi"]]), rmsea = unname(fm[["rmsea"]]),
                       srmr = unname(fm[["srmr"]])),
            lavaan = as.character(packageVersion("lavaan")),
            semTools = as.character(packageVersion("semTools")),
            psych = as.character(packageVersion("psych")), R = R.version.string)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA), out)
