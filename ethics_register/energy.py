"""The energy a block of work used, and its emissions: measured when CodeCarbon is installed,
estimated from CPU time otherwise, and always saying which.

``with measure_energy() as meter: work()`` then ``meter.result``, an :class:`Energy` in kWh and
grams of CO₂e with its ``method``:

- ``codecarbon-offline``: the optional extra ``energy`` (``pip install palabre[energy]``)
  brings CodeCarbon, whose ``OfflineEmissionsTracker`` measures the CPU (Intel RAPL where the
  machine exposes it, else the CPU model's TDP × its load) and the memory, with France's grid
  intensity from its own data. Offline: no network call, nothing written (``save_to_file``
  off, its output directory a temporary one), no lock file nor signal handler (the worker keeps
  its own), errors only in the log.
- ``cpu-time-estimate``: without CodeCarbon, the CPU time of the process during the block
  (user + system, every thread, with the child processes it waited for) × 12 W per busy core,
  the default power draw per core of the Green Algorithms calculator for a CPU of unknown
  model (Lannelongue, Grealey & Inouye, "Green Algorithms: Quantifying the Carbon Footprint of
  Computation", Advanced Science 8(12), 2021; green-algorithms-tool, data/v2.2/TDP_cpu.csv),
  × 56 g CO₂e per kWh, France's 2023 grid intensity in CodeCarbon's own data
  (global_energy_mix.json), so that both methods use the same grid. Memory, idle power, the
  machine room's overhead (PUE) and the making of the hardware are not counted: an order of
  magnitude, not a measure.

The French sentence saying how the figure was obtained is :attr:`Energy.explanation` (a
template marked for translation, with its parameters in :attr:`Energy.explanation_params`).
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from .problems import N_

WATTS_PER_CORE = 12.0  # W per busy core: Green Algorithms' default for an unknown CPU model
FRANCE_G_PER_KWH = 56.0  # g CO₂e/kWh: France 2023 in CodeCarbon's global_energy_mix.json
METHODS = ("codecarbon-offline", "cpu-time-estimate")
EXPLANATIONS = {
    "codecarbon-offline": N_(
        "Mesurée par CodeCarbon %(version)s hors ligne (processeur et mémoire de la machine, "
        "par les compteurs RAPL quand elle les expose, sinon d'après la puissance nominale du "
        "processeur et sa charge), avec l'intensité carbone du réseau électrique français."),
    "cpu-time-estimate": N_(
        "Estimée d'après le temps de calcul du processeur (%(cpu_seconds)s s) : %(watts)s W "
        "par cœur occupé (valeur par défaut du calculateur Green Algorithms) et %(grams)s g de "
        "CO₂e par kWh (réseau électrique français, 2023). Ni la mémoire, ni la climatisation, "
        "ni la fabrication du matériel ne sont comptées : c'est un ordre de grandeur."),
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Energy:
    """What a block of work used: energy in kWh, emissions in grams of CO₂e, and how."""

    kwh: float
    co2e_g: float
    method: str  # one of METHODS
    seconds: float  # wall-clock time of the block
    cpu_seconds: float  # CPU time of the process (and the children it waited for)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        """How the figure was obtained, in French (a template: see ``explanation_params``)."""
        return EXPLANATIONS[self.method]

    @property
    def explanation_params(self) -> dict[str, Any]:
        return {"version": self.parameters.get("codecarbon", ""),
                "cpu_seconds": f"{self.cpu_seconds:.1f}",
                "watts": f"{self.parameters.get('watts_per_core', WATTS_PER_CORE):g}",
                "grams": f"{self.parameters.get('g_co2e_per_kwh', FRANCE_G_PER_KWH):g}"}

    def to_json(self) -> dict[str, Any]:
        return {"kwh": self.kwh, "co2e_g": self.co2e_g, "method": self.method,
                "seconds": self.seconds, "cpu_seconds": self.cpu_seconds,
                "parameters": self.parameters,
                "explanation": self.explanation % self.explanation_params,
                "explanation_params": self.explanation_params}


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its waited-for children, in seconds."""
    try:
        import resource
    except ImportError:  # not on Unix: this process only
        return time.process_time()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def estimate(cpu_time: float, seconds: float, *, watts_per_core: float = WATTS_PER_CORE,
             g_per_kwh: float = FRANCE_G_PER_KWH) -> Energy:
    """The estimate from ``cpu_time`` CPU seconds: W × s is J, and 3.6 MJ is one kWh."""
    kwh = cpu_time * watts_per_core / 3.6e6
    return Energy(kwh=kwh, co2e_g=kwh * g_per_kwh, method="cpu-time-estimate",
                  seconds=seconds, cpu_seconds=cpu_time,
                  parameters={"watts_per_core": watts_per_core, "g_co2e_per_kwh": g_per_kwh})


