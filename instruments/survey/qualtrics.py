"""Qualtrics: a ``.qsf`` survey file and Qualtrics' documented Advanced-format TXT.

Each item is its own question whose export tag (``DataExportTag`` / ``[[ID:...]]``) is the item
id, so Qualtrics' response columns are the item ids. In the QSF, choices carry
``RecodeValues`` equal to the declared codes (e.g. 0-10 for likelihood to recommend; Qualtrics
would otherwise number choices 1..k), every declared language is a ``Language`` translation,
blocks with ``randomize: true`` present their questions in random order (the survey intro and
the block's instructions stay first, outside the randomization), declining consent
branches to an end of survey, and with ``--brand`` the placeholder is the
embedded-data field ``${e://Field/brand}`` set in the survey flow (clear its value there to take
it from the survey link instead, e.g. ``?brand=Acme``); without ``--brand`` each language's
text carries that language's default.
Question texts are HTML-escaped (Qualtrics renders them as HTML).

The Advanced-format TXT holds one language (``--lang``) and no logic or randomization (the
format has none): add the consent branch and the block randomization after import.

There is no offline validator for either file (the QSF format is undocumented); the tests check
structure against golden files. Importing into a Qualtrics account is the real check.
"""

from __future__ import annotations

import json
from html import escape

from ..schema import Instrument, LocalText, ScaleKind
from ..ui import ui_texts
from .layout import (
    Question,
    anchor_label,
    check_language,
    fill,
    fully_labelled,
    placeholder_values,
    platform_text,
    survey_pages,
)

ZERO_DATE = "0000-00-00 00:00:00"


def _pipe_syntax(name: str) -> str:
    return "${e://Field/" + name + "}"


def _html(text: str) -> str:
    return escape(text, quote=False)


def _choice_label(inst: Instrument, q: Question, code: int, lang: str) -> str:
    label = anchor_label(inst, q.scale, code, lang)
    if fully_labelled(q.scale):
        return label
    return f"{code} – {label}" if label else str(code)


def _qualtrics_lang(code: str) -> str:
    return code.replace("-", "_").upper()


class _Ids:
    def __init__(self):
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"QID{self.n}"


