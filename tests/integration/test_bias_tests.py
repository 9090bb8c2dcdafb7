"""Bias tests stored in the register: uploaded by the committee or passed as arrays, kept as JSON
for the entry's current version, read by the deployment gate with the committee's signed
waivers and under the thresholds it approved; each an audit event with a signed checkpoint; a
bad file stores nothing. The predictions are the CLI tests' synthetic ones: a model that flags
the negatives of the "usagers" college almost twice as often as the others'."""

import io
import json
from datetime import timedelta

import pytest
from sqlmodel import func, select

from consult.models import AuditCheckpoint, BiasTest, BiasThresholds, BiasWaiver, utcnow
from consult.services import PermissionDenied, ServiceError, bias_tests, register, reviews
from consult.services.audit_log import signer_for
from ethics_register.bias import Thresholds, bias_test
from ethics_register.predictions import predictions_from_arrays
from tests.helpers import csrf_from, events, read
from tests.integration.test_cli_register import HEADER, rows, run
from tests.integration.test_reviews import opinion
from tests.unit.test_entry import complete


def csv_bytes(data=None, header=HEADER) -> bytes:
    lines = [";".join(header)] + [";".join(r) for r in (data or rows())]
    return ("\n".join(lines) + "\n").encode()


def upload(data=None, **changes) -> bias_tests.Upload:
    options = {"data": csv_bytes(data), "file_name": "prédictions.csv", "label": "réel",
               "prediction": "prédit", "sensitive": ("collège",), "n_boot": 50}
    return bias_tests.Upload(**{**options, **changes})


@pytest.fixture
def setup(app, people, session):
    from consult.services.members import find_by_email

    people.add("ethique@coop.example", name="Inès Éthique", roles=("ethics",))
    people.add("membre@coop.example")
    signer = signer_for(app.config)
    ethics = find_by_email(session, "ethique@coop.example")
    row = register.create_entry(session, ethics, complete(), signer)
    return {"ethics": ethics, "member": find_by_email(session, "membre@coop.example"),
            "entry": row, "signer": signer}


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def approved_with_opinion(session, s):
    ethics, row, signer = s["ethics"], s["entry"], s["signer"]
    register.change_status(session, ethics, row.id, "in_review", "complet", signer)
    register.change_status(session, ethics, row.id, "approved", "dossier lu", signer)
    reviews.record_review(session, ethics, row.id, opinion(), signer)


def test_an_upload_is_stored_as_json_with_its_hashes_event_and_checkpoint(app, session, setup):
    s = setup
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    result = json.loads(test.result)
    assert (test.version, test.rows, test.file_name) == (1, 3000, "prédictions.csv")
    assert result["dataset"]["sha256"] == test.dataset_sha256
    assert result["dataset"]["file_sha256"] and result["parameters"]["n_boot"] == 50
    assert "fairlearn" in result["libraries"]
    # the usagers' false positive rate is about 0.4 against 0.2: outside the default bounds
    assert result["verdicts"]["collège/false_positive_rate/usagers"] == "fail"
    assert test.failed == result["summary"]["fail"] > 0
    recorded = events(app, "BiasTestRecorded")
    assert len(recorded) == 1 and f'"entry_id":{s["entry"].id}' in recorded[0].canonical
    checkpoint = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert checkpoint.tree_size == recorded[0].leaf_index + 1


def test_a_bad_file_stores_nothing_and_names_the_column(session, setup):
    s = setup
    with pytest.raises(bias_tests.BiasTestRefused) as refused:
        bias_tests.record_upload(session, s["ethics"], s["entry"].id,
                                 upload(label="résultat"), s["signer"])
    assert "résultat" in refused.value.problems[0].text()
    broken = rows(200)
    broken[17][1] = "peut-être"
    with pytest.raises(bias_tests.BiasTestRefused) as refused:
        bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(broken),
                                 s["signer"])
    assert "19" in " ".join(p.text() for p in refused.value.problems)  # line 19: header + 18
    session.rollback()
    assert count(session, BiasTest) == 0


def test_only_the_committee_records_tests_and_waivers(session, setup):
    s = setup
    with pytest.raises(PermissionDenied):
        bias_tests.record_upload(session, s["member"], s["entry"].id, upload(), s["signer"])
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    with pytest.raises(PermissionDenied):
        bias_tests.waive(session, s["member"], test.id, "collège/false_positive_rate/usagers",
                         "on accepte", s["signer"])


