"""The browser setup says why it cannot run instead of failing: no browser, nothing started."""

from tests.browser import conftest


def test_chromium_missing_and_not_root_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(conftest.os, "geteuid", lambda: 1000)
    assert conftest.install_chromium() == (
        "Chromium is not installed and the tests are not root to apt-get it")


def test_a_command_that_runs_too_long_is_stopped_and_named():
    assert conftest._run(["sleep", "5"], timeout=1) == "`sleep 5` took more than 1 s"


def test_axe_missing_without_npm_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "AXE_FILE", tmp_path / "axe.min.js")
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)
    assert conftest.vendor_axe() == "axe-core is not vendored and npm is not installed"
