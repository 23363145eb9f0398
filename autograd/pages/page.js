// chainrule's page player. Every number it shows was computed by the engine in Python and
// embedded, already formatted, in the JSON island #cr-data; this script only shows them:
// step k applies step k's text changes (and remembers what they replaced, to step back),
// outlines the step's elements and fills the panel. It does no maths and loads nothing.
// Two layout chores: the drawing is scaled to fit the window, and an edge label that would
// cover another label or a node is shown only while its edge is hovered or focused.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("cr-data").textContent);
  var steps = data.steps;
  var last = steps.length - 1;
  var state = new Map();     // key -> text, or one text per example
  var bound = new Map();     // key -> [{text: <text> element, prefix}]
  var history = [];          // history[k - 1]: what step k replaced
  var current = 0;
  var example = 0;
  var timer = null;
  var outlined = [];
  var fresh = [];
  var shown = null;          // id of the element whose card is open

  function byId(id) { return document.getElementById(id); }

  function pick(value) { return Array.isArray(value) ? value[example] : value; }

  function textOf(key) { return state.has(key) ? pick(state.get(key)) : "\u00b7"; }

  function bind() {
    data.bind.forEach(function (entry) {
      var owner = byId(entry[1]);
      if (!owner) { return; }
      var texts = owner.querySelectorAll("text");
      var text = texts[entry[2] < 0 ? texts.length + entry[2] : entry[2]];
      if (!text) { return; }
      if (!bound.has(entry[0])) { bound.set(entry[0], []); }
      bound.get(entry[0]).push({ text: text, prefix: entry[3] });
    });
  }

  function show(key) {
    var targets = bound.get(key);
    if (!targets) { return; }
    var value = textOf(key);
    targets.forEach(function (target) { target.text.textContent = target.prefix + value; });
  }

  function apply(step) {
    var replaced = [];
    step.changes.forEach(function (change) {
      var key = change[0];
      replaced.push([key, state.has(key) ? state.get(key) : null]);
      state.set(key, change[1]);
      show(key);
    });
    history.push(replaced);
  }

  function undo() {
    var replaced = history.pop();
    for (var i = replaced.length - 1; i >= 0; i -= 1) {
      var key = replaced[i][0];
      if (replaced[i][1] === null) { state.delete(key); } else { state.set(key, replaced[i][1]); }
      show(key);
    }
  }

  function goTo(target) {
    var k = Math.max(0, Math.min(last, target));
    while (current < k) { current += 1; apply(steps[current]); }
    while (current > k) { undo(); current -= 1; }
    render();
  }

  function mark() {
    outlined.forEach(function (element) { element.classList.remove("cr-focus"); });
    fresh.forEach(function (element) { element.classList.remove("cr-fresh"); });
    outlined = [];
    fresh = [];
    steps[current].focus.forEach(function (id) {
      var element = byId(id);
      if (element) { element.classList.add("cr-focus"); outlined.push(element); }
    });
    if (current === 0) { return; }
    steps[current].changes.forEach(function (change) {
      (bound.get(change[0]) || []).forEach(function (target) {
        target.text.classList.add("cr-fresh");
        fresh.push(target.text);
      });
    });
  }

  function cell(tag, text) {
    var element = document.createElement(tag);
    element.textContent = text;
    return element;
  }

  function table() {
    var step = steps[current];
    var head = byId("cr-rows").tHead;
    var body = byId("cr-rows").tBodies[0];
    head.replaceChildren();
    body.replaceChildren();
    if (!step.rows.length) { return; }
    var header = document.createElement("tr");
    step.columns.forEach(function (name) { header.appendChild(cell("th", name)); });
    head.appendChild(header);
    step.rows.forEach(function (row) {
      var line = document.createElement("tr");
      row.forEach(function (value) { line.appendChild(cell("td", pick(value))); });
      body.appendChild(line);
    });
  }

  function card() {
    var box = byId("cr-info");
    if (shown === null || !data.info[shown]) { return; }
    var info = data.info[shown];
    box.replaceChildren(cell("h2", info.title));
    var list = document.createElement("dl");
    info.lines.forEach(function (line) {
      list.appendChild(cell("dt", line[0]));
      list.appendChild(cell("dd", line[2] ? textOf(line[2]) : pick(line[1])));
    });
    box.appendChild(list);
  }

  function timeline() {
    var marks = byId("cr-timeline").children;
    for (var i = 0; i < marks.length; i += 1) {
      var entry = data.timeline[i];
      var end = i + 1 < data.timeline.length ? data.timeline[i + 1][1] : last + 1;
      marks[i].classList.toggle("cr-current", current >= entry[1] && current < end);
      // a detail (a step's loss) is a number of the future until its step is reached
      marks[i].textContent = entry[2] && current >= entry[3] ? entry[0] + " · " + entry[2]
        : entry[0];
    }
  }

  function render() {
    byId("cr-counter").textContent = "step " + current + " of " + last;
    byId("cr-caption").textContent = pick(steps[current].caption);
    byId("cr-previous").disabled = current === 0;
    byId("cr-reset").disabled = current === 0;
    byId("cr-next").disabled = current === last;
    byId("cr-end").disabled = current === last;
    byId("cr-play").disabled = timer !== null;
    byId("cr-pause").disabled = timer === null;
    mark();
    table();
    card();
    timeline();
  }

  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    render();
  }

  function play() {
    if (timer !== null) { return; }
    if (current === last) { goTo(0); }
    timer = setInterval(function () {
      if (current >= last) { pause(); } else { goTo(current + 1); }
    }, 1000 / Number(byId("cr-speed").value));
    render();
  }

  function listen() {
    byId("cr-reset").addEventListener("click", function () { pause(); goTo(0); });
    byId("cr-previous").addEventListener("click", function () { pause(); goTo(current - 1); });
    byId("cr-next").addEventListener("click", function () { pause(); goTo(current + 1); });
    byId("cr-end").addEventListener("click", function () { pause(); goTo(last); });
    byId("cr-play").addEventListener("click", play);
    byId("cr-pause").addEventListener("click", pause);
    byId("cr-speed").addEventListener("change", function () {
      if (timer !== null) { clearInterval(timer); timer = null; play(); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.target && event.target.tagName === "SELECT") { return; }
      var moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
      if (!Object.prototype.hasOwnProperty.call(moves, event.key)) { return; }
      event.preventDefault();
      if (timer !== null) { clearInterval(timer); timer = null; }
      goTo(moves[event.key]);
    });
    var drawing = byId("cr-drawing");
    byId("cr-fit").addEventListener("click", function () {
      drawing.classList.toggle("cr-actual");
      byId("cr-fit").textContent = drawing.classList.contains("cr-actual") ? "fit to window"
        : "actual size";
      fit();
    });
    window.addEventListener("resize", fit);
    ["click", "mouseover", "focusin"].forEach(function (kind) {
      drawing.addEventListener(kind, function (event) {
        var element = event.target.closest ? event.target.closest("g.node, g.edge") : null;
        if (element && kind === "mouseover" && element.nextElementSibling
            && element.classList.contains("cr-quiet")) {
          element.parentNode.appendChild(element);  // drawn last: its label on top
        }
        if (element && data.info[element.id]) { shown = element.id; card(); }
      });
    });
  }

  function examples() {
    if (!data.examples.length) { return; }
    var select = byId("cr-example");
    data.examples.forEach(function (label, index) {
      var option = cell("option", label);
      option.value = String(index);
      select.appendChild(option);
    });
    byId("cr-example-label").hidden = false;
    select.addEventListener("change", function () {
      example = Number(select.value);
      bound.forEach(function (targets, key) { show(key); });
      render();
    });
  }

  function marks() {
    if (!data.timeline.length) { return; }
    var box = byId("cr-timeline");
    data.timeline.forEach(function (entry) {
      var button = cell("button", entry[0]);
      button.title = "go to " + entry[0];
      button.type = "button";
      button.addEventListener("click", function () { pause(); goTo(entry[1]); });
      box.appendChild(button);
    });
    box.hidden = false;
  }

  function boxOf(elements) {
    var box = null;
    elements.forEach(function (element) {
      var b = element.getBBox();
      if (!box) { box = { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height }; return; }
      box = { x0: Math.min(box.x0, b.x), y0: Math.min(box.y0, b.y),
              x1: Math.max(box.x1, b.x + b.width), y1: Math.max(box.y1, b.y + b.height) };
    });
    return box;
  }

  function overlaps(a, b) {
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  }

  // Runs while the texts still hold Graphviz's widest numbers: a label kept visible now has
  // room for any number a step writes. The first label in drawing order wins a place.
  function settle() {
    var taken = [];
    document.querySelectorAll("#cr-drawing g.node").forEach(function (node) {
      taken.push(boxOf([node]));
    });
    document.querySelectorAll("#cr-drawing g.edge").forEach(function (edge) {
      var texts = Array.prototype.slice.call(edge.querySelectorAll("text"));
      if (!texts.length) { return; }
      var box = boxOf(texts);
      if (taken.some(function (other) { return overlaps(box, other); })) {
        edge.classList.add("cr-quiet");
      } else {
        taken.push(box);
      }
    });
    document.querySelectorAll("#cr-drawing g.node, #cr-drawing g.edge").forEach(function (g) {
      if (data.info[g.id]) { g.setAttribute("tabindex", "0"); }
    });
  }

  // The drawing's height: what the window leaves below the drawing's top (at least 240px),
  // unless the reader asked for the actual size.
  function fit() {
    var drawing = byId("cr-drawing");
    var top = drawing.getBoundingClientRect().top + window.scrollY;
    var room = window.innerHeight - top - 28;  // the drawing's padding, border and a margin
    drawing.style.setProperty("--cr-room", Math.max(240, Math.floor(room)) + "px");
  }

  settle();
  bind();
  data.initial.forEach(function (entry) { state.set(entry[0], entry[1]); });
  bound.forEach(function (targets, key) { show(key); });
  examples();
  marks();
  listen();
  render();
  fit();
  document.body.classList.add("cr-ready");
  window.chainrulePage = {
    goTo: goTo,
    step: function () { return current; },
    last: last,
    text: textOf
  };
}());
