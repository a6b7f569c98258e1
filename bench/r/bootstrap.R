# lavaan's nonparametric bootstrap of a structural model (bench/bench_bootstrap.py).
#
# Usage: Rscript bench/r/bootstrap.R DATA.csv MODEL.lav N_BOOT NCPUS OUT.json
#
# Fits sem(MODEL, se = "bootstrap", bootstrap = N_BOOT) on DATA.csv (ML, lavaan defaults) with
# parallel = "multicore" on NCPUS processes when NCPUS > 1 (else serial), then
# parameterEstimates(boot.ci.type = "perc"). MODEL may define indirect and total effects with
# ":=" so that lavaan bootstraps them too. The time of the fit and the estimates table is
# taken with proc.time() (elapsed) inside R, excluding the CSV read ("read").
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]; model <- paste(readLines(args[2]), collapse = "\n")
n_boot <- as.integer(args[3]); ncpus <- as.integer(args[4]); out <- args[5]

t_read <- system.time(d <- read.csv(csv))[["elapsed"]]
t0 <- proc.time()[["elapsed"]]
fit <- sem(model, data = d, se = "bootstrap", bootstrap = n_boot,
           parallel = if (ncpus > 1) "multicore" else "no", ncpus = ncpus, iseed = 20150401)
pe <- parameterEstimates(fit, boot.ci.type = "perc", standardized = TRUE)
t_work <- proc.time()[["elapsed"]] - t0
boot <- lavInspect(fit, "boot")
res <- list(n = nrow(d), n_boot = n_boot, ncpus = ncpus, read = t_read, work = t_work,
            n_boot_ok = sum(stats::complete.cases(boot)),
            defined = pe[pe$op == ":=", c("lhs", "est", "se", "ci.lower", "ci.upper")],
            lavaan = as.character(packageVersion("lavaan")), R = R.version.string)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, dataframe = "rows"), out)
