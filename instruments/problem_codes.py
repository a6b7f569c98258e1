"""The catalogue of problem codes: one stable, searchable name per kind of input problem.

Every :class:`~instruments.errors.Problem` and every
:class:`~instruments.errors.EngagekitInputError` carries a ``code`` from :data:`CODES`, so
programs and tests can tell problems apart without parsing messages (messages may be reworded;
codes are not). A code names *what* is wrong; the message names *where* (file, line, row,
column, item, construct) and *what to do*.

The response-reading codes are the ``problem`` column of ``cleaning_log.csv``
(:data:`RESPONSE_PROBLEMS`, in the order the documentation explains them).

>>> CODES["unknown_scale"]
'an item or construct refers to a scale that is not declared under scales'
"""

from __future__ import annotations

#: Problems with an instrument file (loader) and its cross-reference rules (checks).
INSTRUMENT_PROBLEMS: dict[str, str] = {
    # reading the file
    "instrument_not_found": "neither an existing file nor the name of a bundled instrument",
    "yaml_syntax": "the file is not valid YAML (indentation, quoting, a duplicate key)",
    "yaml_alias": "a YAML alias (*name) or merge key (<<), refused: aliases can expand a small "
                  "file to gigabytes",
    "not_a_mapping": "the top level of an instrument file is not a YAML mapping",
    # the format's field types (pydantic)
    "missing_field": "a required field is absent",
    "unknown_field": "a field the format does not have (often a misspelling)",
    "invalid_value": "a field's value has the wrong type, pattern or allowed value",
    # cross-reference rules
    "id_not_unique": "two scales, constructs, items, blocks, citations, placeholders or "
                     "languages share an id",
    "id_clash": "an item id that is also a construct id",
    "retired_id_reused": "an item uses an id listed in retired_item_ids",
    "undeclared_language": "a text or default_language in a language not declared under "
                           "languages",
    "missing_translation": "a respondent-facing text lacks a declared language",
    "unknown_ui_text": "a key of the 'ui' block that is not one of the survey's interface texts",
    "ui_text_placeholder": "a 'ui' text whose {placeholders} differ from engagekit's text for "
                           "that key",
    "scale_range": "a scale's min/max are missing, reversed or impossible for its kind",
    "scale_anchors": "a scale's anchors are duplicated, outside the scale, or miss an end point "
                     "or the choices",
    "missing_code_is_answer": "a missing-value code that is also a valid answer",
    "unknown_scale": "an item or construct refers to a scale that is not declared under scales",
    "unknown_citation": "a source refers to a citation key that is not declared",
    "unknown_construct": "a block, path or covariance names a construct that does not exist",
    "unknown_item": "a block, scoring rule or distribution names an item that does not exist",
    "unknown_reference": "an id that is none of the kinds allowed here (item, construct, scale)",
    "unknown_placeholder": "a {placeholder} in a text without a declared value",
    "construct_no_items": "a construct without (measuring) items",
    "item_no_scale": "an item with no scale on itself or its construct",
    "reverse_key_not_ordinal": "a reverse-keyed (keyed: minus) item on a scale that is not "
                               "ordinal",
    "attention_check": "an attention check without a valid 'expected' answer, or 'expected' on "
                       "an item that is not a check",
    "block_empty": "a survey block that shows nothing",
    "item_shown_twice": "an item shown in two survey blocks",
    "item_not_shown": "an item on no survey page",
    "construct_role": "a construct whose role keeps it out of the structural model",
    "model_path": "a structural equation that predicts itself, lists a predictor twice or is "
                  "given twice",
    "model_cycle": "structural equations that form a loop (a predicts b predicts ... a)",
    "scoring_rule": "a scoring rule on items of the wrong kind or with the wrong number of "
                    "weights",
    "changelog_missing": "the instrument's version has no changelog entry",
    "population_loading": "a population loading that is not a standardized loading of a "
                          "measuring item",
    "population_correlation": "population correlations that are repeated, of an outcome, or "
                              "not positive definite",
    "population_path": "population paths that are cyclic, repeated or explain all the variance",
    "population_response": "population response rules (thresholds) that do not fit their scales",
    "population_item": "a population distribution of an item that is invalid or not needed",
    "combine_conflict": "instruments that cannot be combined as given (clashing ids or values)",
}