def test_the_gate_needs_each_failing_verdict_waived_then_deploys(app, session, setup):
    s = setup
    approved_with_opinion(session, s)
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    refusals = register.deployment_refusals(session, s["entry"])
    uncovered = {r.params["metric"] for r in refusals if r.code == "uncovered_verdict"}
    verdicts = json.loads(test.result)["verdicts"]
    assert uncovered == {k for k, v in verdicts.items() if v != "pass"} != set()
    for metric in sorted(uncovered)[:-1]:
        bias_tests.waive(session, s["ethics"], test.id, metric, "Écart expliqué par le tri.",
                         s["signer"])
    with pytest.raises(register.GateRefused) as refused:
        register.change_status(session, s["ethics"], s["entry"].id, "deployed", "prêt",
                               s["signer"])
    assert [r.params["metric"] for r in refused.value.refusals] == [sorted(uncovered)[-1]]
    session.rollback()
    bias_tests.waive(session, s["ethics"], test.id, sorted(uncovered)[-1], "Suivi mensuel.",
                     s["signer"])
    register.change_status(session, s["ethics"], s["entry"].id, "deployed", "prêt",
                           s["signer"])
    assert s["entry"].status == "deployed"
    assert len(events(app, "BiasWaiverSigned")) == len(uncovered)


def test_waivers_are_refused_on_a_pass_without_a_reason_twice_or_for_an_old_version(
        session, setup):
    s = setup
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    verdicts = json.loads(test.result)["verdicts"]
    passing = next(k for k, v in verdicts.items() if v == "pass")
    failing = next(k for k, v in verdicts.items() if v == "fail")
    with pytest.raises(ServiceError, match="seul un verdict"):
        bias_tests.waive(session, s["ethics"], test.id, passing, "raison", s["signer"])
    with pytest.raises(ServiceError, match="seul un verdict"):
        bias_tests.waive(session, s["ethics"], test.id, "collège/inventé/x", "raison",
                         s["signer"])
    with pytest.raises(ServiceError, match="raison"):
        bias_tests.waive(session, s["ethics"], test.id, failing, "  ", s["signer"])
    bias_tests.waive(session, s["ethics"], test.id, failing, "raison", s["signer"])
    with pytest.raises(ServiceError, match="déjà"):
        bias_tests.waive(session, s["ethics"], test.id, failing, "encore", s["signer"])
    session.rollback()
    register.revise_entry(session, s["ethics"], s["entry"].id, complete(owner="Direction"),
                          s["signer"])
    other = next(k for k, v in verdicts.items() if v != "pass" and k != failing)
    with pytest.raises(ServiceError, match="version 1"):
        bias_tests.waive(session, s["ethics"], test.id, other, "raison", s["signer"])
    assert count(session, BiasWaiver) == 1


def test_a_new_version_or_a_new_test_needs_its_own_evidence(session, setup):
    s = setup
    approved_with_opinion(session, s)
    good = rows()
    for r in good:  # a fair model: predictions independent of the college
        r[2] = "1" if r[1] == "oui" else "0"
    bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(good), s["signer"])
    assert register.deployment_refusals(session, s["entry"]) == []
    later = utcnow() + timedelta(days=181)
    assert [r.code for r in register.deployment_refusals(session, s["entry"], later)] == [
        "stale_test"]
    assert [r.code for r in register.deployment_refusals(session, s["entry"], later,
                                                         retest_days=365)] == []
    # a newer test of the same version replaces the old one, with its own verdicts
    bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    assert "uncovered_verdict" in {r.code for r in register.deployment_refusals(
        session, s["entry"])}
    register.revise_entry(session, s["ethics"], s["entry"].id, complete(owner="Direction"),
                          s["signer"])
    codes = [r.code for r in register.deployment_refusals(session, s["entry"])]
    assert codes == ["no_opinion", "no_test"]


def test_the_committee_thresholds_apply_to_the_next_tests_and_are_kept(app, session, setup):
    s = setup
    before = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    assert json.loads(before.result)["verdicts"]["collège/false_positive_rate/usagers"] == "fail"
    bias_tests.approve_thresholds(session, s["ethics"], s["entry"].id,
                                  Thresholds(0.4, 2.5, 0.3), 30, "Outil d'aide au tri.",
                                  s["signer"])
    bias_tests.approve_thresholds(session, s["ethics"], s["entry"].id,
                                  Thresholds(0.45, 2.5, 0.3), 40, "Revu en séance.",
                                  s["signer"])
    after = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    result = json.loads(after.result)
    assert result["parameters"]["thresholds"]["ratio_min"] == 0.45
    assert result["parameters"]["min_count"] == 40
    assert result["verdicts"]["collège/false_positive_rate/usagers"] == "pass"
    history = bias_tests.thresholds_history(session, s["entry"].id)
    assert [(h.ratio_min, h.latest) for h in history] == [(0.45, True), (0.4, False)]
    assert len(events(app, "BiasThresholdsApproved")) == 2
    with pytest.raises(bias_tests.BiasTestRefused):
        bias_tests.approve_thresholds(session, s["ethics"], s["entry"].id,
                                      Thresholds(1.2, 0.8, 0.1), 0, "", s["signer"])


