"""engagekit reports: results.json -> the self-contained HTML report (report.py, render.py,
templates/, figures/), and the `engagekit` command line root (cli.py) that mounts every
package's commands."""
