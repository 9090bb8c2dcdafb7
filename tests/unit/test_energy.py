"""The energy of a block of work: CodeCarbon's offline measure, or the CPU-time estimate."""

import json
import os
from pathlib import Path

import pytest

from ethics_register import measure_energy
from ethics_register.energy import (
    EXPLANATIONS,
    FRANCE_G_PER_KWH,
    WATTS_PER_CORE,
    codecarbon_version,
    estimate,
)


def busy(seconds=0.2):
    """Keep one core busy for about ``seconds`` of CPU time."""
    start, total = os.times(), 0
    while (os.times().user + os.times().system) - (start.user + start.system) < seconds:
        total += sum(i * i for i in range(10_000))
    return total


def test_the_estimate_is_cpu_time_times_watts_per_core_times_the_french_grid():
    energy = estimate(3600.0, 4000.0)  # one core busy for an hour: 12 Wh
    assert energy.kwh == pytest.approx(WATTS_PER_CORE / 1000) == pytest.approx(0.012)
    assert energy.co2e_g == pytest.approx(0.012 * FRANCE_G_PER_KWH)
    assert (energy.method, energy.seconds, energy.cpu_seconds) == ("cpu-time-estimate",
                                                                   4000.0, 3600.0)
    document = json.loads(json.dumps(energy.to_json()))
    assert document["parameters"] == {"watts_per_core": 12.0, "g_co2e_per_kwh": 56.0}
    assert document["explanation"].startswith("Estimée d'après le temps de calcul du "
                                              "processeur (3600.0 s) : 12 W par cœur occupé")
    assert "56 g de CO₂e par kWh" in document["explanation"]


def test_a_block_without_codecarbon_is_estimated_from_its_cpu_time():
    with measure_energy(use_codecarbon=False) as meter:
        busy()
    energy = meter.result
    assert energy.method == "cpu-time-estimate" and energy.explanation == EXPLANATIONS[
        "cpu-time-estimate"]
    assert 0.15 <= energy.cpu_seconds <= 5 and energy.seconds > 0
    assert energy.kwh == pytest.approx(energy.cpu_seconds * WATTS_PER_CORE / 3.6e6)


def test_without_the_extra_the_default_is_the_estimate():
    if codecarbon_version() is not None:
        pytest.skip("CodeCarbon is installed here: the default is its measure")
    with measure_energy() as meter:
        busy(0.05)
    assert meter.result.method == "cpu-time-estimate"


def test_codecarbon_measures_offline_and_writes_nothing(tmp_path, monkeypatch):
    if codecarbon_version() is None:
        pytest.skip("CodeCarbon is not installed (the optional extra: pip install "
                    "'palabre[energy]'): its offline measure is not tested here")
    monkeypatch.chdir(tmp_path)  # CodeCarbon writes emissions.csv in the working directory
    with measure_energy() as meter:
        busy()
    energy = meter.result
    assert energy.method == "codecarbon-offline", energy
    assert energy.kwh > 0 and energy.co2e_g > 0 and energy.cpu_seconds >= 0.15
    assert energy.parameters["codecarbon"] == codecarbon_version()
    assert energy.to_json()["explanation"].startswith(
        f"Mesurée par CodeCarbon {codecarbon_version()} hors ligne")
    assert list(Path(tmp_path).iterdir()) == []
