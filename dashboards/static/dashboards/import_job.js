/* An asset import's page while it runs: the progress bar follows the job live (`import.progress`
 * on its topic); the job's status is read once on connecting and again after a reconnect (what
 * the socket may have missed). When the job has finished or failed, the page's report (or the
 * reason) is fetched and shown in place. window.cityImport.seen lists the rows-read counts
 * shown, in order. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("import-page").textContent);
  const seen = [];
  window.cityImport = { seen: seen };
  let finished = false;

  function text(s) {
    if (s.state === "queued") return "Waiting for a worker to start the import…";
    if (s.state === "failed") return "The import failed.";
    if (s.state === "done") return "Finished: " + s.total_rows + " rows read.";
    if (!s.total_rows) return "Counting the rows…";
    if (s.processed_rows >= s.total_rows) return "Read all " + s.total_rows + " rows; checking the registry and writing…";
    return "Read " + s.processed_rows + " of " + s.total_rows + " rows (" + Math.floor(100 * s.processed_rows / s.total_rows) + " %)";
  }

  async function finish() {
    if (finished) return;
    finished = true;
    live.stop();
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const job = doc.getElementById("import-job");
      if (job) document.getElementById("import-job").replaceWith(job);
      const report = doc.getElementById("import-report");
      if (report) document.getElementById("import-job").after(report);
      const badge = document.getElementById("live-status");
      if (badge) badge.remove();
    } catch (error) {
      location.reload();
    }
  }

  function show(s) {
    if (finished) return;
    const bar = document.getElementById("import-bar");
    document.getElementById("import-state").textContent = text(s);
    document.getElementById("import-job").dataset.state = s.state;
    if (bar && s.total_rows) {
      bar.max = s.total_rows;
      bar.value = s.processed_rows;
      seen.push(s.processed_rows);
    }
    if (s.state === "done" || s.state === "failed") finish();
  }

  async function catchUp() {
    try { show(await CityLive.api(config.status_url)); } catch (error) { console.warn("import status", error); }
  }

  const live = CityLive.start({
    topics: [config.topic],
    on: { "import.progress": show },
    refresh: catchUp,
  });
  // Subscribed: anything from now on comes live; what happened before is read once.
  const waitOpen = setInterval(function () {
    if (document.body.dataset.live === "live") { clearInterval(waitOpen); catchUp(); }
  }, 100);
})();
