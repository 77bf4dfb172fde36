/* The calendar editor: ordered rules (a date, a date range, weekdays, the Nth or last weekday
 * of the month), each naming a programme, the default programme, and the calendar's
 * assignments to zones and light groups; saved through the lighting API. */
(function () {
  "use strict";
  const E = window.CityEditor;
  const config = JSON.parse(document.getElementById("calendar-editor").textContent);
  const calendars = config.calendars.slice();
  const assignments = config.assignments.slice();
  const editable = config.may_change || config.may_add;
  const form = document.getElementById("calendar-form");
  const list = document.querySelector("#calendar-list tbody");
  const ruleRows = document.querySelector("#rule-table tbody");
  const status = document.getElementById("calendar-status");
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const NTH = [["1", "1st"], ["2", "2nd"], ["3", "3rd"], ["4", "4th"], ["5", "5th"], ["-1", "last"]];
  const programmeChoices = config.programmes.map(function (p) { return [p.id, p.name]; });
  let current = null;
  let dirty = false;  // edits not saved yet

  /* True when there are unsaved edits and the user chooses to keep them. */
  function keepEdits() {
    return dirty && !window.confirm("Discard the changes not saved yet?");
  }

  function assignedTo(calendarId) {
    return assignments.filter(function (a) { return a.calendar === calendarId; });
  }

  function renderList() {
    list.replaceChildren();
    calendars.forEach(function (c) {
      const tr = E.el("tr", { dataset: { id: c.id } }, [
        E.el("td", { text: c.name }), E.el("td", { class: "num", text: String(c.rules.length) }),
        E.el("td", { class: "wrap", text: assignedTo(c.id).map(function (a) { return a.target; }).join(", ") || "—" }),
      ]);
      if (c.id === current) tr.classList.add("selected");
      tr.addEventListener("click", function () { if (keepEdits()) return; load(c); });
      list.append(tr);
    });
    if (!calendars.length) list.append(E.el("tr", {}, [E.el("td", { colspan: "3", class: "muted", text: "No calendar yet." })]));
    document.getElementById("calendar-count").textContent = calendars.length;
  }

  function errorSpan(name) { return E.el("span", { class: "field-error", dataset: { errorFor: name, name: name } }); }

  function ruleRow(rule) {
    const tr = E.el("tr", { class: "rule" });
    tr.dataset.months = JSON.stringify(rule.months || []);  // a date rule's months, kept as they were
    const kind = E.options(E.el("select", { name: "kind", "aria-label": "Matches" }), config.kinds, rule.kind || "weekdays");
    const from = E.el("input", { type: "date", name: "date_from", value: rule.date_from || "", "aria-label": "From" });
    const to = E.el("input", { type: "date", name: "date_to", value: rule.date_to || "", "aria-label": "To" });
    const nth = E.options(E.el("select", { name: "nth", "aria-label": "Which" }), NTH, rule.nth === null || rule.nth === undefined ? "1" : rule.nth);
    const days = E.el("div", { class: "weekdays" }, DAYS.map(function (d, i) {
      const box = E.el("input", { type: "checkbox", name: "weekday", value: String(i) });
      box.checked = (rule.weekdays || []).includes(i);
      return E.el("label", {}, [box, document.createTextNode(d)]);
    }));
    const dates = E.el("span", { class: "dates" }, [from, E.el("span", { class: "to", text: " to " }), to]);
    // In which months a weekday rule applies (none ticked: every month): "the last Friday of
    // November" is the last Friday, in November.
    const months = E.el("div", { class: "months" }, [E.el("span", { class: "muted", text: "in " })].concat(MONTHS.map(function (m, i) {
      const box = E.el("input", { type: "checkbox", name: "month", value: String(i + 1) });
      box.checked = (rule.months || []).includes(i + 1);
      return E.el("label", {}, [box, document.createTextNode(m)]);
    })));
    const programme = E.options(E.el("select", { name: "programme", "aria-label": "Programme" }), [["", "—"]].concat(programmeChoices), rule.programme_id || "");
    const label = E.el("input", { type: "text", name: "label", value: rule.label || "", maxlength: "200", "aria-label": "Label" });
    const tools = E.el("div", { class: "row-tools editing" }, [
      E.el("button", { type: "button", class: "up", "aria-label": "Move rule up", title: "Move up", text: "↑" }),
      E.el("button", { type: "button", class: "down", "aria-label": "Move rule down", title: "Move down", text: "↓" }),
      E.el("button", { type: "button", class: "remove", "aria-label": "Remove rule", title: "Remove", text: "✕" }),
    ]);
    tr.append(
      E.el("td", { class: "num index" }),
      E.el("td", {}, [E.el("div", { class: "field" }, [kind, errorSpan("kind")])]),
      E.el("td", {}, [E.el("div", { class: "field" }, [nth, dates, days, months, errorSpan("nth"), errorSpan("date_from"), errorSpan("date_to"), errorSpan("weekdays"), errorSpan("months")])]),
      E.el("td", {}, [E.el("div", { class: "field" }, [programme, errorSpan("programme_id")])]),
      E.el("td", {}, [E.el("div", { class: "field" }, [label, errorSpan("label")])]),
      E.el("td", {}, [tools, errorSpan("row")]),
    );
    function showFields() {
      const k = kind.value;
      from.hidden = !(k === "date" || k === "date_range" || k === "yearly");
      to.hidden = dates.querySelector(".to").hidden = !(k === "date_range" || k === "yearly");
      to.title = k === "yearly" ? "Optional: the last day of a yearly span (the years are ignored)" : "";
      days.hidden = months.hidden = !(k === "weekdays" || k === "nth_weekday");
      nth.hidden = k !== "nth_weekday";
    }
    kind.addEventListener("change", showFields);
    showFields();
    tools.querySelector(".up").addEventListener("click", function () { if (tr.previousElementSibling) tr.after(tr.previousElementSibling); renumber(); });
    tools.querySelector(".down").addEventListener("click", function () { if (tr.nextElementSibling) tr.before(tr.nextElementSibling); renumber(); });
    tools.querySelector(".remove").addEventListener("click", function () { tr.remove(); renumber(); });
    return tr;
  }

  function renumber() {
    Array.from(ruleRows.children).forEach(function (tr, i) {
      tr.querySelector(".index").textContent = i + 1;
      const fieldOf = { kind: "kind", date_from: "date_from", date_to: "date_to", nth: "nth", programme: "programme_id", label: "label" };
      tr.querySelectorAll("[name]").forEach(function (input) {
        if (fieldOf[input.name]) input.dataset.field = "rules." + i + "." + fieldOf[input.name];
      });
      tr.querySelectorAll("[data-error-for]").forEach(function (span) {
        span.dataset.errorFor = span.dataset.name === "row" ? "rules." + i : "rules." + i + "." + span.dataset.name;
      });
    });
  }

  function readRules() {
    return Array.from(ruleRows.children).map(function (tr) {
      const v = function (name) { return tr.querySelector('[name="' + name + '"]').value; };
      const kind = v("kind");
      const dated = kind === "date" || kind === "date_range" || kind === "yearly";
      const weekly = kind === "weekdays" || kind === "nth_weekday";
      return {
        kind: kind,
        date_from: dated && v("date_from") ? v("date_from") : null,
        date_to: (kind === "date_range" || kind === "yearly") && v("date_to") ? v("date_to") : null,
        weekdays: weekly ? Array.from(tr.querySelectorAll("input[name=weekday]:checked")).map(function (b) { return Number(b.value); }) : [],
        nth: kind === "nth_weekday" ? Number(v("nth")) : null,
        months: weekly ? Array.from(tr.querySelectorAll("input[name=month]:checked")).map(function (b) { return Number(b.value); }) : JSON.parse(tr.dataset.months || "[]"),
        programme_id: v("programme") ? Number(v("programme")) : null,
        label: v("label"),
      };
    });
  }

  /* The year view of the calendar in the editor: a month grid per month, each night coloured
   * by the programme it gets (as saved; config.year_nights from the server's own rules). */
  const YEAR_COLOURS = ["#f5b301", "#4aa3ff", "#3ecf8e", "#e5484d", "#c58cff", "#ff8a3d", "#2dd4bf", "#f472b6"];
  function renderYear() {
    const grid = document.getElementById("year-grid"), legend = document.getElementById("year-legend");
    if (!grid) return;
    grid.replaceChildren(); legend.replaceChildren();
    const nights = current ? (config.year_nights || {})[String(current)] : null;
    if (!nights) { grid.append(E.el("p", { class: "muted", text: "Save the calendar to see its year." })); return; }
    const names = {}; config.programmes.forEach(function (p) { names[p.id] = p.name; });
    const used = [];
    nights.forEach(function (pid) { if (!used.includes(pid)) used.push(pid); });
    const colour = {};
    used.filter(function (pid) { return pid !== null; }).forEach(function (pid, i) { colour[pid] = YEAR_COLOURS[i % YEAR_COLOURS.length]; });
    used.forEach(function (pid) {
      const swatch = E.el("span", { class: "swatch" + (pid === null ? " off" : "") });
      if (pid !== null) swatch.style.background = colour[pid];
      legend.append(E.el("li", {}, [swatch, document.createTextNode(pid === null ? "no programme (off)" : names[pid] || "programme " + pid)]));
    });
    const year = config.year;
    let index = 0;
    MONTHS.forEach(function (m, month) {
      const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      const lead = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7;  // Monday first
      const cells = [];
      for (let i = 0; i < lead; i++) cells.push(E.el("span", { class: "day blank", "aria-hidden": "true" }));
      for (let d = 1; d <= days; d++, index++) {
        const pid = nights[index];
        const label = DAYS[(lead + d - 1) % 7] + " " + d + " " + m + ": " + (pid === null ? "off" : names[pid] || "programme " + pid);
        const cell = E.el("span", { class: "day" + (pid === null ? " off" : ""), title: label, "aria-label": label, role: "img", text: String(d) });
        if (pid !== null) cell.style.background = colour[pid];
        cell.dataset.programme = pid === null ? "" : String(pid);
        cells.push(cell);
      }
      grid.append(E.el("div", { class: "year-month" }, [E.el("h3", { text: m }), E.el("div", { class: "days" }, cells)]));
    });
  }

  function renderAssignments() {
    const ul = document.getElementById("assignment-list");
    ul.replaceChildren();
    const mine = current ? assignedTo(current) : [];
    mine.forEach(function (a) {
      const li = E.el("li", { dataset: { assignment: a.id } }, [document.createTextNode((a.zone ? "Zone " : "Group ") + a.target + " ")]);
      if (config.may_assign) {
        const b = E.el("button", { type: "button", class: "unassign", text: "Unassign" });
        b.addEventListener("click", async function () {
          try {
            await CityLive.api(config.assignments_api + a.id + "/", { method: "DELETE" });
            assignments.splice(assignments.indexOf(a), 1);
            renderAssignments(); renderList();
          } catch (error) { E.status(document.getElementById("assign-status"), error.message, "error"); }
        });
        li.append(b);
      }
      ul.append(li);
    });
    if (!mine.length) ul.append(E.el("li", { class: "muted", text: current ? "Not assigned: no light follows it." : "Save the calendar to assign it." }));
    const assign = document.getElementById("assign-form");
    if (assign) assign.hidden = !current;
  }

  function load(c) {
    current = c ? c.id : null;
    dirty = false;
    document.getElementById("editor-title").textContent = c ? c.name : "New calendar";
    E.clearErrors(form);
    form.elements.name.value = c ? c.name : "";
    form.elements.description.value = c ? c.description || "" : "";
    E.options(form.elements.default_programme_id, [["", "None: off when no rule matches"]].concat(programmeChoices), c && c.default_programme_id ? c.default_programme_id : "");
    ruleRows.replaceChildren();
    (c ? c.rules : []).forEach(function (r) { ruleRows.append(ruleRow(r)); });
    renumber();
    if (!editable) {
      form.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = true; });
      form.querySelectorAll(".editing").forEach(function (b) { b.hidden = true; });
    }
    E.status(status, "");
    const url = new URL(location.href);
    if (current) url.searchParams.set("id", current); else url.searchParams.delete("id");
    history.replaceState(null, "", url);
    renderList();
    renderAssignments();
    renderYear();
  }

  async function save(event) {
    event.preventDefault();
    const body = {
      name: form.elements.name.value.trim(),
      description: form.elements.description.value,
      default_programme_id: form.elements.default_programme_id.value ? Number(form.elements.default_programme_id.value) : null,
      rules: readRules(),
    };
    E.status(status, "Saving…");
    try {
      const saved = await CityLive.api(current ? config.api + current + "/" : config.api, { method: current ? "PUT" : "POST", body: body });
      const i = calendars.findIndex(function (c) { return c.id === saved.id; });
      if (i >= 0) calendars[i] = saved; else calendars.push(saved);
      calendars.sort(function (a, b) { return a.name.localeCompare(b.name); });
      load(saved);
      E.status(status, "Saved " + saved.name + ".", "ok");
      form.dataset.saved = saved.id;
    } catch (error) {  // what was typed stays; each message goes beside its field
      E.showErrors(form, error, status);
    }
  }

  const assignForm = document.getElementById("assign-form");
  if (assignForm) {
    assignForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      const out = document.getElementById("assign-status");
      const zone = assignForm.elements.zone.value, group = assignForm.elements.group.value;
      const body = { calendar: current, zone: zone ? Number(zone) : null, group: group ? Number(group) : null };
      try {
        const a = await CityLive.api(config.assignments_api, { method: "POST", body: body });
        for (let i = assignments.length - 1; i >= 0; i--) {  // it replaces that zone's or group's
          if ((a.zone && assignments[i].zone === a.zone) || (a.group && assignments[i].group === a.group)) assignments.splice(i, 1);
        }
        const select = a.zone ? assignForm.elements.zone : assignForm.elements.group;
        assignments.push({ id: a.id, calendar: a.calendar, zone: a.zone, group: a.group, target: select.selectedOptions[0].textContent });
        assignForm.reset();
        E.status(out, "Assigned.", "ok");
        renderAssignments(); renderList();
      } catch (error) {
        const flat = E.flatten((error.extra && error.extra.fields) || {}, "", {});
        E.status(out, error.message + " " + Object.values(flat).map(function (m) { return m.join(" "); }).join(" "), "error");
      }
    });
  }
  form.addEventListener("submit", save);
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("click", function (event) { if (event.target.closest(".row-tools, #step-add, #rule-add")) dirty = true; });
  window.addEventListener("beforeunload", function (event) { if (dirty) event.preventDefault(); });
  document.getElementById("rule-add").addEventListener("click", function () {
    ruleRows.append(ruleRow({ kind: "weekdays", weekdays: [], programme_id: programmeChoices.length ? programmeChoices[0][0] : null }));
    renumber();
  });
  const newButton = document.getElementById("calendar-new");
  if (newButton) newButton.addEventListener("click", function () { if (!keepEdits()) load(null); });
  if (editable && !config.may_change) load(null);
  else load(calendars.find(function (c) { return c.id === config.selected; }) || calendars[0] || null);
})();
