"""Respondent ids and metadata carried through (issue 17, item 1): ``--id-column``, column maps
that target the respondent id, consent and kept columns, ``--keep-column`` in every output,
``--group`` on a kept column, and errors that say how to make a column known.

Runs on the gym study fixture (tests/fixtures/gym, see its README.md).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.responses import read_responses
from analysis.responses.log import ColumnMapError, ResponseFileError
from reports.cli import main

GYM = Path(__file__).parent / "fixtures" / "gym"
INST = str(GYM / "gym.yaml")
MEMBERS = str(GYM / "members.csv")


def _members() -> pd.DataFrame:
    return pd.read_csv(MEMBERS, dtype={"member_id": str})


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def gym_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gym_run")
    code = main(["run", MEMBERS, "-i", INST, "--id-column", "member_id", "--keep-column", "club",
                 "--group", "club", "--boot", "0", "-o", str(out)])
    assert code == 0
    return out


def test_run_keys_scores_by_member_id_and_carries_club(gym_run):
    members = _members().set_index("member_id")
    scored = pd.read_csv(gym_run / "scored.csv", dtype={"respondent_id": str})
    assert list(scored.columns[:4]) == ["respondent_id", "club", "excluded", "flagged_by"]
    assert scored["respondent_id"].tolist() == members.index.tolist()  # all 300, file order
    assert not scored["respondent_id"].str.startswith("line_").any()
    assert scored.set_index("respondent_id")["club"].equals(members["club"])
    # item codes of a member are that member's answers (reverse-keyed items reversed: 6 - x)
    row = scored.set_index("respondent_id").loc["M01973"]
    assert row["aff_1"] == members.loc["M01973", "aff_1"]
    assert row["aff_4r"] == 6 - members.loc["M01973", "aff_4r"]


def test_run_cleaning_log_and_results_name_members_and_clubs(gym_run):
    members = _members().set_index("member_id")
    log = pd.read_csv(gym_run / "cleaning_log.csv", dtype=str)
    assert "club" in log.columns
    excluded = log[log["problem"] == "excluded"]
    assert len(excluded) > 0
    for rid, club in zip(excluded["respondent_id"], excluded["club"], strict=True):
        assert members.loc[rid, "club"] == club
    results = json.loads((gym_run / "results.json").read_text())
    source = results["data"]["source"]
    assert source["id_column"] == "member_id" and source["kept_columns"] == ["club"]
    ex = results["data"]["accounting"]["excluded"]
    assert len(ex) == len(excluded)
    assert all(members.loc[e["respondent_id"], "club"] == e["kept"]["club"] for e in ex)


def test_run_groups_by_the_kept_club_column(gym_run):
    results = json.loads((gym_run / "results.json").read_text())
    g = results["groups"]
    assert g["group"] == "club" and sorted(g["groups"]) == ["Centro", "Norte", "Playa"]
    inv = results["validation"]["invariance"]
    assert inv is not None
    html = (gym_run / "report.html").read_text()
    assert "Paths compared across club" in html


def test_column_map_sends_embedded_data_to_the_id_and_a_kept_name():
    cmap = json.loads((GYM / "qualtrics_map.json").read_text())
    cmap.update({"member_id": "respondent_id", "club": "gym_club"})
    d = read_responses(GYM / "qualtrics_codes.csv", INST, column_map=cmap,
                       keep_columns=["gym_club"])
    members = _members()
    assert d.ids == members["member_id"].tolist()
    assert d.meta["gym_club"].tolist() == members["club"].tolist()
    assert d.source.id_column == "member_id" and d.source.kept_columns == ["gym_club"]
    assert "ResponseId" in d.source.ignored_columns  # Qualtrics' own id, not read as the id
    # the same answers as the plain CSV
    plain = read_responses(MEMBERS, INST, id_column="member_id")
    assert d.items.equals(plain.items)


def test_id_column_on_a_qualtrics_export_replaces_the_response_id():
    cmap = str(GYM / "qualtrics_map.json")
    d = read_responses(GYM / "qualtrics_codes.csv", INST, column_map=cmap,
                       id_column="member_id", keep_columns=["club"])
    assert d.ids[:2] == ["M01973", "M02202"] and d.meta["club"].iloc[0] == "Norte"
    # the preview row (blank member_id) is dropped before ids are read
    assert d.n == 300 and not any(e.problem == "missing_id" for e in d.log)


def test_column_map_can_name_the_consent_question(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("member_id,agreed,aff_1,aff_2\nM1,1,4,5\nM2,0,,\nM3,1,3,3\n")
    d = read_responses(p, INST, column_map={"agreed": "consent", "member_id": "respondent_id"})
    assert d.ids == ["M1", "M3"] and d.source.dropped == {"declined consent": 1}
    assert d.source.dropped_ids["declined consent"] == ["M2"]


def test_duplicate_and_blank_ids_are_logged_with_their_column(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("member_id,aff_1\nM1,4\nM1,5\n,3\nM4,2\n")
    d = read_responses(p, INST, id_column="member_id")
    problems = {e.problem: e for e in d.log if e.problem in ("duplicate_id", "missing_id")}
    assert problems["duplicate_id"].column == "member_id" and problems["duplicate_id"].row == 3
    assert problems["missing_id"].column == "member_id" and problems["missing_id"].row == 4
    assert d.ids == ["M1", "M1#2", "line_4", "M4"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"id_column": "memberid"}, "has no column 'memberid' (given with --id-column); did you "
                                "mean 'member_id'?"),
    ({"id_column": "club"}, "column 'club' (the respondent id, from --id-column) has only 3 "
                            "distinct value(s) in 300 rows"),
    ({"keep_columns": ["clubs"]}, "has no column 'clubs' to keep (--keep-column); did you mean "
                                  "'club'?"),
])
def test_bad_id_and_keep_columns_are_clear_errors(kwargs, message):
    with pytest.raises(ResponseFileError) as exc:
        read_responses(MEMBERS, INST, **kwargs)
    assert message in str(exc.value) and str(exc.value).startswith(MEMBERS)


def test_an_empty_id_column_and_a_reserved_kept_name_are_refused(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("member_id,language,aff_1\n,en,4\n,es,5\n")
    with pytest.raises(ResponseFileError, match="is empty in every row"):
        read_responses(p, INST, id_column="member_id")
    with pytest.raises(ResponseFileError, match="'language' is already a metadata column"):
        read_responses(p, INST, keep_columns=["language"])


def test_column_map_to_an_unknown_name_says_to_keep_it():
    with pytest.raises(ColumnMapError, match="add --keep-column gym_club"):
        read_responses(MEMBERS, INST, column_map={"club": "gym_club"})
    with pytest.raises(ResponseFileError, match="has no column 'clubb' \\(the column map sends "
                       "it to 'respondent_id'\\); did you mean 'club'"):
        read_responses(MEMBERS, INST, column_map={"clubb": "respondent_id"})


def test_cli_errors_name_the_column_and_the_option(capsys, tmp_path):
    out = str(tmp_path / "o")
    code, _, err = _run(capsys, "run", MEMBERS, "-i", INST, "--group", "club", "--boot", "0",
                        "-o", out)
    assert code == 2 and "add --keep-column club" in err
    code, _, err = _run(capsys, "run", MEMBERS, "-i", INST, "--keep-column", "club", "--group",
                        "clubs", "--boot", "0", "-o", out)
    assert code == 2 and "group column 'clubs'" in err and "did you mean 'club'?" in err
    code, _, err = _run(capsys, "run", MEMBERS, "-i", INST, "--id-column", "memberid",
                        "--boot", "0", "-o", out)
    assert code == 2 and "'memberid'" in err and "--id-column" in err
    code, _, err = _run(capsys, "validate", MEMBERS, "-i", INST, "--group", "club")
    assert code == 2 and "add --keep-column club" in err
    code, _, err = _run(capsys, "responses", "check", MEMBERS, "-i", INST, "--keep-column",
                        "clubs")
    assert code == 2 and "did you mean 'club'?" in err
    code, _, err = _run(capsys, "effects", MEMBERS, "--model", "f =~ aff_1 + aff_2 + aff_3",
                        "--id-column", "member_id")
    assert code == 2 and "--id-column" in err and "--instrument" in err


def test_responses_commands_carry_ids_and_kept_columns(capsys, tmp_path):
    flags, kept, scores = (tmp_path / n for n in ("flags.csv", "kept.csv", "scores.csv"))
    code, out, _ = _run(capsys, "responses", "check", MEMBERS, "-i", INST, "--id-column",
                        "member_id", "--keep-column", "club")
    assert code == 0 and "respondent ids read from column 'member_id'" in out
    assert "kept as metadata: 'club'" in out and "unknown_column" not in out
    code, _, _ = _run(capsys, "responses", "screen", MEMBERS, "-i", INST, "--id-column",
                      "member_id", "--keep-column", "club", "-o", str(flags), "--kept", str(kept))
    assert code == 0
    members = _members().set_index("member_id")
    f = pd.read_csv(flags, dtype={"respondent_id": str}).set_index("respondent_id")
    assert f.index.tolist() == members.index.tolist()
    assert f["club"].equals(members["club"])
    with open(kept, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(members.loc[r["respondent_id"], "club"] == r["club"] for r in rows)
    assert len(rows) < len(members)  # the excluded members are not in the kept export
    code, _, _ = _run(capsys, "responses", "score", MEMBERS, "-i", INST, "--id-column",
                      "member_id", "--keep-column", "club", "-o", str(scores))
    assert code == 0
    s = pd.read_csv(scores, dtype={"respondent_id": str}).set_index("respondent_id")
    assert s["club"].equals(members["club"]) and "affective" in s.columns


def test_dropped_rows_carry_their_kept_columns_into_the_log_and_accounting(tmp_path):
    from analysis.responses.accounting import account

    p = tmp_path / "r.csv"
    p.write_text("member_id,club,consent,aff_1,aff_2,aff_3\nM1,Norte,1,4,5,4\n"
                 "M2,Playa,0,,,\nM3,Centro,1,3,3,2\n")
    d = read_responses(p, INST, id_column="member_id", keep_columns=["club"])
    assert d.ids == ["M1", "M3"]
    log = d.log_frame()
    dropped = log[log["problem"] == "row_dropped"]
    assert dropped[["respondent_id", "club"]].values.tolist() == [["M2", "Playa"]]
    clubs = dict(zip(log["row"].dropna().astype(int), log.loc[log["row"].notna(), "club"],
                     strict=True))
    assert clubs.get(3) == "Playa"
    a = account(d)
    assert a["dropped"] == [{"row": 3, "respondent_id": "M2", "reason": "declined consent",
                             "kept": {"club": "Playa"}}]


def test_run_warns_about_repeated_and_blank_ids(capsys, tmp_path):
    members = _members()
    members.loc[5, "member_id"] = members.loc[4, "member_id"]
    members.loc[9, "member_id"] = ""
    path = tmp_path / "members.csv"
    members.to_csv(path, index=False)
    code, _, err = _run(capsys, "run", str(path), "-i", INST, "--id-column", "member_id",
                        "--boot", "0", "-o", str(tmp_path / "o"))
    assert code == 0
    assert "warning: 1 repeated respondent id(s) in column 'member_id' (line 7)" in err
    assert "warning: 1 blank respondent id(s) in column 'member_id' (line 11)" in err
    scored = pd.read_csv(tmp_path / "o" / "scored.csv", dtype=str)
    assert f"{members.loc[4, 'member_id']}#2" in set(scored["respondent_id"])
    assert "line_11" in set(scored["respondent_id"])


def test_responses_screen_takes_the_screening_choices(capsys, tmp_path):
    flags = tmp_path / "flags.csv"
    code, out, _ = _run(capsys, "responses", "screen", MEMBERS, "-i", INST, "--id-column",
                        "member_id", "--exclude-rules", "none", "--irv-min", "0.1",
                        "--json", "-o", str(flags))
    assert code == 0 and json.loads(out)["n_excluded"] == 0
    f = pd.read_csv(flags, dtype={"respondent_id": str}).set_index("respondent_id")
    assert f["irv"].equals(f["irv_sd"] < 0.1) and f["irv"].any()
    code, _, err = _run(capsys, "responses", "screen", MEMBERS, "-i", INST,
                        "--mahalanobis-alpha", "2")
    assert code == 2 and "--mahalanobis" in err
