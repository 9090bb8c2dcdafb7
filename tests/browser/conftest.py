"""Real-browser fixtures: Debian's Chromium driven by Selenium, axe-core vendored from the npm
registry, the app served over HTTP on a free local port with the demo loaded.

The session installs what it lacks by itself (Chromium with ``apt-get`` when root, axe-core with
``npm``), each step bounded in time; when a step cannot be done every browser test skips and
says why. Nothing is downloaded by Selenium Manager or from a CDN."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import LiveServer

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_SPEC = "axe-core@4"
AXE_FILE = VENDOR / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_TIMEOUT = 600  # seconds for all of apt-get's calls together
NPM_TIMEOUT = 180
WINDOW = (1280, 900)
PHONE = (375, 812)


def _run(command: list[str], timeout: int) -> subprocess.CompletedProcess | str:
    """The finished command, or a sentence saying why it did not finish."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"`{' '.join(command)}` took more than {timeout} s"
    except OSError as error:
        return f"`{' '.join(command)}` could not start: {error}"


def _tail(result: subprocess.CompletedProcess) -> str:
    return " ".join((result.stderr or result.stdout).strip().splitlines()[-3:])


def install_chromium() -> str | None:
    """Install Debian's chromium and chromium-driver when absent; None when both are there,
    otherwise why they are not."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    if os.geteuid() != 0:
        return "Chromium is not installed and the tests are not root to apt-get it"
    if shutil.which("apt-get") is None:
        return "Chromium is not installed and this machine has no apt-get"
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium",
               "chromium-driver"]
    deadline = time.monotonic() + INSTALL_TIMEOUT

    def left() -> int:
        return max(1, int(deadline - time.monotonic()))

    result = _run(install, left())
    if not isinstance(result, str) and result.returncode != 0:
        # a fresh machine may have no package lists yet
        update = _run(["apt-get", "update"], left())
        if isinstance(update, str):
            return update
        result = _run(install, left())
    if isinstance(result, str):
        return result
    if result.returncode != 0:
        return f"apt-get could not install chromium: {_tail(result)}"
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return f"apt-get ran but {CHROMIUM} or {CHROMEDRIVER} is still missing"
    return None


def vendor_axe() -> str | None:
    """axe-core from the npm registry into tests/browser/vendor/ (git-ignored); None when it
    is there, otherwise why not."""
    if AXE_FILE.exists():
        return None
    if shutil.which("npm") is None:
        return "axe-core is not vendored and npm is not installed"
    VENDOR.mkdir(parents=True, exist_ok=True)
    result = _run(["npm", "install", "--prefix", str(VENDOR), "--no-audit", "--no-fund",
                   "--no-save", AXE_SPEC], NPM_TIMEOUT)
    if isinstance(result, str):
        return result
    if result.returncode != 0 or not AXE_FILE.exists():
        return f"npm could not fetch {AXE_SPEC}: {_tail(result)}"
    return None


@pytest.fixture(scope="session")
def chromium():
    reason = install_chromium()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source():
    reason = vendor_axe()
    if reason:
        pytest.skip(f"accessibility checks skipped: {reason}")
    return AXE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def driver(chromium):
    """One headless Chromium for the run, closed at the end whatever happened."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                     "--lang=fr-FR", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER))
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(30)
    browser.set_script_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def page(driver, live, axe_source, request):
    """The browser on the live server, cookies cleared, window back to desktop size; with
    verbs to open pages, take screenshots and run axe-core."""
    from tests.browser.pages import Page

    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)  # this run's steps only
    driver.delete_all_cookies()
    driver.set_window_size(*WINDOW)
    page = Page(driver, live, axe_source, folder)
    yield page
    page.write_report()


@pytest.fixture
def demo(app):
    """The demo cooperative loaded (no analysis: spaCy stays out): its accounts and password."""
    from consult.db import get_session
    from consult.demo import load_demo

    with app.app_context():
        return load_demo(get_session(), app.instance_path, "test-key")


@pytest.fixture
def live(app, demo):
    """The app served over real HTTP on 127.0.0.1, stopped at the end even on failure."""
    with LiveServer(app) as server:
        server.demo = demo
        yield server
