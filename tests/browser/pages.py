"""What a person does in a real browser, in verbs: open a page, fill a form, press keys,
and what the tests check on each page: a screenshot and axe-core's serious or critical
violations."""

import json
import re
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BLOCKING = ("serious", "critical")
WAIT = 60  # seconds: generous, as a bias test or a PDF takes a while on a busy machine


def replaced(old):
    """A wait's condition: the page that held ``old`` is gone. Asked while the next page
    arrives, chromedriver sometimes answers "Node with given id does not belong to the
    document" instead of "stale element": the node is gone all the same."""
    def gone(_driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error) or "No node with given id" in str(
                    error):
                return True
            raise
        return False
    return gone
PHONE_WIDTH = 400  # px: at or below, a page must reflow without sideways scrolling

# Focusable controls in document order, as the Tab key should visit them: one stop per radio
# group (the checked radio, or the first), nothing hidden, disabled or out of the tab order.
TAB_ORDER_JS = """
const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
const seen = new Set();
const stops = [];
for (const el of document.querySelectorAll(selector)) {
  if (el.disabled || el.type === 'hidden' || el.tabIndex < 0) continue;
  if (el.closest('[inert]') || (el.closest('details:not([open])') && el.tagName !== 'SUMMARY'))
    continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none') continue;
  if (!el.getClientRects().length) continue;
  if (el.type === 'radio') {
    if (seen.has(el.name)) continue;
    seen.add(el.name);
    const group = [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)];
    stops.push(group.find(r => r.checked) || el);
    continue;
  }
  stops.push(el);
}
return stops;
"""

FOCUS_VISIBLE_JS = """
const el = document.activeElement;
if (!el || el === document.body) return 'nothing has the focus';
if (!el.matches(':focus-visible')) return 'the focused element does not match :focus-visible';
const style = getComputedStyle(el);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const shadow = style.boxShadow && style.boxShadow !== 'none';
return outline || shadow ? '' : 'the focused element has neither outline nor box-shadow';
"""

# What sticks out of a page wider than the window: elements past its right edge, leaving out
# those inside a box that scrolls by itself (a wide table in its .table-scroll region).
WIDE_JS = """
const root = document.documentElement;
if (root.scrollWidth <= root.clientWidth) return [];
const contained = e => {
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
  return false;
};
return [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1 && !contained(e))
  .slice(0, 5).map(e => e.outerHTML.slice(0, 80));
"""

AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(results => done({version: axe.version, violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map(n => n.target.join(' '))}))}))
  .catch(error => done({error: String(error)}));
