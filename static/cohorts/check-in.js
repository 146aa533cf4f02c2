/* The check-in screen: fetches the new QR code, address and six characters as each 30-second window
   begins. Plain JS, no build step. */
(function () {
  "use strict";
  var root = document.querySelector(".check-in-screen");
  if (!root) return;
  var url = root.dataset.codeUrl;
  function schedule(seconds) { setTimeout(renew, Math.max(0.5, seconds) * 1000 + 300); }
  function renew() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (code) {
        document.getElementById("check-in-qr").innerHTML = code.svg;
        document.getElementById("check-in-code").textContent = code.code;
        var link = document.getElementById("check-in-link");
        link.href = code.url;
        link.textContent = code.url;
        schedule(code.seconds_left);
      })
      .catch(function () { schedule(5); });
  }
  schedule(parseFloat(root.dataset.secondsLeft.replace(",", ".")) || 30);
})();
