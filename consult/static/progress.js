// Palabre: the progress of an analysis, followed in place. An enhancement: without JavaScript
// the page refreshes itself every 5 seconds (a <noscript> refresh) and shows the same figures.
// Every 2.5 seconds the script asks the run's progress (JSON) and updates the bar, the stage
// and the percentage inside their aria-live region; once the run is no longer queued or
// running, it reloads the page, which then shows the themes, the failure or the cancellation.
(function () {
  var region = document.querySelector("[data-progress-url]");
  if (!region || !window.fetch) { return; }
  var url = region.dataset.progressUrl;
  var bar = region.querySelector("progress");
  var stage = region.querySelector("[data-progress-stage]");
  var percent = region.querySelector("[data-progress-percent]");
  var EVERY_MS = 2500;

  function setText(element, text) {
    if (element && text != null && element.textContent !== text) { element.textContent = text; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        if (state.status !== "queued" && state.status !== "running") {
          window.location.reload();
          return;
        }
        if (bar && String(bar.value) !== String(state.percent)) {
          bar.value = state.percent;
          bar.textContent = state.percent_text;
        }
        setText(stage, state.stage_label);
        setText(percent, state.percent_text);
        window.setTimeout(poll, EVERY_MS);
      })
      .catch(function () {
        window.setTimeout(poll, EVERY_MS * 4);  // the server is busy or gone: ask less often
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();
