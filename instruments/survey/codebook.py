"""Codebooks of an instrument's response file: human-readable HTML, a Frictionless Table Schema
and DDI-Codebook 2.5 XML.

The Table Schema describes the engagekit response format (CSV): types, ``constraints.enum`` of
the valid codes (Frictionless does not enforce ``categories``, so both are written), ranges,
``missingValues`` (empty and every declared missing code) and the primary key; reverse keying
and attention checks are in each field's ``description`` and in ``engagekit:*`` properties.
The DDI-C 2.5 codebook has a ``var`` per column with the question text in every language,
categories with labels, missing codes as ``catgry missing="Y"``, and ``varGrp`` per construct
and per randomized block.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from jinja2 import Environment, PackageLoader

from ..response_format import META_COLUMNS, META_FIELDS
from ..schema import Instrument, Item, Scale, ScaleKind
from ..ui import ui_keys, ui_texts
from .layout import anchor_label, check_language, fill, placeholder_values, survey_pages

DDI_NS = "ddi:codebook:2_5"
XML_NS = "http://www.w3.org/XML/1998/namespace"

def _reverse_rule(scale: Scale) -> str:
    return f"score = {scale.min + scale.max:g} - x (declared scale {scale.min:g}-{scale.max:g})"


def _describe(inst: Instrument, item: Item, scale: Scale) -> str:
    parts = [inst.text(item.text)]
    if item.keyed == "minus":
        parts.append(f"Reverse-keyed: {_reverse_rule(scale)}.")
    if item.role.value == "attention_check":
        parts.append(f"Attention check: expected {', '.join(map(str, item.expected or []))}.")
    return " ".join(parts)


def missing_values(inst: Instrument) -> list[str]:
    codes = sorted({c for s in inst.scales for c in s.missing_codes})
    return [""] + [str(c) for c in codes]


def table_schema(inst: Instrument) -> dict:
    """Frictionless Table Schema of the engagekit response file (CSV) for ``inst``."""
    fields: list[dict] = []
    for name in META_COLUMNS:
        type_, desc = META_FIELDS[name]
        f: dict = {"name": name, "type": type_, "description": desc}
        if name == "respondent_id":
            f["constraints"] = {"required": True, "unique": True}
        elif name == "instrument_id":
            f["constraints"] = {"required": True, "enum": [inst.id]}
        elif name == "instrument_version":
            f["constraints"] = {"required": True}
        elif name == "language":
            f["constraints"] = {"required": True, "enum": inst.language_codes}
        fields.append(f)
    for item in inst.items():
        scale = inst.item_scale(item)
        f = {"name": item.id, "title": item.label or item.id,
             "description": _describe(inst, item, scale),
             "engagekit:construct": inst.item_construct(item.id).id,
             "engagekit:scale": scale.id, "engagekit:keyed": item.keyed}
        if item.role.value == "attention_check":
            f["engagekit:expected"] = item.expected
        if scale.kind == ScaleKind.free_text:
            f["type"] = "string"
        elif scale.kind == ScaleKind.numeric:
            f["type"] = "integer"
            cons = {}
            if scale.min is not None:
                cons["minimum"] = int(scale.min)
            if scale.max is not None:
                cons["maximum"] = int(scale.max)
            f["constraints"] = cons
        else:
            f["type"] = "integer"
            f["categories"] = [{"value": c, "label": anchor_label(inst, scale, c,
                                                                   inst.default_language)
                                or str(c)} for c in scale.codes]
            f["categoriesOrdered"] = scale.kind != ScaleKind.single_choice
            f["constraints"] = {"enum": scale.codes}
        fields.append(f)
    return {"fields": fields, "missingValues": missing_values(inst),
            "primaryKey": ["respondent_id"]}


def render_table_schema(inst: Instrument) -> bytes:
    return (json.dumps(table_schema(inst), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    attrib = {k: v for k, v in attrs.items() if v is not None}
    el = ET.SubElement(parent, f"{{{DDI_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _labl(parent: ET.Element, text: str, lang: str | None = None) -> ET.Element:
    el = _sub(parent, "labl", text)
    if lang:
        el.set(f"{{{XML_NS}}}lang", lang)
    return el


def ddi_codebook(inst: Instrument, lang: str | None = None, brand: str | None = None) -> bytes:
    """DDI-Codebook 2.5 XML (``codeBook`` with ``stdyDscr``, ``fileDscr``, ``dataDscr``)."""
    lang = check_language(inst, lang, ui="none")
    ET.register_namespace("", DDI_NS)
    root = ET.Element(f"{{{DDI_NS}}}codeBook", {"version": "2.5", "ID": f"CB_{inst.id}"})
    root.set(f"{{{XML_NS}}}lang", lang)

    def text(local, code):
        return fill(inst.text(local, code), placeholder_values(inst, code, brand))

    stdy = _sub(root, "stdyDscr")
    cit = _sub(stdy, "citation")
    titl = _sub(cit, "titlStmt")
    _sub(titl, "titl", text(inst.title, lang))
    _sub(titl, "IDNo", inst.id)
    ver = _sub(cit, "verStmt")
    _sub(ver, "version", inst.version)
    if inst.description:
        info = _sub(stdy, "stdyInfo")
        _sub(info, "abstract", inst.description)
    if inst.citations:
        oth = _sub(stdy, "othrStdyMat")
        for c in inst.citations:
            rel = _sub(oth, "relPubl")
            rcit = _sub(rel, "citation")
            _sub(_sub(rcit, "titlStmt"), "titl", c.text)
            if c.doi:
                _sub(rcit, "holdings", c.doi, URI=f"https://doi.org/{c.doi}")

    fd = _sub(root, "fileDscr", ID="F1")
    ft = _sub(fd, "fileTxt")
    _sub(ft, "fileName", f"{inst.id}_responses.csv")
    _sub(ft, "fileCont", "One row per respondent in the engagekit response format.")
    dims = _sub(ft, "dimensns")
    _sub(dims, "varQnty", str(len(META_COLUMNS) + len(inst.items())))

    data = _sub(root, "dataDscr")
    for c in inst.constructs:
        g = _sub(data, "varGrp", ID=f"VG_{c.id}", type="subject",
                 var=" ".join(f"V_{i.id}" for i in c.items))
        names = {code: inst.construct_name(c, code) for code in inst.language_codes}
        if isinstance(c.name, str):
            _labl(g, c.name)
        else:
            for code, name in names.items():
                _labl(g, name, code)
        _sub(g, "defntn", inst.construct_definition(c, lang))
    for page in survey_pages(inst):
        if page.block.randomize:
            g = _sub(data, "varGrp", ID=f"VG_block_{page.id}", type="randomized",
                     var=" ".join(f"V_{q.id}" for q in page.questions))
            _labl(g, f"Block '{page.id}': item order randomized per respondent "
                     "(see display_order)")
    for name in META_COLUMNS:
        type_, desc = META_FIELDS[name]
        v = _sub(data, "var", ID=f"V_{name}", name=name, files="F1")
        _labl(v, desc)
        _sub(v, "varFormat", type="character", schema="other",
             formatname="ISO 8601" if type_ == "datetime" else None)
    for item in inst.items():
        scale = inst.item_scale(item)
        numeric = scale.kind != ScaleKind.free_text
        interval = "contin" if scale.kind == ScaleKind.numeric else "discrete"
        v = _sub(data, "var", ID=f"V_{item.id}", name=item.id, files="F1",
                 intrvl=interval if numeric else None)
        _labl(v, item.label or item.id)
        q = _sub(v, "qstn", ID=f"Q_{item.id}")
        for code in inst.language_codes:
            lit = _sub(q, "qstnLit", text(item.text, code))
            lit.set(f"{{{XML_NS}}}lang", code)
        if scale.min is not None and scale.max is not None:
            rng = _sub(v, "valrng")
            _sub(rng, "range", min=f"{scale.min:g}", max=f"{scale.max:g}")
        if scale.kind not in (ScaleKind.numeric, ScaleKind.free_text):
            for code in scale.codes:
                cat = _sub(v, "catgry")
                _sub(cat, "catValu", str(code))
                for lc in inst.language_codes:
                    label = anchor_label(inst, scale, code, lc)
                    if label:
                        _labl(cat, label, lc)
        for code in scale.missing_codes:
            cat = _sub(v, "catgry", missing="Y")
            _sub(cat, "catValu", str(code))
            _labl(cat, "missing")
        concept = _sub(v, "concept", inst.construct_name(inst.item_construct(item.id), lang))
        concept.set("vocab", "engagekit construct")
        _sub(v, "varFormat", type="numeric" if numeric else "character", schema="other")
        notes = []
        if item.keyed == "minus":
            notes.append(f"Reverse-keyed: {_reverse_rule(scale)}.")
        if item.role.value == "attention_check":
            notes.append(f"Attention check: expected {', '.join(map(str, item.expected or []))}.")
        for n in notes:
            _sub(v, "notes", n)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def render_codebook_html(inst: Instrument, lang: str | None = None,
                         brand: str | None = None) -> bytes:
    lang = check_language(inst, lang, ui="all")
    env = Environment(loader=PackageLoader("instruments.survey", "templates"), autoescape=True,
                      keep_trailing_newline=True)
    constructs = []
    for c in inst.constructs:
        cites = {x.key: x for x in inst.citations}
        items = []
        for item in c.items:
            scale = inst.item_scale(item)
            items.append({
                "item": item, "scale": scale,
                "texts": [(code, inst.text(item.text, code)) for code in inst.language_codes],
                "reverse": _reverse_rule(scale) if item.keyed == "minus" else "",
            })
        constructs.append({"construct": c, "items": items,
                           "name": inst.construct_name(c, lang),
                           "definition": inst.construct_definition(c, lang),
                           "sources": [cites[k].text.split("(")[0].strip() + " "
                                       + cites[k].text.split("(")[1].split(")")[0]
                                       if k in cites and "(" in cites[k].text else k
                                       for k in c.source]})
    scales = [{"scale": s, "rows": [(code, [anchor_label(inst, s, code, lc)
                                            for lc in inst.language_codes])
                                    for code in s.codes]
               if s.kind not in (ScaleKind.numeric, ScaleKind.free_text) else []}
              for s in inst.scales]
    fixed = [{"name": n, "type": META_FIELDS[n].type, "description": META_FIELDS[n].description}
             for n in META_COLUMNS]
    fixed.append({"name": "<item id>", "type": "integer",
                  "description": "One column per item below: the answer code."})
    ui = {code: ui_texts(inst, code) for code in inst.language_codes}
    interface = [(key, [ui[code][key] for code in inst.language_codes]) for key in ui_keys()]
    html = env.get_template("codebook.html.j2").render(
        inst=inst, lang=lang,
        title=fill(inst.text(inst.title, lang), placeholder_values(inst, lang, brand)),
        constructs=constructs, scales=scales, pages=survey_pages(inst), fixed_fields=fixed,
        missing_codes=missing_values(inst)[1:], interface=interface)
    return html.encode("utf-8")
