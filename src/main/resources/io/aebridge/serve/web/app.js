// The model server's web page: lists models, and lets one draw or upload a digit and see what an autoencoder
// makes of it. Plain browser JavaScript, no build step; talks to the server's own JSON API.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = { model: null, timer: null, seed: 1 };

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  async function json(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error || response.status + " " + response.statusText);
    }
    return body;
  }

  // ---- model list ----

  function shapeText(t) {
    return t.name + ": " + t.dtype + (t.shape ? " [" + t.shape.join(", ") + "]" : "");
  }

  async function loadModels() {
    let list;
    try {
      list = await json("/v1/models");
    } catch (e) {
      $("models-status").textContent = "Could not list models: " + e.message;
      return;
    }
    const body = $("models").querySelector("tbody");
    body.innerHTML = "";
    const autoencoders = [];
    for (const m of list.models) {
      const versions = m.versions.map((v) =>
        '<span class="state-' + escapeHtml(v.state) + '" title="' + escapeHtml(v.status.error_message) + '">' +
        escapeHtml(v.version) + " " + escapeHtml(v.state) + "</span>").join("<br>");
      const signatures = (m.signatures || []).map((s) =>
        "<div><strong>" + escapeHtml(s.name) + "</strong>: <code>" + s.inputs.map(shapeText).map(escapeHtml).join(", ") +
        "</code> → <code>" + s.outputs.map(shapeText).map(escapeHtml).join(", ") + "</code></div>").join("");
      const row = document.createElement("tr");
      row.innerHTML = "<td>" + escapeHtml(m.name) + "</td><td>" + versions + "</td><td>" + (signatures || '<span class="muted">not served</span>') + "</td>";
      body.appendChild(row);
      if (m.autoencoder) {
        autoencoders.push(m.name);
      }
    }
    $("models-status").textContent = list.models.length ? "" : "No models under the models folder yet.";
    const select = $("model-select");
    select.innerHTML = autoencoders.map((n) => '<option value="' + escapeHtml(n) + '">' + escapeHtml(n) + "</option>").join("");
    $("playground").hidden = autoencoders.length === 0;
    if (autoencoders.length) {
      await chooseModel(autoencoders.includes(state.model) ? state.model : autoencoders[0]);
    }
  }

  async function chooseModel(name) {
    state.model = name;
    $("model-select").value = name;
    try {
      const info = await json("/v1/ae/" + encodeURIComponent(name));
      const img = info.image;
      $("geometry").textContent = "version " + info.version + " · input " + (img ? img.width + "×" + img.height + "×" + img.channels : "[" + info.input.shape + "]") +
        " · code [" + (info.code.shape || []).slice(1).join(", ") + "]";
    } catch (e) {
      $("geometry").textContent = e.message;
    }
  }

  // ---- drawing ----

  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");

  function clearCanvas() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  function position(event) {
    const r = canvas.getBoundingClientRect();
    return { x: (event.clientX - r.left) * canvas.width / r.width, y: (event.clientY - r.top) * canvas.height / r.height };
  }

  let drawing = false;
  let last = null;
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    last = position(e);
    canvas.setPointerCapture(e.pointerId);
    stroke(last, last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) {
      return;
    }
    const p = position(e);
    stroke(last, p);
    last = p;
  });
  const end = () => {
    if (drawing) {
      drawing = false;
      scheduleReconstruct();
    }
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);

  function stroke(a, b) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  function scheduleReconstruct() {
    clearTimeout(state.timer);
    state.timer = setTimeout(reconstructCanvas, 150);
  }

  // ---- the server round trip ----

  function canvasBlob() {
    return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  }

  async function reconstructCanvas() {
    return reconstruct(await canvasBlob());
  }

  async function reconstruct(blob) {
    if (!state.model) {
      return;
    }
    const noise = Number($("noise").value);
    const url = "/v1/ae/" + encodeURIComponent(state.model) + "/image?noise=" + noise + "&seed=" + state.seed;
    $("message").textContent = "";
    let r;
    try {
      r = await json(url, { method: "POST", headers: { "Content-Type": blob.type || "image/png" }, body: blob });
    } catch (e) {
      $("message").textContent = e.message;
      return;
    }
    $("original-img").src = "data:image/png;base64," + r.input_png;
    $("reconstruction-img").src = "data:image/png;base64," + r.reconstruction_png;
    $("noisy-panel").hidden = !r.noisy_png;
    if (r.noisy_png) {
      $("noisy-img").src = "data:image/png;base64," + r.noisy_png;
    }
    $("error-value").textContent = Number(r.reconstruction_error).toFixed(5);
    $("clean-error-line").hidden = r.error_vs_clean === undefined;
    if (r.error_vs_clean !== undefined) {
      $("clean-error-value").textContent = Number(r.error_vs_clean).toFixed(5);
    }
    $("steps").innerHTML = r.steps.map((s) => "<li>" + escapeHtml(s) + "</li>").join("");
    drawCode(r.code || []);
    document.body.dataset.reconstructions = String(Number(document.body.dataset.reconstructions || 0) + 1);
  }

  // The code as a heat strip: one cell per unit, dark blue (lowest) to yellow (highest).
  function drawCode(code) {
    const strip = $("code-strip");
    const c = strip.getContext("2d");
    c.clearRect(0, 0, strip.width, strip.height);
    if (!code.length) {
      $("code-range").textContent = "The model has no encode signature.";
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of code) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const w = strip.width / code.length;
    code.forEach((v, i) => {
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      c.fillStyle = "hsl(" + (240 - 180 * t) + ", 85%, " + (22 + 45 * t) + "%)";
      c.fillRect(i * w, 0, Math.ceil(w), strip.height);
    });
    $("code-range").textContent = code.length + " values from " + lo.toFixed(3) + " to " + hi.toFixed(3);
  }

  // ---- controls ----

  $("model-select").addEventListener("change", (e) => chooseModel(e.target.value).then(reconstructCanvas));
  $("clear-btn").addEventListener("click", () => {
    clearCanvas();
    reconstructCanvas();
  });
  $("reconstruct-btn").addEventListener("click", reconstructCanvas);
  $("noise").addEventListener("input", (e) => {
    $("noise-value").textContent = e.target.value;
  });
  $("noise").addEventListener("change", scheduleReconstruct);
  $("noise-btn").addEventListener("click", () => {
    if (Number($("noise").value) === 0) {
      $("noise").value = "0.3";
      $("noise-value").textContent = "0.3";
    }
    state.seed += 1;
    reconstructCanvas();
  });
  $("upload").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (!file) {
      return;
    }
    const image = new Image();
    image.onload = () => {
      clearCanvas();
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(image.src);
    };
    image.src = URL.createObjectURL(file);
    reconstruct(file);
  });

  clearCanvas();
  loadModels();
})();
