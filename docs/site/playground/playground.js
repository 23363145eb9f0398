// The playground's page: the editor, the tables and the pictures. Python (playground.py, in the
// Web Worker of worker.js) computes every number; this script only asks for them and shows them.

const $ = (id) => document.getElementById(id);
const DEFAULT_PROGRAM = `# Karpathy's neuron: o = tanh(x1*w1 + x2*w2 + b)
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o
`;

// ---- the worker: one Python, requests answered in order ----------------------------------

let worker = null;
let pending = new Map();
let nextId = 0;
export const timings = { pythonStartSeconds: null, calls: [] };
window.playground = { timings, call: (...args) => call(...args) }; // for measurements and tests

function startWorker() {
  worker = new Worker("worker.js", { type: "module" });
  pending = new Map();
  worker.onmessage = ({ data }) => {
    if (data.type === "status") setStatus(data.text);
    if (data.type === "failed") setStatus(`Python could not start: ${data.text}`);
    if (data.type === "ready") {
      timings.pythonStartSeconds = data.seconds;
      timings.workerRequests = data.requests;
      setStatus(`Ready: ${data.version} (started in ${data.seconds.toFixed(1)} s)`);
      for (const button of ["run", "reset", "step", "train"]) $(button).disabled = false;
      document.body.dataset.ready = "true";
      openFromFragment();
    }
    if (data.type === "answer") {
      timings.calls.push({ ms: data.ms });
      pending.get(data.id)(JSON.parse(data.result));
      pending.delete(data.id);
    }
  };
}

function call(name, ...args) {
  const id = nextId++;
  worker.postMessage({ id, call: name, args });
  return new Promise((resolve) => pending.set(id, resolve));
}

// A program that never ends cannot be interrupted inside the worker: start a fresh Python.
function restartPython() {
  worker.terminate();
  for (const resolve of pending.values()) resolve({ ok: false, error: "stopped", line: null });
  document.body.dataset.ready = "false";
  startWorker();
}

function setStatus(text) { $("status").textContent = text; }

function show(element, text) {
  element.hidden = !text;
  element.textContent = text || "";
}

// ---- code mode ------------------------------------------------------------------------------

let running = false;
let runs = 0;

async function runProgram() {
  if (running) { restartPython(); return; }
  const source = $("editor").value;
  history.replaceState(null, "", `#code=${encodeURIComponent(source)}`);
  running = true;
  $("run").textContent = "Stop";
  const result = await call("run_code", source);
  running = false;
  $("run").textContent = "Run";
  showResult(result);
  document.body.dataset.runs = String(++runs);
}

function showResult(result) {
  const where = result.line ? `line ${result.line}: ` : "";
  show($("error"), result.ok ? "" : where + result.error);
  show($("output"), result.stdout);
  show($("page-error"), result.page_error);
  $("player").srcdoc = result.page || "";
  const rows = (result.leaves || []).map(leafRow);
  $("leaves").tBodies[0].replaceChildren(...rows);
}

function leafRow(leaf) {
  const row = document.createElement("tr");
  row.dataset.label = leaf.label;
  for (const [name, text] of [["label", leaf.label], ["data", leaf.data], ["grad", leaf.grad]]) {
    const cell = row.insertCell();
    cell.className = name;
    cell.textContent = text;
  }
  const cell = row.insertCell();
  if (leaf.site !== null) {
    const field = document.createElement("input");
    field.type = "number";
    field.step = "any";
    field.value = leaf.data;
    field.title = `the number in the program's Value(...) call number ${leaf.site + 1}`;
    field.addEventListener("change", () => editLeaf(leaf.site, field.value));
    cell.append(field);
  }
  return row;
}

async function editLeaf(site, number) {
  const edited = await call("edit_leaf", $("editor").value, site, number);
  if (!edited.ok) { show($("error"), edited.error); return; }
  $("editor").value = edited.source;
  await runProgram();
}

// ---- network mode ---------------------------------------------------------------------------

let training = false;
let chosen = null; // the parameter whose derivation is shown

function settings() {
  return Object.fromEntries(new FormData($("settings")));
}

function netFragment(steps) {
  const query = new URLSearchParams({ ...settings(), steps: String(steps) });
  return `#net&${query}`;
}

async function resetNet() {
  chosen = null;
  if ($("derivation").querySelector("table")) $("derivation").replaceChildren("Click a weight or a neuron.");
  showNet(await call("net_init", JSON.stringify(settings())));
}

async function stepNet(steps, draw = true) {
  showNet(await call("net_step", steps, draw));
}

async function train() {
  training = true;
  $("stop").disabled = false;
  while (training) await stepNet(5);
  $("stop").disabled = true;
  if (chosen) explain(chosen);
}

function showNet(state) {
  show($("net-error"), state.ok ? "" : state.error);
  if (!state.ok) { training = false; return; }
  const last = state.losses.at(-1);
  $("net-info").textContent = `step ${state.step}` + (last ? ` · loss ${last}` : "") +
    ` · accuracy ${state.accuracy}`;
  $("net-share").href = netFragment(state.step);
  $("loss-curve").dataset.losses = JSON.stringify(state.losses);
  drawLosses($("loss-curve"), state.losses.map(Number));
  drawBoundary($("boundary"), state);
  if (state.svg) {
    $("network").innerHTML = state.svg; // viz-js's SVG of nn.draw_network's DOT
    if (chosen && !training) explain(chosen); // while training, once Stop is pressed
  }
  document.body.dataset.netStep = String(state.step);
}

