"""`palabre register bias-test` on CSV and XLSX files: the French table, the JSON, and bad files
refused on one line with exit status 2, naming the column and the lines, printing no result.

The predictions are synthetic, drawn with a seed: a model that flags the negatives of the
"usagers" college almost twice as often as the others'.
"""

import csv
import hashlib
import json

import numpy as np
import openpyxl
import pytest

from consult.cli import cli

HEADER = ["id", "réel", "prédit", "score", "collège", "âge"]


def run(app, *args):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args])


def rows(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    college = rng.choice(["salariés", "usagers", "bénévoles"], n, p=[0.5, 0.3, 0.2])
    age = rng.choice(["moins de 40 ans", "40 ans et plus"], n)
    labels = rng.random(n) < 0.4
    predicted = rng.random(n) < np.where(labels, 0.7, np.where(college == "usagers", 0.4, 0.2))
    scores = np.where(predicted, 0.5 + rng.random(n) / 2, rng.random(n) / 2)
    return [[str(i), "oui" if labels[i] else "non", str(int(predicted[i])),
             f"{scores[i]:.3f}".replace(".", ","), college[i], age[i]] for i in range(n)]


def write_csv(path, data, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(data)
    return path


def test_a_csv_gives_a_french_table_of_every_group_and_metric(app, tmp_path):
    path = write_csv(tmp_path / "prédictions.csv", rows())
    result = run(app, "register", "bias-test", path, "--label", "réel", "--prediction", "prédit",
                 "--sensitive", "collège", "--sensitive", "âge")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "pas un test juridique" in out
    for heading in ("« collège » · référence : salariés", "« âge »",
                    "« collège × âge »", "usagers × 40 ans et plus"):
        assert heading in out
    usagers = out.split("  usagers ·")[1].split("\n  ")[0:7]
    fpr = next(line for line in usagers if "taux de faux positifs" in line)
    assert "hors des seuils" in fpr and "écart +" in fpr
    assert "Verdicts :" in out


def test_the_json_holds_every_group_every_metric_and_the_files_hash(app, tmp_path):
    path = write_csv(tmp_path / "p.csv", rows())
    result = run(app, "register", "bias-test", path, "--label", "réel", "--prediction", "prédit",
                 "--sensitive", "collège", "--reference", "collège=bénévoles", "--bootstrap",
                 "100", "--seed", "4", "--min-count", "40", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["dataset"]["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document["dataset"]["rows"] == 3000
    asked = {"seed": 4, "n_boot": 100, "min_count": 40, "model": None}
    assert {k: document["parameters"][k] for k in asked} == asked
    college = document["attributes"]["collège"]
    assert college["reference"] == "bénévoles"
    assert set(college["groups"]) == {"salariés", "usagers", "bénévoles"}
    for group in college["groups"].values():
        for metric in group["metrics"].values():
            assert metric["value"] is not None and len(metric["interval"]) == 2
            assert metric["denominator"] > 0
            assert group["is_reference"] or metric["verdict"] in ("pass", "fail")
    assert document["verdicts"]["collège/false_positive_rate/usagers"] == "fail"


def test_scores_with_a_threshold_and_a_positive_word(app, tmp_path):
    data = rows()
    for row in data:
        row[1] = "accordé" if row[1] == "oui" else "refusé"
    path = write_csv(tmp_path / "p.csv", data)
    result = run(app, "register", "bias-test", path, "--label", "réel", "--score", "score",
                 "--threshold", "0,5", "--positive", "accordé", "--sensitive", "collège",
                 "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    positives = sum(row[1] == "accordé" for row in data)
    selected = sum(float(row[3].replace(",", ".")) >= 0.5 for row in data)
    assert document["dataset"]["positives"] == positives
    groups = document["attributes"]["collège"]["groups"].values()
    assert sum(g["tp"] + g["fp"] for g in groups) == selected
    assert document["parameters"]["threshold"] == 0.5


def test_an_xlsx_file_reads_as_its_csv(app, tmp_path):
    data = rows(600)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in data:
        sheet.append([int(row[0]), row[1], int(row[2]), float(row[3].replace(",", ".")),
                      row[4], row[5]])
    workbook.save(tmp_path / "p.xlsx")
    write_csv(tmp_path / "p.csv", data)
    documents = []
    for name in ("p.xlsx", "p.csv"):
        result = run(app, "register", "bias-test", tmp_path / name, "--label", "réel",
                     "--prediction", "prédit", "--sensitive", "collège", "--json")
        assert result.exit_code == 0, result.output
        documents.append(json.loads(result.output))
    assert documents[0]["dataset"]["sha256"] == documents[1]["dataset"]["sha256"]
    assert documents[0]["attributes"] == documents[1]["attributes"]


def refused(app, path, *options):
    result = run(app, "register", "bias-test", path, *options)
    assert result.exit_code == 2, result.output
    assert "{" not in result.output and "Verdicts" not in result.output  # no result at all
    return result.output


OPTIONS = ["--label", "réel", "--prediction", "prédit", "--sensitive", "collège"]


def test_a_missing_column_is_named(app, tmp_path):
    path = write_csv(tmp_path / "p.csv", rows(100))
    output = refused(app, path, "--label", "étiquette", "--prediction", "prédit",
                     "--sensitive", "genre")
    assert "« étiquette »" in output and "« genre »" in output and "« collège »" in output


@pytest.mark.parametrize("change, column, lines", [
    (lambda r: r.__setitem__(1, "peut-être"), "réel", "5"),
    (lambda r: r.__setitem__(2, ""), "prédit", "5"),
    (lambda r: r.__setitem__(4, "NaN"), "collège", "5"),
])
def test_a_bad_cell_is_named_by_column_and_line(app, tmp_path, change, column, lines):
    data = rows(100)
    change(data[3])  # the header is line 1: the fourth row is line 5
    output = refused(app, write_csv(tmp_path / "p.csv", data), *OPTIONS)
    assert f"« {column} »" in output and f"lignes {lines}" in output
    assert len(output.strip().splitlines()) == 1


def test_labels_of_one_class_are_refused(app, tmp_path):
    data = rows(100)
    for row in data:
        row[1] = "non"
    output = refused(app, write_csv(tmp_path / "p.csv", data), *OPTIONS)
    assert "« réel »" in output and "positifs et négatifs" in output


def test_an_absent_reference_lists_the_groups(app, tmp_path):
    output = refused(app, write_csv(tmp_path / "p.csv", rows(100)), *OPTIONS,
                     "--reference", "retraités")
    assert "« retraités »" in output and "« usagers »" in output


def test_a_threshold_out_of_range_is_refused(app, tmp_path):
    output = refused(app, write_csv(tmp_path / "p.csv", rows(100)), "--label", "réel",
                     "--score", "score", "--threshold", "50", "--sensitive", "collège")
    assert "50" in output and "« score »" in output


def test_a_column_of_ten_thousand_values_is_refused(app, tmp_path):
    output = refused(app, write_csv(tmp_path / "p.csv", rows(10_000)), "--label", "réel",
                     "--prediction", "prédit", "--sensitive", "id")
    assert "« id »" in output and "10000" in output


def test_prediction_or_score_but_not_both(app, tmp_path):
    path = write_csv(tmp_path / "p.csv", rows(100))
    output = refused(app, path, "--label", "réel", "--sensitive", "collège")
    assert "--prediction" in output and "--threshold" in output
    refused(app, path, *OPTIONS, "--score", "score", "--threshold", "0.5")


def test_an_unreadable_file_is_refused(app, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"")
    assert "vide" in refused(app, path, *OPTIONS)
