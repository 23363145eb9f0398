// The playground's Web Worker: it loads Pyodide (CPython in WebAssembly) and the project's own
// wheel from this site, sets viz-js as autograd.viz's SVG renderer, and answers the page's
// requests by calling playground.py. Nothing here computes a number: Python does.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz.js";

const here = (path) => new URL(path, import.meta.url).href;
const status = (text) => postMessage({ type: "status", text });

async function start() {
  const started = performance.now();
  status("Starting Python (Pyodide) in your browser…");
  const pyodide = await loadPyodide({ indexURL: here("./pyodide/") });
  const build = await (await fetch(here("./build.json"))).json();
  for (const wheel of build.wheels) {
    status(`Installing ${wheel}…`);
    const data = await (await fetch(here(`./wheels/${wheel}`))).arrayBuffer();
    pyodide.unpackArchive(data, "wheel");
  }
  status("Loading the graph renderer (Graphviz in WebAssembly)…");
  const viz = await vizInstance();
  pyodide.registerJsModule("playground_js", {
    render_svg: (dot) => viz.renderString(dot, { format: "svg" }),
  });
  const source = await (await fetch(here("./playground.py"))).text();
  pyodide.FS.writeFile("/home/pyodide/playground.py", source);
  const python = pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide")
import autograd.viz, playground, playground_js
autograd.viz.set_renderer(playground_js.render_svg)
playground
`);
  const version = pyodide.runPython("import autograd, sys; f'chainrule {autograd.__version__} on Python {sys.version.split()[0]}'");
  // What the worker fetched (the page's own requests are in its own Resource Timing entries).
  const requests = performance.getEntriesByType("resource").map((entry) => entry.name);
  postMessage({ type: "ready", seconds: (performance.now() - started) / 1000, version, requests });
  return python;
}

const ready = start().catch((error) => {
  postMessage({ type: "failed", text: String(error) });
  throw error;
});

// Requests: {id, call, args}; answers: {type: "answer", id, result (JSON text from Python), ms}.
onmessage = async ({ data }) => {
  const python = await ready;
  const started = performance.now();
  let result;
  try {
    result = python[data.call](...data.args);
  } catch (error) { // playground.py answers the program's errors itself; this is anything else
    result = JSON.stringify({ ok: false, error: String(error), line: null });
  }
  postMessage({ type: "answer", id: data.id, result, ms: performance.now() - started });
};