function drawLosses(canvas, losses) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (losses.length === 0) return;
  const top = Math.max(...losses), bottom = Math.min(0, ...losses);
  const x = (i) => 30 + (i / Math.max(1, losses.length - 1)) * (canvas.width - 40);
  const y = (v) => 10 + (1 - (v - bottom) / (top - bottom || 1)) * (canvas.height - 30);
  g.fillStyle = "#555";
  g.fillText(top.toPrecision(3), 2, 14);
  g.fillText(`${losses.length} steps`, canvas.width - 60, canvas.height - 4);
  g.strokeStyle = "#1f77b4";
  g.beginPath();
  losses.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
  g.stroke();
}

function drawBoundary(canvas, state) {
  const g = canvas.getContext("2d");
  const { box, size, cells } = state.boundary;
  const edge = (i, length) => Math.round((i * length) / size); // cells meet without overlap
  g.clearRect(0, 0, canvas.width, canvas.height);
  cells.forEach((out, i) => {
    const strength = Math.min(1, Math.abs(out)) * 0.5;
    const [column, row] = [i % size, Math.floor(i / size)];
    g.fillStyle = out > 0 ? `rgba(214, 39, 40, ${strength})` : `rgba(31, 119, 180, ${strength})`;
    g.fillRect(edge(column, canvas.width), edge(row, canvas.height),
      edge(column + 1, canvas.width) - edge(column, canvas.width),
      edge(row + 1, canvas.height) - edge(row, canvas.height));
  });
  state.points.forEach(([px, py], i) => {
    g.fillStyle = state.labels[i] ? "#d62728" : "#1f77b4";
    g.beginPath();
    g.arc((px - box[0]) / (box[1] - box[0]) * canvas.width,
      (box[3] - py) / (box[3] - box[2]) * canvas.height, 4, 0, 2 * Math.PI);
    g.fill();
  });
}

// A click on the drawing: an edge is a weight (its tooltip is the weight's name), a neuron's
// circle stands for its bias (tooltip "layers.i.neurons.j", the bias is "...b").
function clicked(event) {
  const group = event.target.closest("g.edge, g.node");
  const link = group && group.querySelector("a");
  const name = link && (link.getAttribute("xlink:title") || link.getAttribute("title"));
  if (!name || !name.startsWith("layers.")) return;
  explain(group.classList.contains("node") ? `${name}.b` : name);
}

function highlight(name) {
  for (const group of $("network").querySelectorAll("g.chosen")) group.classList.remove("chosen");
  const title = name.endsWith(".b") ? name.slice(0, -2) : name;
  for (const link of $("network").querySelectorAll("g.edge a, g.node a")) {
    if (link.getAttribute("xlink:title") === title) link.closest("g.edge, g.node").classList.add("chosen");
  }
}

async function explain(name) {
  chosen = name;
  highlight(name);
  const d = await call("net_explain", name);
  const box = $("derivation");
  if (!d.ok) { box.textContent = d.error; return; }
  const heading = document.createElement("p");
  heading.textContent = `${d.name} at step ${d.step} (loss ${d.loss}): d(loss)/d(${d.name}) = ` +
    `${d.grad}, the sum of ${d.count} contributions (upstream × local), one per use:`;
  const table = document.createElement("table");
  table.createTHead().insertRow().append(...["node", "op", "upstream", "× local", "= contribution",
    "running sum"].map((text) => Object.assign(document.createElement("th"), { textContent: text })));
  const body = table.createTBody();
  for (const row of d.rows) {
    const tr = body.insertRow();
    for (const key of ["node", "op", "upstream", "local", "contribution", "accumulated"]) {
      tr.insertCell().textContent = row[key];
    }
  }
  box.replaceChildren(heading, table);
  if (d.count > d.rows.length) box.append(`(${d.count - d.rows.length} more rows not shown)`);
}

// ---- modes and links ------------------------------------------------------------------------

function setMode(mode) {
  $("code-mode").hidden = mode !== "code";
  $("net-mode").hidden = mode !== "net";
  $("mode-code").setAttribute("aria-pressed", String(mode === "code"));
  $("mode-net").setAttribute("aria-pressed", String(mode === "net"));
}

// #code=<URL-encoded program> runs that program; #net&dataset=...&steps=N trains N steps.
async function openFromFragment() {
  const hash = location.hash;
  if (hash.startsWith("#net")) {
    setMode("net");
    const query = new URLSearchParams(hash.slice(5));
    for (const [key, value] of query) {
      const field = $("settings").elements[key];
      if (field) field.value = value;
    }
    await resetNet();
    let steps = Math.min(Number(query.get("steps")) || 0, 1000);
    while (steps > 0) {
      const chunk = Math.min(steps, 20);
      steps -= chunk;
      await stepNet(chunk, steps === 0);
    }
    return;
  }
  setMode("code");
  if (hash.startsWith("#code=")) $("editor").value = decodeURIComponent(hash.slice(6));
  await runProgram();
  if (!hash.startsWith("#code=")) history.replaceState(null, "", location.pathname);
  await resetNet();
}

$("editor").value = DEFAULT_PROGRAM;
$("run").addEventListener("click", runProgram);
$("editor").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); runProgram(); }
});
$("share").addEventListener("click", (event) => {
  event.preventDefault();
  history.replaceState(null, "", `#code=${encodeURIComponent($("editor").value)}`);
});
$("net-share").addEventListener("click", (event) => {
  event.preventDefault();
  history.replaceState(null, "", $("net-share").getAttribute("href"));
});
$("mode-code").addEventListener("click", () => setMode("code"));
$("mode-net").addEventListener("click", () => setMode("net"));
$("reset").addEventListener("click", resetNet);
$("step").addEventListener("click", () => stepNet(1));
$("train").addEventListener("click", () => { if (!training) train(); });
$("stop").addEventListener("click", () => { training = false; });
$("network").addEventListener("click", clicked);
window.addEventListener("hashchange", () => { if (!running && !training) openFromFragment(); });
startWorker();
