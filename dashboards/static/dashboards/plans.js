/* The emergency plans page: Start / Dismiss a proposed run, Stop a running one, start a plan
 * by hand (each after a confirmation), through the REST API with the session and the CSRF
 * token; the runs' part follows live (`emergency_plans`): on any change it is read again. */
(function () {
  "use strict";
  const api = CityLive.api;
  const PATHS = {
    start: function (id) { return "/api/v1/emergency/plan-runs/" + id + "/start/"; },
    stop: function (id) { return "/api/v1/emergency/plan-runs/" + id + "/stop/"; },
    dismiss: function (id) { return "/api/v1/emergency/plan-runs/" + id + "/dismiss/"; },
    plan: function (id) { return "/api/v1/emergency/plans/" + id + "/start/"; },
  };
  const QUESTIONS = {
    start: "Start the plan \u201c%s\u201d? Its lights go to their emergency levels until it is stopped.",
    stop: "Stop the plan \u201c%s\u201d? Its lights go back to their programme.",
    dismiss: "Dismiss the proposal of \u201c%s\u201d? Nothing is lit.",
    plan: "Start the plan \u201c%s\u201d by hand? Its lights go to their emergency levels until it is stopped.",
  };

  async function reload() {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("plan-runs");
    const plans = page.getElementById("plan-table");
    if (fresh) document.getElementById("plan-runs").replaceChildren(...fresh.childNodes);
    if (plans) document.getElementById("plan-table").replaceChildren(...plans.childNodes);
  }

  async function act(kind, id, name) {
    if (!window.confirm(QUESTIONS[kind].replace("%s", name))) return;
    const error = document.getElementById("plan-error");
    if (error) error.textContent = "";
    try {
      await api(PATHS[kind](id), { method: "POST", body: {} });
      await reload();
    } catch (failure) {
      const shown = document.getElementById("plan-error");
      if (shown) shown.textContent = failure.message;
    }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action], button[data-plan-start]");
    if (!button) return;
    if (button.dataset.planStart) act("plan", button.dataset.planStart, button.dataset.name);
    else act(button.dataset.action, button.dataset.run, button.dataset.name);
  });

  let pending = null;
  function soon() { clearTimeout(pending); pending = setTimeout(reload, 200); }
  window.cityPlansLive = CityLive.start({
    topics: ["emergency_plans"],
    on: { "plan_run.proposed": soon, "plan_run.changed": soon },
    refresh: reload,
  });
})();