"""


class Page:
    """The browser on the live server: pages opened, screenshots saved, axe-core run."""

    def __init__(self, driver, server, axe_source: str, screenshots: Path):
        self.driver = driver
        self.base_url = server.url
        self.axe_source = axe_source
        self.screenshots = screenshots
        self.step = 0
        self.visited: list[str] = []  # paths checked with axe-core, in order
        self.axe_version = ""
        self.minor: dict[str, dict] = {}  # moderate or minor violations: reported, not failed

    # -- moving around ---------------------------------------------------------------------
    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait_loaded()

    def wait_loaded(self) -> None:
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def path(self) -> str:
        url = self.driver.current_url
        assert url.startswith(self.base_url), url
        return url[len(self.base_url):] or "/"

    def find(self, css: str):
        return WebDriverWait(self.driver, WAIT).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def submit_with(self, element) -> None:
        """Click a submit button and wait for the next page to replace this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(self.driver, WAIT).until(replaced(old))
        self.wait_loaded()

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    # -- keyboard ------------------------------------------------------------------------
    def press(self, *keys: str) -> None:
        """Keys sent to whatever has the focus, as a person types them."""
        self.driver.switch_to.active_element.send_keys(*keys)

    def press_and_wait(self, key: str) -> None:
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.press(key)
        WebDriverWait(self.driver, WAIT).until(replaced(old))
        self.wait_loaded()

    def tab_stops(self) -> list:
        return self.driver.execute_script(TAB_ORDER_JS)

    def focus_problem(self) -> str:
        return self.driver.execute_script(FOCUS_VISIBLE_JS)

    def describe(self, element) -> str:
        return self.driver.execute_script(
            "const e = arguments[0]; return e.outerHTML.slice(0, 120);", element)

    def walk_tab_order(self) -> list:
        """Tab from the top of the page through every stop, checking each one is the next in
        document order and shows its focus; returns the stops."""
        self.driver.execute_script("document.activeElement && document.activeElement.blur();"
                                   "window.scrollTo(0, 0);")
        expected = self.tab_stops()
        assert expected, "the page has no control to reach"
        for number, element in enumerate(expected, 1):
            self.press(Keys.TAB)
            active = self.driver.switch_to.active_element
            assert active == element, (
                f"Tab stop {number} on {self.path()}: expected {self.describe(element)}, "
                f"got {self.describe(active)}")
            problem = self.focus_problem()
            assert not problem, f"Tab stop {number} on {self.path()}: {problem}"
        return expected

    def tab_to(self, css: str, limit: int = 60):
        """Press Tab until the element matching css has the focus (its focus visible at every
        stop on the way)."""
        target = self.find(css)
        for _ in range(limit):
            self.press(Keys.TAB)
            if self.driver.execute_script("return document.activeElement === document.body"):
                continue  # past the last control the focus leaves the page, then comes back
            problem = self.focus_problem()
            assert not problem, f"on {self.path()}: {problem}"
            if self.driver.switch_to.active_element == target:
                return target
        raise AssertionError(f"Tab never reached {css} on {self.path()}")

    # -- what is checked on every page -------------------------------------------------
    def shot(self, name: str) -> Path:
        self.step += 1
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{self.step:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def axe(self, label: str = "") -> None:
        """axe-core on the current page: fails on any serious or critical violation."""
        if not self.driver.execute_script("return typeof window.axe !== 'undefined'"):
            self.driver.execute_script(self.axe_source)
        result = self.driver.execute_async_script(AXE_RUN_JS)
        assert "error" not in result, f"axe-core failed on {self.path()}: {result['error']}"
        self.axe_version = result["version"]
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
        where = f"{self.path()}{f' ({label})' if label else ''}"
        for v in result["violations"]:
            if v["impact"] not in BLOCKING:
                self.minor.setdefault(v["id"], {"impact": v["impact"], "help": v["help"],
                                                "pages": []})["pages"].append(where)
        assert not blocking, f"axe-core {self.axe_version} on {where}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}; nodes: {', '.join(v['targets'])}"
            for v in blocking)

    def write_report(self) -> None:
        """axe-core's moderate and minor findings, beside the screenshots (axe.json)."""
        if self.minor:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            (self.screenshots / "axe.json").write_text(
                json.dumps({"axe": self.axe_version, "not_blocking": self.minor}, indent=2,
                           ensure_ascii=False), encoding="utf-8")

    def check(self, name: str) -> None:
        """One step of a journey: its screenshot, then axe-core on the page."""
        self.shot(name)
        self.axe(name)
        if self.path() not in self.visited:
            self.visited.append(self.path())

    def recheck_visited(self, language: str, width: int, height: int) -> None:
        """Every page visited so far, again in another language and window size."""
        self.open(f"/language/{language}?next=/")
        self.driver.set_window_size(width, height)
        for path in list(self.visited):
            self.open(path)
            slug = "-".join(p for p in re.split(r"[/?#=&]", path) if p) or "home"
            self.shot(f"{language}-{width}px-{slug}")
            self.axe(f"{language}, {width} px")
            if width <= PHONE_WIDTH:
                self.assert_no_sideways_scroll()

    def assert_no_sideways_scroll(self) -> None:
        """At phone width the page reflows: nothing makes it scroll sideways (RGAA 10.11)."""
        wide = self.driver.execute_script(WIDE_JS)
        assert not wide, f"{self.path()} scrolls sideways at phone width: {wide}"
