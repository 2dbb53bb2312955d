// The applications gallery: the models `aebridge demo <name>` exported (names demo-*). Pick one, feed it a held-out
// example from its model card, the playground's drawing, or an upload; see input / output / baseline side by side,
// the new point on the 2-D map (reduce) and the score against the card's threshold (anomaly).
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const state = { model: null, info: null, app: null, last: null };
  const colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  // Which application a demo model shows, and its picture baseline (computed here, in the browser).
  function application(name) {
    const app = name.replace(/^demo-/, "").replace(/-.*$/, "");
    const baselines = {
      colour: { title: "Baseline: the grey image as RGB", make: (img) => img.src },
      watermark: { title: "Baseline: 3×3 median filter", make: median },
      denoise: { title: "Baseline: 3×3 median filter", make: median },
    };
    return { name: app, baseline: baselines[app] || null, grey: app === "colour" };
  }

  async function json(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error || response.status + " " + response.statusText);
    }
    return body;
  }

  async function load() {
    let list;
    try {
      list = await json("/v1/models");
    } catch (e) {
      return;
    }
    const demos = list.models.filter((m) => m.autoencoder && m.name.startsWith("demo-")).map((m) => m.name).sort();
    $("gallery").hidden = demos.length === 0;
    $("app-select").innerHTML = demos.map((n) => "<option>" + n.replace(/[<&>]/g, "") + "</option>").join("");
    if (demos.length) {
      await choose(demos[0]);
    }
  }

  function clearPictures() {
    for (const id of ["app-input", "app-output", "app-baseline"]) {
      $(id).removeAttribute("src");
    }
    $("app-result").textContent = "";
    $("app-message").textContent = "";
  }

  async function choose(name) {
    state.model = name;
    state.app = application(name);
    clearPictures();
    // The previous model's examples must not be clickable while this model's card loads.
    $("app-examples").innerHTML = "";
    delete $("app-examples").dataset.model;
    $("app-map-panel").hidden = true;
    $("app-baseline-title").textContent = state.app.baseline ? state.app.baseline.title : "Baseline";
    try {
      state.info = await json("/v1/ae/" + encodeURIComponent(name));
    } catch (e) {
      $("app-message").textContent = e.message;
      return;
    }
    const ev = state.info.evaluation || {};
    const figures = Object.entries(ev).filter(([, v]) => typeof v === "number").slice(0, 3)
      .map(([k, v]) => k + ": " + (Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(1)));
    $("app-figures").textContent = figures.join(" · ");
    $("app-examples").innerHTML = "";
    (ev.examples || []).forEach((b64, i) => {
      const img = document.createElement("img");
      img.src = "data:image/png;base64," + b64;
      img.alt = "held-out example " + (i + 1);
      img.addEventListener("click", () => {
        document.querySelectorAll("#app-examples img").forEach((e) => e.classList.remove("chosen"));
        img.classList.add("chosen");
        fetch(img.src).then((r) => r.blob()).then((b) => send(b, true));
      });
      $("app-examples").appendChild(img);
    });
    $("app-examples").dataset.model = name;
    $("app-map-panel").hidden = !ev.map;
    if (ev.map) {
      drawMap(null);
    }
  }

  // A picture for the colouring model is made grey first: it learnt grey → colour.
  async function prepared(blob) {
    if (!state.app.grey) {
      return blob;
    }
    const bitmap = await createImageBitmap(blob);
    const c = document.createElement("canvas");
    c.width = bitmap.width;
    c.height = bitmap.height;
    const g = c.getContext("2d");
    g.drawImage(bitmap, 0, 0);
    const data = g.getImageData(0, 0, c.width, c.height);
    const p = data.data;
    for (let i = 0; i < p.length; i += 4) {
      const a = p[i + 3] / 255;
      const l = a * (0.299 * p[i] + 0.587 * p[i + 1] + 0.114 * p[i + 2]) + (1 - a) * 255;
      p[i] = p[i + 1] = p[i + 2] = l;
      p[i + 3] = 255;
    }
    g.putImageData(data, 0, 0);
    return new Promise((resolve) => c.toBlob(resolve, "image/png"));
  }

  // Held-out examples are exactly what the model saw, and colour images keep their light backgrounds: the server's
  // automatic inversion (meant for dark-on-light digit photos) is only asked for on digit models' own pictures.
  async function send(blob, fromCard) {
    if (!state.model) {
      return;
    }
    $("app-message").textContent = "";
    let r;
    try {
      const body = await prepared(blob);
      const image = state.info.image;
      const invert = fromCard || (image && image.channels === 3) ? "false" : "auto";
      r = await json("/v1/ae/" + encodeURIComponent(state.model) + "/image?invert=" + invert,
        { method: "POST", headers: { "Content-Type": body.type || "image/png" }, body });
    } catch (e) {
      $("app-message").textContent = e.message;
      return;
    }
    state.last = r;
    $("app-input").src = "data:image/png;base64," + r.input_png;
    $("app-output").src = "data:image/png;base64," + r.reconstruction_png;
    // The baseline reads the input's pixels: wait until the browser has decoded them.
    await $("app-input").decode().catch(() => {});
    if (state.app.baseline) {
      $("app-baseline").src = await state.app.baseline.make($("app-input"));
    } else {
      $("app-baseline").removeAttribute("src");
    }
    const result = $("app-result");
    if (r.anomaly_threshold !== undefined) {
      const flagged = r.is_anomaly && r.is_anomaly[0];
      result.innerHTML = "Anomaly score (reconstruction MSE) <strong>" + r.reconstruction_error.toFixed(5) +
        "</strong> against the card's threshold <strong>" + r.anomaly_threshold.toFixed(5) + "</strong>: " +
        (flagged ? '<span class="anomaly">not a digit (anomaly)</span>' : '<span class="normal">looks like a digit</span>');
    } else {
      result.textContent = "Reconstruction error (MSE against the input): " + r.reconstruction_error.toFixed(5);
    }
    if (state.info.evaluation && state.info.evaluation.map && r.code && r.code.length === 2) {
      drawMap(r.code);
    }
    document.body.dataset.galleryRuns = String(Number(document.body.dataset.galleryRuns || 0) + 1);
  }

  // The held-out digits' 2-D codes coloured by label, and the new point as a black cross.
  function drawMap(point) {
    const map = state.info.evaluation.map;
    const c = $("app-map");
    const g = c.getContext("2d");
    const pts = map.points.concat(point ? [point] : []);
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of pts) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    const pad = 12;
    const sx = (x) => pad + (x - x0) / (x1 - x0 || 1) * (c.width - 2 * pad);
    const sy = (y) => c.height - pad - (y - y0) / (y1 - y0 || 1) * (c.height - 2 * pad);
    g.clearRect(0, 0, c.width, c.height);
    map.points.forEach(([x, y], i) => {
      g.fillStyle = colours[map.labels[i] % 10];
      g.fillRect(sx(x) - 1.5, sy(y) - 1.5, 3, 3);
    });
    if (point) {
      g.strokeStyle = "#000";
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(sx(point[0]) - 9, sy(point[1])); g.lineTo(sx(point[0]) + 9, sy(point[1]));
      g.moveTo(sx(point[0]), sy(point[1]) - 9); g.lineTo(sx(point[0]), sy(point[1]) + 9);
      g.stroke();
      c.dataset.point = point.map((v) => v.toFixed(4)).join(",");
    }
  }

  // 3×3 median per channel (edges replicated) of the input picture, as the reports' baseline.
  function median(img) {
    const c = document.createElement("canvas");
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const src = g.getImageData(0, 0, c.width, c.height);
    const out = g.createImageData(c.width, c.height);
    const w = c.width;
    const h = c.height;
    const win = new Array(9);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < 3; k++) {
          let n = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = Math.min(h - 1, Math.max(0, y + dy));
              const xx = Math.min(w - 1, Math.max(0, x + dx));
              win[n++] = src.data[(yy * w + xx) * 4 + k];
            }
          }
          win.sort((a, b) => a - b);
          out.data[(y * w + x) * 4 + k] = win[4];
        }
        out.data[(y * w + x) * 4 + 3] = 255;
      }
    }
    g.putImageData(out, 0, 0);
    return c.toDataURL("image/png");
  }

  $("app-select").addEventListener("change", (e) => choose(e.target.value));
  $("app-use-drawing").addEventListener("click", () => $("canvas").toBlob(send, "image/png"));
  $("app-upload").addEventListener("change", (e) => {
    if (e.target.files[0]) {
      send(e.target.files[0]);
    }
  });
  load();
})();
