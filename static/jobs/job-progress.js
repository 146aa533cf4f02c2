// Background jobs in the admin: each progress bar asks for its job's state until the job ends.
(function () {
  "use strict";
  const FINISHED = new Set(["done", "failed"]);

  function follow(box) {
    const bar = box.querySelector("progress");
    const text = box.querySelector(".job-progress-text");
    const error = box.querySelector(".job-progress-error");
    const row = box.closest("tr") || document;
    const link = row.querySelector("a.job-result");

    function poll() {
      fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then((response) => response.ok ? response.json() : Promise.reject(response.status))
        .then((job) => {
          bar.max = job.total || 1;
          bar.value = job.status === "done" ? bar.max : job.done;
          text.textContent = job.status_display + " · " + job.done + " / " + job.total;
          error.textContent = job.error || "";
          box.dataset.status = job.status;
          if (link && job.has_result) { link.hidden = false; }
          if (!FINISHED.has(job.status)) { window.setTimeout(poll, 1000); }
        })
        .catch(() => window.setTimeout(poll, 5000));
    }
    if (!FINISHED.has(box.dataset.status)) { poll(); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".job-progress[data-status-url]").forEach(follow);
  });
})();
