/* Small helpers for the lighting editors: building rows, and showing the API's validation
 * errors ({"message", "extra": {"fields": {...}}}) beside the fields they name.
 *
 * A field's error goes into the element [data-error-for="<path>"] inside the form, where path
 * is the field's name, or "<list>.<index>.<field>" for a field of a row ("steps.1.level");
 * the input [data-field="<path>"] is marked invalid. What names no field goes to the form's
 * general message.
 */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function (kv) {
      const key = kv[0], value = kv[1];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }

  function options(select, choices, selected) {
    select.replaceChildren();
    choices.forEach(function (c) {
      const o = el("option", { value: String(c[0]), text: c[1] });
      if (String(c[0]) === String(selected)) o.selected = true;
      select.append(o);
    });
    return select;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (e) { e.textContent = ""; });
    form.querySelectorAll(".invalid").forEach(function (e) { e.classList.remove("invalid"); });
  }

  function messages(value) {
    if (Array.isArray(value)) return value.filter(function (v) { return typeof v === "string"; });
    return typeof value === "string" ? [value] : [];
  }

  /* Flattens DRF's nested errors to {"path": [messages]}: lists and index-keyed objects both. */
  function flatten(errors, prefix, out) {
    out = out || {};
    if (Array.isArray(errors) && errors.every(function (v) { return typeof v === "string"; })) {
      if (errors.length) out[prefix] = (out[prefix] || []).concat(errors);
      return out;
    }
    if (typeof errors === "string") { out[prefix] = (out[prefix] || []).concat([errors]); return out; }
    const entries = Array.isArray(errors) ? errors.map(function (v, i) { return [String(i), v]; }) : Object.entries(errors || {});
    entries.forEach(function (kv) {
      const key = kv[0] === "non_field_errors" ? "" : kv[0];
      flatten(kv[1], prefix && key ? prefix + "." + key : prefix || key, out);
    });
    return out;
  }

  /* Shows an API error in `form`; returns how many messages found a place beside a field. */
  function showErrors(form, error, general) {
    clearErrors(form);
    const fields = (error.extra && error.extra.fields) || {};
    const flat = flatten(fields, "", {});
    let placed = 0;
    const rest = messages(error.extra && error.extra.errors);
    Object.entries(flat).forEach(function (kv) {
      let path = kv[0];
      let target = form.querySelector('[data-error-for="' + path + '"]');
      while (!target && path.includes(".")) {  // a row's error without a field of its own
        path = path.slice(0, path.lastIndexOf("."));
        target = form.querySelector('[data-error-for="' + path + '"]');
      }
      if (target) {
        target.textContent = (target.textContent ? target.textContent + " " : "") + kv[1].join(" ");
        const input = form.querySelector('[data-field="' + kv[0] + '"]');
        if (input) input.classList.add("invalid");
        placed += 1;
      } else {
        rest.push((kv[0] ? kv[0] + ": " : "") + kv[1].join(" "));
      }
    });
    if (general) {
      general.className = "status-line error";
      const head = placed ? "Not saved: correct the fields marked." : "Not saved: " + error.message;
      general.textContent = head + (rest.length ? " " + rest.join(" ") : "");
    }
    return placed;
  }

  function status(node, text, kind) {
    node.className = "status-line" + (kind ? " " + kind : "");
    node.textContent = text;
  }

  window.CityEditor = { el: el, options: options, clearErrors: clearErrors, showErrors: showErrors, flatten: flatten, status: status };
})();