#: Problems found while reading a response file: the ``problem`` column of the cleaning log.
RESPONSE_PROBLEMS: dict[str, str] = {
    "unknown_column": "a column that is not an item of the instrument (ignored)",
    "missing_column": "an item of the instrument with no column in the file (all missing)",
    "duplicate_column": "two columns for the same item (the first is used)",
    "ragged_row": "a row with more or fewer cells than the header has columns (extra cells "
                  "ignored, missing cells read as blank)",
    "unclosed_quote": "a quote opened in a row and closed lines later (or never), which read "
                      "the rows between into one cell (the row dropped, the rows after it read "
                      "again)",
    "truncated_row": "the file ends inside a row: the export was cut off (the row dropped)",
    "unreadable_row": "a row the delimited-text reader cannot read (the row dropped)",
    "uncached_formula": "a spreadsheet formula cell without a saved value (set to missing)",
    "non_numeric": "text where a numeric code belongs (set to missing)",
    "unknown_label": "choice text (Qualtrics, LimeSurvey) that is no anchor label of the item's "
                     "scale in any language of the instrument (set to missing)",
    "out_of_scale": "a number that is not a code of the item's declared scale (set to missing)",
    "missing_id": "a blank respondent id (an id is made from the row number)",
    "duplicate_id": "a respondent id seen before (the later row is renamed id#2, id#3, ...)",
    "wrong_version": "responses given to another version of the instrument (rows kept)",
    "unknown_language": "a language the instrument does not declare (set to missing)",
    "bad_timestamp": "a start or end time that is not an ISO 8601 date-time (set to missing)",
    "end_before_start": "an end time before the start time (duration set to missing)",
    "bad_display_order": "a display order that is not a JSON list of item ids (set to missing)",
    "value_label": "an SPSS value label for a code the declared scale does not have",
    "user_missing": "SPSS user-missing values that are not missing codes of the instrument",
    # the accounting of every row read (dropped + excluded + analysed = rows read)
    "row_dropped": "a row not read as a respondent: declined consent, a preview or test "
                   "response, or unparseable (its problem is logged too)",
    "excluded": "a respondent read but excluded from the analysis by screening (the rules "
                "named)",
    "rows_accounted": "the balance of the file: rows read = dropped + excluded + analysed",
}

#: An input file (instrument, responses, column map, results) that cannot be read at all.
FILE_PROBLEMS: dict[str, str] = {
    "file_not_found": "the path does not exist or is not a file",
    "file_unreadable": "the file exists but cannot be read or written (permissions, I/O)",
    "file_empty": "the file holds no header or no data rows",
    "file_too_large": "a file larger than engagekit reads of its kind (instruments limits.py)",
    "too_deeply_nested": "YAML or JSON nested deeper than engagekit reads (40 levels)",
    "unknown_format": "a format name engagekit does not know",
    "unknown_encoding": "an encoding name Python does not know",
    "not_text": "a file that cannot be decoded as text (not UTF-8, or not in the encoding given)",
    "malformed_file": "the file is not valid in its format (CSV quoting, JSON, Excel, Parquet, "
                      "SPSS, Qualtrics headers)",
    "wrong_instrument": "the responses were collected with another instrument",
    "items_not_read": "no item, or fewer than half of the instrument's items, could be read "
                      "from the response file (columns not named by item id, or values that "
                      "are neither codes nor anchor labels)",
    "no_responses": "no respondent is left to analyse (every row dropped or no data rows)",
    "unknown_time_zone": "a time zone that is not an IANA name",
    "column_map": "a column map that cannot be read or maps to unknown items",
    "missing_sheet": "an Excel sheet name the workbook does not have",
}

