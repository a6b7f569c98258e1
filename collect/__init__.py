"""engagekit collect: field a survey and keep every answer.

``engagekit serve`` serves the instrument's own HTML survey (:mod:`instruments.survey.html`) at
``/s/{study}``, takes its responses, page saves and consent decisions over a small JSON API, and
stores them in SQLite (default) or PostgreSQL; ``engagekit collect ...`` creates studies, issues
invitation tokens, reports progress and exports the responses in engagekit's response format
(:mod:`instruments.response_format`), which ``engagekit run`` analyses.

Imports: ``instruments <- collect <- reports``; nothing here imports ``analysis`` or ``reports``.
"""
