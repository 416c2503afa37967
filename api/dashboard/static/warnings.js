// The live board: follows the warning stream and reads the table again at
// each announcement; counts the time left down every second in between.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var live = document.getElementById("live");
  if (!board || !window.EventSource) {
    return;
  }
  var units = board.dataset.units.split(",");
  var header = document.getElementById("header-red");
  // The server's clock, not the browser's: what is overdue is the server's word.
  var skew = 0;
  function setClock() {
    var asof = document.getElementById("board-asof");
    if (asof) {
      skew = Date.parse(asof.dataset.now) - Date.now();
    }
    var red = document.getElementById("red-count");
    if (header && red) {
      header.textContent = header.textContent.replace(/\d+/, red.textContent);
      header.classList.toggle("has-red", red.textContent !== "0");
    }
  }
  function duration(seconds) {
    var m = Math.floor(seconds / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    if (d >= 2) {
      return d + " " + units[0] + " " + (h % 24) + " " + units[1];
    }
    return h + " " + units[1] + " " + (m % 60) + " " + units[2];
  }
  function tick() {
    var now = Date.now() + skew;
    board.querySelectorAll("tr.warning").forEach(function (row) {
      var left = Math.round((Date.parse(row.dataset.due) - now) / 1000);
      var cell = row.querySelector(".left");
      var text = left < 0 ? board.dataset.over.replace("%s", duration(-left)) : board.dataset.left.replace("%s", duration(left));
      if (cell.textContent !== text) {
        cell.textContent = text;
      }
    });
  }
  var reading = false, again = false;
  function reload() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    var url = location.pathname + location.search + (location.search ? "&" : "?") + "partial=1";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) { board.innerHTML = html; setClock(); tick(); })
      .catch(function () {})
      .then(function () {
        reading = false;
        if (again) {
          again = false;
          reload();
        }
      });
  }
  var source = new EventSource(board.dataset.stream);
  source.addEventListener("open", function () { live.textContent = live.dataset.liveText; live.className = "hint live"; });
  source.addEventListener("error", function () { live.textContent = live.dataset.lostText; live.className = "hint"; });
  source.addEventListener("warning", reload);
  setClock();
  setInterval(tick, 1000);
})();
