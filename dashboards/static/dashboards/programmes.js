/* The programme editor: a list of programmes, a step list (each step at a fixed local time or
 * at a sun event plus an offset, with a level), saved through the lighting API, and a preview
 * of one night's profile drawn from the API's profile/ (the resolver's own schedule logic). */
(function () {
  "use strict";
  const E = window.CityEditor;
  const config = JSON.parse(document.getElementById("programme-editor").textContent);
  const programmes = config.programmes.slice();
  const editable = config.may_change || config.may_add;
  const form = document.getElementById("programme-form");
  const list = document.querySelector("#programme-list tbody");
  const stepRows = document.querySelector("#step-table tbody");
  const status = document.getElementById("programme-status");
  const previewStatus = document.getElementById("preview-status");
  const chartCanvas = document.getElementById("profile-chart");
  let current = null;
  let dirty = false;  // edits not saved yet

  /* True when there are unsaved edits and the user chooses to keep them. */
  function keepEdits() {
    return dirty && !window.confirm("Discard the changes not saved yet?");
  }  // the id of the programme in the editor, null for a new one
  let previewTimer = null;
  let instants = null;  // when each step happens in the last preview (ms), in the rows' order

  const SUN_STEPS = [{ trigger: "sunset", offset_min: 0, level: 100 }, { trigger: "sunrise", offset_min: 0, level: 0 }];

  function renderList() {
    list.replaceChildren();
    programmes.forEach(function (p) {
      const tr = E.el("tr", { dataset: { id: p.id } }, [
        E.el("td", { text: p.name }), E.el("td", { class: "num", text: String(p.steps.length) }),
      ]);
      if (p.id === current) tr.classList.add("selected");
      tr.addEventListener("click", function () { if (keepEdits()) return; load(p); });
      list.append(tr);
    });
    if (!programmes.length) list.append(E.el("tr", {}, [E.el("td", { colspan: "2", class: "muted", text: "No programme yet." })]));
    document.getElementById("programme-count").textContent = programmes.length;
  }

  function cell(path, input) {
    return E.el("td", {}, [E.el("div", { class: "field" }, [input, E.el("span", { class: "field-error", dataset: { errorFor: path } })])]);
  }

  function stepRow(step) {
    const tr = E.el("tr", { class: "step" });
    const trigger = E.options(E.el("select", { name: "trigger", "aria-label": "Starts at" }), config.triggers, step.trigger || "time");
    const time = E.el("input", { type: "time", name: "time", value: step.time || "", "aria-label": "Local time" });
    const offset = E.el("input", { type: "number", name: "offset_min", step: "1", min: "-720", max: "720", value: String(step.offset_min || 0), "aria-label": "Offset in minutes" });
    const offsetWrap = E.el("span", { class: "offset" }, [offset, document.createTextNode(" min")]);
    const level = E.el("input", { type: "number", name: "level", min: "0", max: "100", step: "any", value: step.level === undefined || step.level === null ? "" : String(step.level), "aria-label": "Level %" });
    const whenCell = E.el("td", {}, [E.el("div", { class: "field" }, [time, offsetWrap,
      E.el("span", { class: "field-error", dataset: { errorFor: "time" } }), E.el("span", { class: "field-error", dataset: { errorFor: "offset_min" } })])]);
    const tools = E.el("div", { class: "row-tools editing" }, [
      E.el("button", { type: "button", class: "up", title: "Move up", "aria-label": "Move step up", text: "↑" }),
      E.el("button", { type: "button", class: "down", title: "Move down", "aria-label": "Move step down", text: "↓" }),
      E.el("button", { type: "button", class: "remove", title: "Remove", "aria-label": "Remove step", text: "✕" }),
    ]);
    tr.append(E.el("td", { class: "num index" }), cell("trigger", trigger), whenCell, cell("level", level),
              E.el("td", {}, [tools, E.el("span", { class: "field-error", dataset: { errorFor: "row" } })]));
    function showWhen() {
      const fixed = trigger.value === "time";
      time.hidden = !fixed; offsetWrap.hidden = fixed;
    }
    trigger.addEventListener("change", showWhen);
    showWhen();
    tools.querySelector(".up").addEventListener("click", function () { if (tr.previousElementSibling) tr.after(tr.previousElementSibling); renumber(); });
    tools.querySelector(".down").addEventListener("click", function () { if (tr.nextElementSibling) tr.before(tr.nextElementSibling); renumber(); });
    tools.querySelector(".remove").addEventListener("click", function () { tr.remove(); renumber(); });
    return tr;
  }

  /* Keeps each row's error and field paths in step with its position ("steps.<i>.<field>"). */
  function renumber() {
    Array.from(stepRows.children).forEach(function (tr, i) {
      tr.querySelector(".index").textContent = i + 1;
      tr.querySelectorAll("[name]").forEach(function (input) { input.dataset.field = "steps." + i + "." + input.name; });
      tr.querySelectorAll("[data-error-for]").forEach(function (span) {
        const name = span.dataset.name || span.dataset.errorFor;
        span.dataset.name = name;
        span.dataset.errorFor = name === "row" ? "steps." + i : "steps." + i + "." + name;
      });
    });
    schedulePreview();
  }

  function readSteps() {
    return Array.from(stepRows.children).map(function (tr) {
      const v = function (name) { return tr.querySelector('[name="' + name + '"]').value; };
      const step = { trigger: v("trigger"), level: v("level") === "" ? null : Number(v("level")) };
      if (step.trigger === "time") step.time = v("time");
      else step.offset_min = v("offset_min") === "" ? 0 : Number(v("offset_min"));
      return step;
    });
  }

  function fill(p) {
    E.clearErrors(form);
    form.elements.name.value = p.name || "";
    form.elements.description.value = p.description || "";
    stepRows.replaceChildren();
    (p.steps || []).forEach(function (s) { stepRows.append(stepRow(s)); });
    renumber();
    if (!editable) {
      form.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = true; });
      form.querySelectorAll(".editing").forEach(function (b) { b.hidden = true; });
    }
  }

  function load(p) {
    current = p ? p.id : null;
    dirty = false;
    document.getElementById("editor-title").textContent = p ? p.name : "New programme";
    fill(p || { name: "", description: "", steps: SUN_STEPS });
    E.status(status, "");
    const url = new URL(location.href);
    if (current) url.searchParams.set("id", current); else url.searchParams.delete("id");
    history.replaceState(null, "", url);
    renderList();
  }

  async function save(event) {
    event.preventDefault();
    const body = { name: form.elements.name.value.trim(), description: form.elements.description.value, steps: readSteps() };
    const url = current ? config.api + current + "/" : config.api;
    E.status(status, "Saving…");
    try {
      const saved = await CityLive.api(url, { method: current ? "PUT" : "POST", body: body });
      const i = programmes.findIndex(function (p) { return p.id === saved.id; });
      if (i >= 0) programmes[i] = saved; else programmes.push(saved);
      programmes.sort(function (a, b) { return a.name.localeCompare(b.name); });
      load(saved);
      E.status(status, "Saved " + saved.name + ".", "ok");
      form.dataset.saved = saved.id;
    } catch (error) {  // the form keeps what was typed; each message goes beside its field
      E.showErrors(form, error, status);
    }
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 250);
  }

  async function preview() {
    const zone = document.getElementById("preview-zone").value;
    const night = document.getElementById("preview-night").value;
    const body = { steps: readSteps() };
    if (zone) body.zone = Number(zone);
    if (night) body.night = night;
    try {
      const p = await CityLive.api(config.profile_api, { method: "POST", body: body });
      if (!night) document.getElementById("preview-night").value = p.night;
      instants = p.steps.map(function (s) { return Date.parse(s.at); });
      CityCharts.profile(chartCanvas, p);
      chartCanvas.dataset.night = p.night;
      const times = document.getElementById("step-times");
      times.replaceChildren();
      p.steps.forEach(function (s) {
        const li = E.el("li", { text: CityCharts.timeLabel(Date.parse(s.at)) + " · " + s.text + (s.moved ? " (held back to keep the order)" : "") });
        if (s.moved) li.classList.add("moved");
        times.append(li);
      });
      E.status(previewStatus, p.sun.polar ? "The sun does not " + (p.sun.polar === "day" ? "set" : "rise") + " this night." : "");
    } catch (error) {
      const flat = E.flatten((error.extra && error.extra.fields) || {}, "", {});
      const text = Object.entries(flat).map(function (kv) {
        const m = kv[0].match(/^steps\.(\d+)/);
        return (m ? "Step " + (Number(m[1]) + 1) + ": " : "") + kv[1].join(" ");
      }).join(" ");
      E.status(previewStatus, "No preview: " + (text || error.message), "error");
    }
  }

  form.addEventListener("submit", save);
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("click", function (event) { if (event.target.closest(".row-tools, #step-add, #rule-add")) dirty = true; });
  window.addEventListener("beforeunload", function (event) { if (dirty) event.preventDefault(); });
  form.addEventListener("input", schedulePreview);
  form.addEventListener("change", schedulePreview);
  document.getElementById("preview-form").addEventListener("change", schedulePreview);
  /* When a fixed-time step happens in the previewed night (noon to noon, in the site's zone):
   * at or after 12:00 on the night's date, before 12:00 the next morning. */
  function fixedInstant(hhmm) {
    const night = chartCanvas.dataset.night;
    if (!night || !/^\d{2}:\d{2}$/.test(hhmm || "")) return null;
    let day = night;
    if (hhmm < "12:00") {
      const d = new Date(night + "T12:00:00Z"); d.setUTCDate(d.getUTCDate() + 1);
      day = d.toISOString().slice(0, 10);
    }
    return Date.parse(CityTime.fromLocalInput(day + "T" + hhmm));
  }

  /* A new step goes where it happens in the night, not after sunrise: before the first step
   * of the last preview that happens after it (steps take effect in their written order). */
  document.getElementById("step-add").addEventListener("click", function () {
    const step = { trigger: "time", time: "00:00", level: 50 };
    const row = stepRow(step);
    const at = fixedInstant(step.time);
    const rows = Array.from(stepRows.children);
    let before = null;
    if (at !== null && instants && instants.length === rows.length) {
      const i = instants.findIndex(function (t) { return t > at; });
      if (i >= 0) before = rows[i];
    }
    if (before) before.before(row); else stepRows.append(row);
    renumber();
    row.querySelector('[name="time"]').focus();
  });
  const newButton = document.getElementById("programme-new");
  if (newButton) newButton.addEventListener("click", function () { if (!keepEdits()) load(null); });
  if (editable && !config.may_change) {  // may add but not change: the editor is for new ones
    load(null);
  } else {
    load(programmes.find(function (p) { return p.id === config.selected; }) || programmes[0] || null);
  }
})();