def qsf(inst: Instrument, lang: str | None = None, brand: str | None = None) -> dict:
    """The survey as a QSF document (a JSON-ready dict)."""
    lang = check_language(inst, lang, ui="all")
    others = [c for c in inst.language_codes if c != lang]
    values = placeholder_values(inst, lang, brand)

    def local(text: LocalText | None, code: str) -> str:
        return platform_text(inst, text, code, brand, _pipe_syntax, _html)

    ids = _Ids()
    questions: list[dict] = []
    blocks: list[dict] = []
    flow: list[dict] = []
    flow_n = 1
    if brand is not None:
        flow_n += 1
        flow.append({"Type": "EmbeddedData", "FlowID": f"FL_{flow_n}", "EmbeddedData": [
            {"Description": p, "Type": "Custom", "Field": p, "VariableType": "String",
             "DataVisibility": [], "AnalyzeText": False, "Value": values[p]}
            for p in values]})

    def add_question(payload: dict, translations: dict[str, dict]) -> str:
        qid = ids.next()
        payload = {"QuestionID": qid, **payload, "Language": translations,
                   "DataVisibility": {"Private": False, "Hidden": False},
                   "Configuration": {"QuestionDescriptionOption": "UseText",
                                     **payload.get("Configuration", {})}}
        questions.append({"SurveyID": f"SV_{inst.id}", "Element": "SQ", "PrimaryAttribute": qid,
                          "SecondaryAttribute": payload["QuestionDescription"][:100],
                          "TertiaryAttribute": None, "Payload": payload})
        return qid

    def descriptive(tag: str, text: LocalText) -> str:
        return add_question({
            "QuestionText": local(text, lang), "DataExportTag": tag, "QuestionType": "DB",
            "Selector": "TB", "QuestionDescription": inst.text(text, lang)},
            {_qualtrics_lang(c): {"QuestionText": local(text, c)} for c in others})

    def block(bid: str, description: str, qids: list[str], randomize: bool = False,
              fixed: int = 0) -> None:
        """A block; with ``randomize`` its questions after the first ``fixed`` ones (the intro
        and instructions, which stay first) are shown in random order."""
        options: dict = {"BlockLocking": "false", "RandomizeQuestions": "false",
                         "BlockVisibility": "Expanded"}
        if randomize and fixed:
            # Qualtrics' advanced randomization: the fixed questions in their slots, then one
            # "{~SubSet~}" slot per item, filled in random order from RandomSubSet (all shown)
            items = qids[fixed:]
            options.update(RandomizeQuestions="Advanced", Randomization={
                "Advanced": {"FixedOrder": qids[:fixed] + ["{~SubSet~}"] * len(items),
                             "RandomizeAll": [], "RandomSubSet": items, "Undisplayed": [],
                             "TotalRandSubset": len(items), "QuestionsPerPage": 0},
                "EvenPresentation": False})
        elif randomize:
            options.update(RandomizeQuestions="RandomWithOnlyX",
                           Randomization={"Advanced": None, "TotalRandSubset": len(qids),
                                          "EvenPresentation": False})
        blocks.append({"Type": "Standard", "SubType": "", "Description": description,
                       "ID": bid, "BlockElements": [{"Type": "Question", "QuestionID": q}
                                                    for q in qids], "Options": options})

    if inst.survey.consent:
        ui = {c: ui_texts(inst, c) for c in inst.language_codes}
        consent_qid = add_question({
            "QuestionText": local(inst.survey.consent, lang), "DataExportTag": "consent",
            "QuestionType": "MC", "Selector": "SAVR", "SubSelector": "TX",
            "QuestionDescription": inst.text(inst.survey.consent, lang)[:100],
            "Choices": {"1": {"Display": _html(ui[lang]["agree"])},
                        "2": {"Display": _html(ui[lang]["decline"])}},
            "ChoiceOrder": ["1", "2"], "RecodeValues": {"1": "1", "2": "0"},
            "Validation": {"Settings": {"ForceResponse": "ON", "ForceResponseType": "ON",
                                        "Type": "None"}}},
            {_qualtrics_lang(c): {"QuestionText": local(inst.survey.consent, c),
                                  "Choices": {"1": {"Display": _html(ui[c]["agree"])},
                                              "2": {"Display": _html(ui[c]["decline"])}}}
             for c in others})
        block("BL_consent", "consent", [consent_qid])
        flow_n += 1
        flow.append({"Type": "Block", "ID": "BL_consent", "FlowID": f"FL_{flow_n}",
                     "Autofill": []})
        flow_n += 1
        branch_id = f"FL_{flow_n}"
        flow_n += 1
        flow.append({"Type": "Branch", "FlowID": branch_id, "Description": "Consent declined",
                     "BranchLogic": {"0": {"0": {
                         "LogicType": "Question", "QuestionID": consent_qid,
                         "QuestionIsInLoop": "no",
                         "ChoiceLocator": f"q://{consent_qid}/SelectableChoice/2",
                         "Operator": "Selected", "QuestionIDFromLocator": consent_qid,
                         "LeftOperand": f"q://{consent_qid}/SelectableChoice/2",
                         "Type": "Expression", "Description": "consent declined"},
                         "Type": "If"}, "Type": "BooleanExpression"},
                     "Flow": [{"Type": "EndSurvey", "FlowID": f"FL_{flow_n}"}]})
    for n, page in enumerate(survey_pages(inst)):
        qids = []
        if n == 0 and inst.survey.intro:
            qids.append(descriptive("intro", inst.survey.intro))
        if page.block.instructions:
            qids.append(descriptive(f"{page.id}_instructions", page.block.instructions))
        for q in page.questions:
            payload: dict = {"QuestionText": local(q.item.text, lang),
                             "DataExportTag": q.id,
                             "QuestionDescription": inst.text(q.item.text, lang)[:100]}
            trans: dict[str, dict] = {_qualtrics_lang(c): {"QuestionText": local(q.item.text, c)}
                                      for c in others}
            if q.options:
                keys = [str(k) for k in range(1, len(q.options) + 1)]
                payload.update(
                    QuestionType="MC",
                    Selector="SAHR" if q.scale.kind != ScaleKind.single_choice else "SAVR",
                    SubSelector="TX",
                    Choices={k: {"Display": _html(_choice_label(inst, q, code, lang))}
                             for k, code in zip(keys, q.options, strict=True)},
                    ChoiceOrder=keys,
                    RecodeValues={k: str(code) for k, code in zip(keys, q.options, strict=True)})
                for c in others:
                    trans[_qualtrics_lang(c)]["Choices"] = {
                        k: {"Display": _html(_choice_label(inst, q, code, c))}
                        for k, code in zip(keys, q.options, strict=True)}
            elif q.scale.kind == ScaleKind.numeric:
                payload.update(QuestionType="TE", Selector="SL")
            else:
                payload.update(QuestionType="TE", Selector="ML")
            settings: dict = {"ForceResponse": "ON" if q.item.required else "OFF",
                              "ForceResponseType": "ON", "Type": "None"}
            if q.scale.kind == ScaleKind.numeric:
                settings.update(Type="ContentType", ContentType="ValidNumber",
                                ValidNumber={"Min": f"{q.scale.min:g}", "Max": f"{q.scale.max:g}",
                                             "NumDecimals": "0"})
            payload["Validation"] = {"Settings": settings}
            qids.append(add_question(payload, trans))
        bid = f"BL_{page.id}"
        block(bid, page.id, qids, randomize=page.block.randomize,
              fixed=len(qids) - len(page.questions))
        flow_n += 1
        flow.append({"Type": "Block", "ID": bid, "FlowID": f"FL_{flow_n}", "Autofill": []})

    title = fill(inst.text(inst.title, lang), values)
    entry = {
        "SurveyID": f"SV_{inst.id}", "SurveyName": f"{title} ({inst.id} {inst.version})",
        "SurveyDescription": None, "SurveyOwnerID": "", "SurveyBrandID": "",
        "DivisionID": None, "SurveyLanguage": _qualtrics_lang(lang),
        "SurveyActiveResponseSet": "RS_engagekit", "SurveyStatus": "Inactive",
        "SurveyStartDate": ZERO_DATE, "SurveyExpirationDate": ZERO_DATE,
        "SurveyCreationDate": ZERO_DATE, "CreatorID": "", "LastModified": ZERO_DATE,
        "LastAccessed": ZERO_DATE, "LastActivated": ZERO_DATE, "Deleted": None,
    }
    options = {"BackButton": "true", "SaveAndContinue": "true", "SurveyProtection": "PublicSurvey",
               "BallotBoxStuffingPrevention": "false", "NoIndex": "Yes",
               "SecureResponseFiles": "true", "SurveyExpiration": "None",
               "SurveyTermination": "DefaultMessage", "Header": "", "Footer": "",
               "ProgressBarDisplay": "Text", "PartialData": "+1 week",
               "AvailableLanguages": {_qualtrics_lang(c): [] for c in inst.language_codes},
               "EOSMessage": "", "EOSMessageLibrary": ""}
    if inst.survey.outro:
        options["engagekit:EndOfSurveyText"] = {_qualtrics_lang(c): local(inst.survey.outro, c)
                                               for c in inst.language_codes}
    elements = [
        {"SurveyID": f"SV_{inst.id}", "Element": "BL", "PrimaryAttribute": "Survey Blocks",
         "SecondaryAttribute": None, "TertiaryAttribute": None, "Payload": blocks},
        {"SurveyID": f"SV_{inst.id}", "Element": "FL", "PrimaryAttribute": "Survey Flow",
         "SecondaryAttribute": None, "TertiaryAttribute": None,
         "Payload": {"Type": "Root", "FlowID": "FL_1", "Flow": flow,
                     "Properties": {"Count": flow_n}}},
        {"SurveyID": f"SV_{inst.id}", "Element": "SO", "PrimaryAttribute": "Survey Options",
         "SecondaryAttribute": None, "TertiaryAttribute": None, "Payload": options},
        {"SurveyID": f"SV_{inst.id}", "Element": "QC", "PrimaryAttribute": "Survey Question Count",
         "SecondaryAttribute": str(len(questions)), "TertiaryAttribute": None, "Payload": None},
        *questions,
    ]
    return {"SurveyEntry": entry, "SurveyElements": elements}


