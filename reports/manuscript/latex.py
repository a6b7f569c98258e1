"""The report's tables as one LaTeX file of booktabs tables.

The file compiles on its own (``pdflatex tables.tex``; packages booktabs, longtable, float,
graphicx and geometry, all in TeX Live's latex-base/latex-recommended); the tables stay in the
report's order (``[H]``) and each table can be pasted into a
manuscript. APA layout: the number in bold and the title in italic above, ``\\toprule``,
``\\midrule`` under the headers, ``\\bottomrule``, numbers right-aligned, then
"*Note.* ...". A table wider than the text is scaled down to the text width; one of more
than :data:`LONG_ROWS` rows is a ``longtable`` that breaks across pages, in a smaller font
when its texts are wide. Every text is
escaped; the report's symbols (α, ω, χ², Δ, β, −, ≥, ...) become LaTeX commands, so the file
needs no Unicode font set-up (any other character is left to ``inputenc``; lualatex takes
everything).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..tables import Table

LONG_ROWS = 30

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}", "\n": " "}
_MATH = {"α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
         "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "ρ": r"\rho",
         "σ": r"\sigma", "τ": r"\tau", "φ": r"\phi", "χ": r"\chi", "ψ": r"\psi",
         "ω": r"\omega", "Δ": r"\Delta", "Σ": r"\Sigma", "Ω": r"\Omega", "−": "-",
         "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "±": r"\pm", "×": r"\times",
         "→": r"\rightarrow", "←": r"\leftarrow", "↔": r"\leftrightarrow", "∞": r"\infty",
         "²": "^{2}", "³": "^{3}", "√": r"\surd", "·": r"\cdot", "≈": r"\approx"}
_TEXT = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}",
         "\u00a0": "~", "\u202f": r"\,", "\u2009": r"\,", "•": r"\textbullet{}",
         "§": r"\S{}", "°": r"\ensuremath{^\circ}", "€": "EUR"}


def escape(text: str) -> str:
    """``text`` as LaTeX: special characters escaped, the report's symbols as commands."""
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _MATH:
            out.append(r"\ensuremath{" + _MATH[ch] + "}")
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        else:
            out.append(ch)
    return "".join(out)


def _size(table: Table) -> str:
    """A font size for a long table (which cannot be scaled like a short one) from the width
    of its widest texts, in characters: small, footnotesize or scriptsize."""
    chars = sum(max([len(c.header)] + [len(r[j].text) for r in table.rows]) + 2
                for j, c in enumerate(table.columns))
    if chars > 115:
        return r"\scriptsize\setlength{\tabcolsep}{3pt}"
    if chars > 95:
        return r"\footnotesize\setlength{\tabcolsep}{4pt}"
    return r"\small"


def table_tex(table: Table) -> str:
    """One table: number, title, booktabs rules, note."""
    spec = "".join("r" if c.numeric else "l" for c in table.columns)
    header = " & ".join(escape(c.header) for c in table.columns) + r" \\"
    body = [" & ".join(r"\textbf{" + escape(c.text) + "}" if c.strong else escape(c.text)
                       for c in row) + r" \\" for row in table.rows]
    label = escape(table.label or "Table")
    title = escape(table.caption or "")
    note = (r"\par\smallskip{\small\textit{Note.} " + escape(table.note) + "}\n"
            if table.note else "")
    lines = [f"% {label}: {title}"]
    if len(table.rows) > LONG_ROWS:
        span = r"\multicolumn{" + str(len(table.columns)) + "}{@{}l}"
        lines += [r"\begingroup" + _size(table),
                  r"\setlength{\LTleft}{0pt}\setlength{\LTright}{\fill}",
                  r"\begin{longtable}{@{}" + spec + "@{}}",
                  span + r"{\normalsize\textbf{" + label + r"}} \\",
                  span + r"{\normalsize\textit{" + title + r"}} \\[4pt]",
                  r"\toprule", header, r"\midrule", r"\endfirsthead",
                  span + r"{\textit{" + label + r" (continued)}} \\[4pt]",
                  r"\toprule", header, r"\midrule", r"\endhead",
                  r"\bottomrule", r"\endlastfoot", *body, r"\end{longtable}",
                  r"\endgroup"]
        if note:
            lines.append(r"\noindent" + note.replace(r"\par\smallskip", "", 1))
        return "\n".join(lines) + "\n"
    lines += [r"\begin{table}[H]  % [H]: here, in the report's order (float package)",
              r"\raggedright", rf"\textbf{{{label}}}\par",
              rf"\textit{{{title}}}\par\smallskip", r"\small",
              r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
              r"\begin{tabular}{@{}" + spec + "@{}}", r"\toprule", header, r"\midrule",
              *body, r"\bottomrule", r"\end{tabular}}"]
    if note:
        lines.append(note.rstrip("\n"))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def latex_text(tables: Sequence[Table], title: str) -> str:
    """A standalone LaTeX document of ``tables`` under ``title``."""
    parts = [r"% engagekit: the report's tables (booktabs). Compile with pdflatex or lualatex;",
             r"% copy a table's block into your manuscript (needs booktabs, graphicx, longtable, float).",
             r"\documentclass[11pt]{article}",
             r"\usepackage[margin=2.5cm]{geometry}",
             r"\usepackage[utf8]{inputenc}" + "\n" + r"\usepackage{booktabs}",
             r"\usepackage{longtable}", r"\usepackage{graphicx}", r"\usepackage{float}",
             r"\begin{document}", rf"\section*{{{escape(title)}: tables}}", ""]
    for t in tables:
        parts.append(table_tex(t))
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"