def codecarbon_version() -> str | None:
    """The installed CodeCarbon's version, or None when the ``energy`` extra is absent."""
    try:
        return metadata.version("codecarbon")
    except metadata.PackageNotFoundError:
        return None


class EnergyMeter:
    """The context manager :func:`measure_energy` returns; ``result`` is set on exit."""

    def __init__(self, use_codecarbon: bool | None = None):
        self.use_codecarbon = (codecarbon_version() is not None if use_codecarbon is None
                               else use_codecarbon)
        self.result: Energy | None = None
        self._tracker = self._folder = None

    def __enter__(self) -> EnergyMeter:
        if self.use_codecarbon:
            self._tracker = self._start_tracker()
        self._wall, self._cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *_exc) -> None:
        seconds, cpu_time = time.perf_counter() - self._wall, cpu_seconds() - self._cpu
        measured = self._stop_tracker(seconds, cpu_time) if self._tracker else None
        self.result = measured or estimate(cpu_time, seconds)

    def _start_tracker(self):
        try:
            from codecarbon import OfflineEmissionsTracker

            # Its logger speaks before it reads log_level: quiet from the start.
            logging.getLogger("codecarbon").setLevel(logging.ERROR)
            self._folder = tempfile.TemporaryDirectory(prefix="palabre-energy-")
            tracker = OfflineEmissionsTracker(
                country_iso_code="FRA", project_name="palabre", output_dir=self._folder.name,
                allow_multiple_runs=True, log_level="error", tracking_mode="process",
                **_no_output())
            tracker.start()
            return tracker
        except Exception:  # a meter that cannot start falls back to the estimate
            log.exception("CodeCarbon could not start: energy estimated from CPU time")
            self._cleanup()
            return None

    def _stop_tracker(self, seconds: float, cpu_time: float) -> Energy | None:
        try:
            kg = self._tracker.stop()
            data = self._tracker.final_emissions_data
            kwh = float(data.energy_consumed)
            co2e_g = float(kg if kg is not None else data.emissions) * 1000
        except Exception:
            log.exception("CodeCarbon could not measure: energy estimated from CPU time")
            return None
        finally:
            self._cleanup()
        return Energy(kwh=kwh, co2e_g=co2e_g, method="codecarbon-offline", seconds=seconds,
                      cpu_seconds=cpu_time,
                      parameters={"codecarbon": codecarbon_version(), "country": "FRA",
                                  "tracking_mode": "process"})

    def _cleanup(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def _no_output() -> dict[str, Any]:
    """CodeCarbon's argument for saving nothing: ``output_methods`` since 3.x, whose
    ``save_to_*`` arguments warn that they are deprecated; ``save_to_file`` before."""
    try:
        from codecarbon.output_methods.base_output import OutputMethod  # noqa: F401
    except ImportError:
        return {"save_to_file": False}
    return {"output_methods": []}


def measure_energy(use_codecarbon: bool | None = None) -> EnergyMeter:
    """Measure the energy of a ``with`` block: CodeCarbon when installed (or when
    ``use_codecarbon`` is True), the CPU-time estimate otherwise (or when it is False)."""
    return EnergyMeter(use_codecarbon)