#: Analysis and report inputs: data, models, settings and saved results.
ANALYSIS_PROBLEMS: dict[str, str] = {
    "invalid_argument": "a parameter or setting outside its allowed range or of the wrong type",
    "item_not_in_data": "an item named in the request is not a column of the data",
    "item_not_numeric": "an item column holds text, not numbers",
    "item_all_missing": "an item with no answer at all",
    "item_constant": "an item with one answer only (zero variance)",
    "too_few_items": "a construct with fewer items than the statistic needs",
    "too_few_cases": "fewer respondents than the statistic or model needs",
    "model_syntax": "model syntax that cannot be parsed",
    "model_not_estimable": "a model or data set that cannot be estimated as given",
    "pls_input": "data, a model or settings PLS path modelling cannot estimate as given",
    "pls_not_converged": "the PLS weights did not converge within the iterations allowed",
    "profiles_input": "data, constructs or settings a latent profile analysis cannot use",
    "psychometrics_input": "data a reliability, validity or factor statistic cannot be computed "
                           "from",
    "effects_input": "data or a model the structural effects cannot be estimated from",
    "drivers_input": "data a driver analysis (dominance, relative weights) cannot use",
    "regression_input": "data a regression of observed scores cannot use",
    "power_input": "settings a power analysis cannot use",
    "simulation_input": "settings or a population model that cannot be simulated",
    "scoring_input": "responses or rules that cannot be scored",
    "screening_input": "responses or settings the careless-response screen cannot use",
    "survey_option": "a survey export option that does not fit the instrument or format",
    "ui_text_missing": "a survey language without every interface text (buttons, messages): "
                       "engagekit ships en, nl, de, fr, es; others need the instrument's 'ui' "
                       "block",
    "translation_sheet": "a translation sheet that does not match the instrument",
    "output_not_writable": "an output path that cannot be written",
    "output_is_input": "an output that is one of the command's inputs (also through a link)",
    "output_exists": "an output file left by an earlier run, not replaced without --force",
    "figure_input": "data a figure cannot be drawn from",
    "results_file": "a results.json that cannot be read",
    "results_section": "a results.json section that is missing or malformed",
    "wave_versions": "waves of a study that answered versions of the instrument a major "
                     "version apart (answers not comparable; the changed items named)",
    "waves_input": "wave files, wave labels or a wave column that cannot be stacked",
    "input": "input engagekit cannot use (see the message)",
}

#: Every code and its one-line meaning.
#: Fielding a survey with ``engagekit collect`` and ``engagekit serve``.
COLLECT_PROBLEMS: dict[str, str] = {
    "collect_option": "a collect or serve option that is out of range or does not fit the "
                      "instrument (study name, dates, quota, mode, database URL)",
    "study_not_found": "no study of that name in the database",
    "study_exists": "a study of that name is already in the database",
    "database": "the database cannot be opened, is not an engagekit database or needs "
                "'engagekit collect migrate'",
    "invitees_file": "an invitees file that cannot be read (columns, duplicate respondent ids)",
    "admin_credential": "no admin credential is set, or the one given is wrong",
}


CODES: dict[str, str] = {**INSTRUMENT_PROBLEMS, **RESPONSE_PROBLEMS, **FILE_PROBLEMS,
                         **ANALYSIS_PROBLEMS, **COLLECT_PROBLEMS}

_n = len(INSTRUMENT_PROBLEMS) + len(RESPONSE_PROBLEMS) + len(FILE_PROBLEMS) + len(
    ANALYSIS_PROBLEMS) + len(COLLECT_PROBLEMS)
assert len(CODES) == _n, "a problem code is defined twice"


def check_code(code: str) -> str:
    """Return ``code`` if it is in the catalogue; raise ``KeyError`` naming it otherwise (a
    programming error: every code a module raises must be catalogued here)."""
    if code not in CODES:
        raise KeyError(f"problem code {code!r} is not in instruments.problem_codes.CODES")
    return code


__all__ = ["ANALYSIS_PROBLEMS", "CODES", "COLLECT_PROBLEMS", "FILE_PROBLEMS", "INSTRUMENT_PROBLEMS",
           "RESPONSE_PROBLEMS", "check_code"]