def test_the_database_keeps_one_latest_threshold_row_per_entry(session, setup):
    from sqlalchemy.exc import IntegrityError

    s = setup
    for ratio in (0.7, 0.75):
        session.add(BiasThresholds(entry_id=s["entry"].id, ratio_min=ratio, ratio_max=1.25,
                                   max_difference=0.1, min_count=30, reason="x"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_a_python_caller_passes_arrays(session, setup):
    s = setup
    data = rows(600)
    predictions = predictions_from_arrays(
        [r[1] for r in data], [r[2] for r in data], sensitive={"collège": [r[4] for r in data]})
    result = bias_test(predictions, n_boot=20, extra_parameters={"source": "notebook"})
    test = bias_tests.record_result(session, s["ethics"], s["entry"].id, result, s["signer"])
    stored = json.loads(test.result)
    assert stored["verdicts"] == result.verdicts()
    assert stored["parameters"]["source"] == "notebook"


def test_the_cli_stores_a_test_for_an_entry_with_its_thresholds(app, session, setup, tmp_path):
    from tests.integration.test_cli_register import write_csv

    s = setup
    bias_tests.approve_thresholds(session, s["ethics"], s["entry"].id,
                                  Thresholds(0.4, 2.5, 0.3), 25, "Outil d'aide.", s["signer"])
    path = write_csv(tmp_path / "p.csv", rows())
    result = run(app, "register", "bias-test", path, "--label", "réel", "--prediction",
                 "prédit", "--sensitive", "collège", "--bootstrap", "20", "--model",
                 s["entry"].id)
    assert result.exit_code == 0, result.output
    assert "enregistré pour l'entrée" in result.output
    session.expire_all()
    [test] = bias_tests.tests_of(session, s["entry"].id)
    assert json.loads(test.result)["parameters"]["min_count"] == 25
    missing = run(app, "register", "bias-test", path, "--label", "réel", "--prediction",
                  "prédit", "--sensitive", "collège", "--model", 999)
    assert missing.exit_code == 2 and "n'existe pas" in missing.output


def test_the_committee_uploads_reads_downloads_and_waives_in_the_pages(app, people, browser):
    from consult.db import get_session
    from consult.services.members import find_by_email

    people.add("ethique@coop.example", name="Inès Éthique", roles=("ethics",))
    with app.app_context():  # set up, then leave: the pages run in their own contexts
        ethics = find_by_email(get_session(), "ethique@coop.example")
        entry_id = register.create_entry(get_session(), ethics, complete(),
                                         signer_for(app.config)).id
    browser.login("ethique@coop.example")
    url = f"/registre/{entry_id}/tests/nouveau"
    token = csrf_from(browser.client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "label": "réel", "prediction": "prédit",
            "sensitive": "collège, âge", "n_boot": "30", "seed": "0"}
    bad = browser.client.post(url, data={**form, "sensitive": "genre", "file": (
        io.BytesIO(csv_bytes()), "p.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "Rien n'a été enregistré" in read(bad) and "genre" in read(bad)
    response = browser.client.post(url, data={**form, "file": (io.BytesIO(csv_bytes()),
                                                                "p.csv")},
                                   content_type="multipart/form-data")
    assert response.status_code == 302, read(response)
    page = browser.client.get(response.headers["Location"])
    text = read(page)
    assert 'role="img"' in text and "<svg" in text and "<desc" in text
    assert "Taux de faux positifs par groupe" in text and "hors des seuils" in text
    assert "collège × âge" in text  # the intersection is tested too
    assert "pas un test juridique" in text
    test_id = int(response.headers["Location"].rsplit("/", 1)[1])
    download = browser.client.get(f"/registre/tests/{test_id}.json")
    assert "attachment" in download.headers["Content-Disposition"]
    verdicts = download.get_json()["verdicts"]
    failing = next(k for k, v in verdicts.items() if v == "fail")
    waived = browser.client.post(f"/registre/tests/{test_id}/derogation", data={
        "csrf_token": csrf_from(text), "metric": failing, "reason": "Écart suivi."},
        follow_redirects=True)
    assert "Dérogation signée" in read(waived) and "Inès Éthique" in read(waived)
    entry_page = read(browser.client.get(f"/registre/{entry_id}"))
    assert "Tests de biais" in entry_page and "p.csv" in entry_page
    no_token = browser.client.post(f"/registre/tests/{test_id}/derogation", data={
        "metric": failing, "reason": "x"})
    assert no_token.status_code in (302, 400)
    with app.app_context():
        assert len(bias_tests.waivers_of(get_session(), entry_id)) == 1


def test_a_member_cannot_open_the_tests(app, people, browser, session, setup):
    s = setup
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    session.commit()
    browser.login("membre@coop.example")
    assert browser.client.get(f"/registre/tests/{test.id}").status_code == 403
    assert browser.client.get(f"/registre/tests/{test.id}.json").status_code == 403
    assert browser.client.get(f"/registre/{s['entry'].id}/tests/nouveau").status_code == 403


def test_a_stale_or_missing_test_flags_the_model_in_the_list(app, session, setup, browser):
    s = setup
    approved_with_opinion(session, s)
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    test.created_at = utcnow() - timedelta(days=200)
    session.add(test)
    fresh = register.create_entry(session, s["ethics"], complete(name="Traduction"),
                                  s["signer"])
    session.commit()
    browser.login("ethique@coop.example")
    listing = read(browser.client.get("/registre"))
    assert "périmé" in listing
    stale_only = read(browser.client.get("/registre?stale=y")).split("<main")[1]
    assert s["entry"].name in stale_only and fresh.name not in stale_only
    assert "plus de 180 jours" in read(browser.client.get(f"/registre/{s['entry'].id}"))


def test_the_model_card_carries_the_latest_tests_verdicts_and_waivers(session, setup):
    from consult.services.model_cards import model_card, model_card_json

    s = setup
    bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    test = bias_tests.record_upload(session, s["ethics"], s["entry"].id, upload(), s["signer"])
    failing = next(k for k, v in json.loads(test.result)["verdicts"].items() if v == "fail")
    bias_tests.waive(session, s["ethics"], test.id, failing, "Suivi.", s["signer"])
    document = model_card_json(model_card(session, s["ethics"], s["entry"].id))
    latest, earlier = document["bias_tests"]
    assert latest["failed"] == test.failed and earlier["verdicts"] == []
    waived = [v for v in latest["verdicts"] if v["waived"]]
    assert [f'{v["attribute"]}/{v["metric"]}/{v["group"]}' for v in waived] == [failing]
    assert len(latest["verdicts"]) == len(json.loads(test.result)["verdicts"])


def test_parallel_approvals_and_waivers_keep_one_of_each(app, people):
    """Committee members sending at once through a real server: one set of thresholds stays in
    force, one waiver per verdict, and nobody gets an error page."""
    import threading

    from consult.db import get_session
    from consult.services.members import find_by_email
    from tests.helpers import HttpSession, LiveServer

    for i in range(4):
        people.add(f"ethique{i}@coop.example", name=f"Membre {i}", roles=("ethics",))
    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        ethics = find_by_email(db, "ethique0@coop.example")
        entry_id = register.create_entry(db, ethics, complete(), signer).id
        test = bias_tests.record_upload(db, ethics, entry_id, upload(), signer)
        failing = next(k for k, v in json.loads(test.result)["verdicts"].items() if v == "fail")
        test_id = test.id
    answers, errors = [], []

    def act(i, server):
        try:
            person = HttpSession(server.url)
            assert person.login(f"ethique{i}@coop.example") == 302
            token = person.csrf_token(f"/registre/{entry_id}/seuils")
            answers.append(person.request(f"/registre/{entry_id}/seuils", {
                "csrf_token": token, "ratio_min": "0,7", "ratio_max": "1,4",
                "max_difference": "0,2", "min_count": str(20 + i), "reason": f"Séance {i}"})[0])
            answers.append(person.request(f"/registre/tests/{test_id}/derogation", {
                "csrf_token": token, "metric": failing, "reason": f"Accepté par {i}"})[0])
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    with LiveServer(app) as server:
        threads = [threading.Thread(target=act, args=(i, server)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors and len(answers) == 8
    assert set(answers) <= {302, 422}, answers  # done, or refused with a message
    with app.app_context():
        db = get_session()
        latest = db.exec(select(BiasThresholds).where(BiasThresholds.entry_id == entry_id,
                                                      BiasThresholds.latest)).all()
        assert len(latest) == 1
        assert len(bias_tests.waivers_of(db, entry_id)) == 1