def render_qsf(inst: Instrument, lang: str | None = None, brand: str | None = None) -> bytes:
    return (json.dumps(qsf(inst, lang, brand), indent=2, ensure_ascii=False) + "\n").encode()


def _one_line(text: str) -> str:
    # A line starting with "[[" would be read as a tag; blank lines end a text block.
    return " ".join(text.split()).replace("[[", "[ [")


def advanced_txt(inst: Instrument, lang: str | None = None, brand: str | None = None) -> str:
    """Qualtrics Advanced-format TXT in one language (no logic: the format has none)."""
    lang = check_language(inst, lang)
    values = placeholder_values(inst, lang, brand)

    def text(local: LocalText | None) -> str:
        return _one_line(platform_text(inst, local, lang, brand, _pipe_syntax, _html))

    out = ["[[AdvancedFormat]]", ""]
    if brand is not None:
        for name, value in values.items():
            out += [f"[[ED:{name}:{_one_line(value).replace(']]', '] ]')}]]", ""]
    if inst.survey.consent:
        ui = ui_texts(inst, lang)
        out += ["[[Block:consent]]", "", "[[Question:MC:SingleAnswer:Vertical]]", "[[ID:consent]]",
                text(inst.survey.consent), "", "[[Choices]]", _one_line(_html(ui["agree"])),
                _one_line(_html(ui["decline"])), ""]
    for n, page in enumerate(survey_pages(inst)):
        out += [f"[[Block:{page.id}]]", ""]
        if n == 0 and inst.survey.intro:
            out += ["[[Question:Text]]", "[[ID:intro]]", text(inst.survey.intro), ""]
        if page.block.instructions:
            out += ["[[Question:Text]]", f"[[ID:{page.id}_instructions]]",
                    text(page.block.instructions), ""]
        for q in page.questions:
            if q.options:
                layout = "Vertical" if q.scale.kind == ScaleKind.single_choice else "Horizontal"
                out += [f"[[Question:MC:SingleAnswer:{layout}]]", f"[[ID:{q.id}]]",
                        text(q.item.text), "", "[[Choices]]",
                        *(_one_line(_html(_choice_label(inst, q, c, lang))) for c in q.options),
                        ""]
            elif q.scale.kind == ScaleKind.numeric:
                out += ["[[Question:TE:SingleLine]]", f"[[ID:{q.id}]]", text(q.item.text), ""]
            else:
                out += ["[[Question:TE:Essay]]", f"[[ID:{q.id}]]", text(q.item.text), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_advanced_txt(inst: Instrument, lang: str | None = None,
                        brand: str | None = None) -> bytes:
    return advanced_txt(inst, lang, brand).encode("utf-8")
