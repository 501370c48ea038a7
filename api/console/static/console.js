// profdev console: checks fields as they are typed (the server checks them again), asks
// for confirmation before an irreversible step, and follows a batch's progress. Forms work
// without it.
(function () {
  "use strict";
  function snilsValid(v) {
    var d = v.replace(/[\s-]/g, "");
    if (!/^\d{11}$/.test(d)) return false;
    var sum = 0;
    for (var i = 0; i < 9; i++) sum += parseInt(d[i], 10) * (9 - i);
    var check = sum < 100 ? sum : sum % 101;
    if (check === 100) check = 0;
    return check === parseInt(d.slice(9), 10);
  }
  var checks = {
    snils: function (v) { return v === "" || snilsValid(v) ? "" : "СНИЛС указан с ошибкой: 11 цифр, контрольное число должно сходиться"; },
    email: function (v) { return v === "" || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? "" : "Укажите адрес электронной почты, например ivanov@example.ru"; }
  };
  document.querySelectorAll("[data-validate]").forEach(function (input) {
    var check = checks[input.dataset.validate];
    var msg = document.getElementById("e-" + input.name);
    if (!check || !msg) return;
    input.addEventListener("input", function () {
      var m = check(input.value.trim());
      msg.textContent = m;
      msg.hidden = m === "";
      input.setAttribute("aria-invalid", m === "" ? "false" : "true");
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
  var offer = document.getElementById("f-offer");
  if (offer) {
    offer.addEventListener("change", function () {
      var o = offer.options[offer.selectedIndex];
      var hours = document.getElementById("f-hours"), amount = document.getElementById("f-amount");
      if (o && o.dataset.hours && hours && !hours.value) hours.value = o.dataset.hours;
      if (o && o.dataset.price && amount && !amount.value) amount.value = o.dataset.price;
    });
  }
  var progress = document.querySelector("[data-progress-url]");
  if (progress) {
    var bar = progress.querySelector(".progress > div"), text = progress.querySelector("[data-progress-text]");
    // The page's own figure first (the CSP allows no inline style to carry it).
    if (bar.dataset.percent) bar.style.width = bar.dataset.percent + "%";
    var poll = function () {
      fetch(progress.dataset.progressUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var pct = s.accepted ? Math.floor(100 * s.done / s.accepted) : 100;
          bar.style.width = pct + "%";
          progress.setAttribute("aria-valuenow", String(pct));
          text.textContent = "Выдано " + s.issued + " из " + s.accepted + (s.refused ? ", отказано " + s.refused : "") + (s.waiting ? ", ожидают " + s.waiting : "");
          if (s.complete) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    if (progress.dataset.complete !== "true") setTimeout(poll, 1000);
  }
})();
