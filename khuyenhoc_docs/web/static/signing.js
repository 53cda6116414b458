// Batch signing with a progress bar: the selection goes to the server in small chunks with the
// same passphrase/PIN (kept only in this page's memory), each chunk's results shown as they come.
(function () {
  "use strict";
  const LABELS = { signed: "Đã ký", refused: "Không được ký", failed: "Lỗi", pending: "Đang chờ" };
  const CHUNK = 10;
  const form = document.getElementById("batch-form");
  if (!form) return;
  const all = document.getElementById("batch-all");
  if (all) all.addEventListener("change", function () {
    form.querySelectorAll('input[name="document_ids"]').forEach(function (box) { box.checked = all.checked; });
  });
  function show(result) {
    const row = form.querySelector('tr[data-doc="' + result.document_id + '"] .batch-result');
    if (row) {
      row.textContent = " — " + (LABELS[result.status] || result.status) + ": " + result.message;
      row.className = "batch-result " + (result.status === "signed" ? "ok" : "bad");
    }
  }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const ids = Array.from(form.querySelectorAll('input[name="document_ids"]:checked')).map(function (b) { return b.value; });
    const progress = document.getElementById("batch-progress");
    const status = document.getElementById("batch-status");
    const button = document.getElementById("batch-submit");
    if (!ids.length) { status.textContent = "Chưa chọn văn bản nào."; return; }
    progress.max = ids.length; progress.value = 0; progress.hidden = false; button.disabled = true;
    let done = 0, signed = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const data = new FormData();
      data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
      data.append("secret", form.querySelector('input[name="secret"]').value);
      ids.slice(i, i + CHUNK).forEach(function (id) { data.append("document_ids", id); });
      status.textContent = "Đang ký " + Math.min(i + CHUNK, ids.length) + "/" + ids.length + "…";
      let body;
      try {
        const resp = await fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" } });
        body = await resp.json();
      } catch (err) {
        status.textContent = "Mất kết nối tới máy chủ; các văn bản đã ký vẫn được lưu. Hãy tải lại trang.";
        button.disabled = false; return;
      }
      if (body.error) { status.textContent = body.error.message; button.disabled = false; return; }
      body.results.forEach(function (r) { show(r); if (r.status === "signed") signed += 1; });
      done += body.results.length; progress.value = done;
    }
    status.textContent = "Xong: đã ký " + signed + "/" + ids.length + " văn bản.";
    button.disabled = false;
  });
})();

// Remote signing waiting page: countdown to expiry and the request's status, polled every 2 s.
(function () {
  "use strict";
  const box = document.getElementById("remote-request");
  if (!box) return;
  const LABELS = { pending: "Đang chờ xác nhận", signed: "Đã ký", rejected: "Đã từ chối / đã hủy",
                   expired: "Đã hết hạn", failed: "Không ký được", refused: "Không được ký" };
  const expires = new Date(box.dataset.expires).getTime();
  const countdown = document.getElementById("remote-countdown");
  function tick() {
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }
  function render(data) {
    document.getElementById("remote-status").textContent = LABELS[data.status] || data.status;
    document.getElementById("remote-message").textContent = data.message;
    if (data.tran_code && document.getElementById("remote-code")) document.getElementById("remote-code").textContent = data.tran_code;
    let done = 0;
    data.results.forEach(function (r) {
      const cell = box.querySelector('tr[data-doc="' + r.document_id + '"] .item-status');
      if (r.status !== "pending") done += 1;
      if (cell) cell.textContent = (LABELS[r.status] || r.status) + (r.status !== "pending" && r.message ? ": " + r.message : "");
    });
    document.getElementById("remote-progress").value = done;
    if (data.status !== "pending") {
      document.getElementById("remote-countdown-line").hidden = true;
      const cancel = document.getElementById("remote-cancel");
      if (cancel) cancel.hidden = true;
    }
    return data.status === "pending";
  }
  async function poll() {
    try {
      const resp = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (resp.ok && !render(await resp.json())) return;
    } catch (err) { /* keep trying: the request lives on the server */ }
    setTimeout(poll, 2000);
  }
  if (box.dataset.status === "pending") { tick(); setInterval(tick, 1000); setTimeout(poll, 2000); }
})();
