"use strict";
// The explorer page: the SVG is Graphviz's, every node/edge/cluster has the id of
// its entry in DATA (units t* tensors, f* ops; edges e*; modules m*).
(function () {
  const U = DATA.units, FRAMES = DATA.frames, N = FRAMES.length - 1;
  const svg = document.querySelector("#graph svg");
  const panel = document.getElementById("panel");
  const NS = "http://www.w3.org/2000/svg";
  const el = (id) => document.getElementById(id);
  let frame = N, selected = null, zoom = 1;
  const collapsed = new Set();
  const children = {};                         // module -> child modules
  for (const [m, info] of Object.entries(DATA.modules)) {
    children[m] = children[m] || [];
    if (info.parent) (children[info.parent] = children[info.parent] || []).push(m);
  }
  const out = {};                              // unit -> units it feeds (forward)
  for (const e of DATA.edges) (out[e.src] = out[e.src] || []).push(e);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));

  // ---------------------------------------------------------------- modules
  function ancestors(m) {                       // m and every module around it
    const list = [];
    for (; m; m = DATA.modules[m].parent) list.push(m);
    return list;
  }
  function hiddenBy(m) {                        // the outermost collapsed module around m
    let box = null;
    for (const a of ancestors(m)) if (collapsed.has(a)) box = a;
    return box;
  }
  function unitBox(id) {                        // the collapsed box that hides a unit
    const op = /^(f\d+)c\d+$/.exec(id);
    const u = U[op ? op[1] : id];
    return u && u.module ? hiddenBy(u.module) : null;
  }
  function layoutModules() {
    svg.querySelectorAll("g.mbox").forEach((b) => b.remove());
    for (const g of svg.querySelectorAll("g.node")) g.classList.toggle("hidden", !!unitBox(g.id));
    for (const g of svg.querySelectorAll("g.edge")) {
      const [src, dst] = edgeEnds(g);
      const a = unitBox(src), b = unitBox(dst);
      g.classList.toggle("hidden", !!a && a === b);
    }
    for (const m of Object.keys(DATA.modules)) {
      const c = el(m);
      if (!c) continue;
      const box = hiddenBy(m);
      c.classList.toggle("hidden", !!box && box !== m);
      if (box === m) drawBox(m, c);
    }
    if (selected) select(selected, false);
    setFrame(frame);
  }
  function edgeEnds(g) {
    const t = g.querySelector("title").textContent;   // "src->dst"
    return t.split("->");
  }
  function drawBox(m, cluster) {
    const info = DATA.modules[m];
    const bb = cluster.getBBox();
    for (const k of cluster.children) if (k.tagName !== "title") k.classList.add("hidden");
    const g = document.createElementNS(NS, "g");
    g.setAttribute("class", "mbox");
    g.setAttribute("id", "box-" + m);
    g.setAttribute("data-module", m);
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", "module " + info.title + ", collapsed: press Enter to expand");
    const r = document.createElementNS(NS, "rect");
    for (const [k, v] of [["x", bb.x], ["y", bb.y], ["width", bb.width], ["height", bb.height], ["rx", 6]])
      r.setAttribute(k, v);
    g.appendChild(r);
    const lines = [[info.title, "t"]];
    if (info.params) lines.push([info.params, ""]);
    lines.push(["out " + info.out, ""], ["▸ click to expand", "h"]);
    lines.forEach(([text, cls], k) => {
      const t = document.createElementNS(NS, "text");
      t.setAttribute("x", bb.x + 6);
      t.setAttribute("y", bb.y + 15 + 14 * k);
      if (cls) t.setAttribute("class", cls);
      t.textContent = text;
      g.appendChild(t);
    });
    g.addEventListener("click", (ev) => { ev.stopPropagation(); expand(m); });
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); expand(m); } });
    svg.querySelector("g.graph").appendChild(g);
  }
  function restoreCluster(m) {
    const c = el(m);
    if (c) for (const k of c.children) k.classList.remove("hidden");
  }
  function collapse(m) { collapsed.add(m); layoutModules(); }
  function expand(m) {
    for (const a of ancestors(m)) { collapsed.delete(a); restoreCluster(a); }
    layoutModules();
  }
  function defaultCollapse() {                 // one box per layer of the outermost modules
    collapsed.clear();
    for (const [m, info] of Object.entries(DATA.modules)) {
      const top = !info.parent;
      if ((top && !children[m].length) || (!top && !DATA.modules[info.parent].parent)) collapsed.add(m);
    }
    Object.keys(DATA.modules).forEach(restoreCluster);
    layoutModules();
  }

  // ---------------------------------------------------------------- stepping
  function setTexts(id, lines) {               // a tensor node's grad lines in the picture
    const u = U[id], g = el(id);
    if (!g || !u.gradLines) return;
    const texts = g.querySelectorAll("text");
    u.gradLines.forEach((_, k) => {
      const t = texts[u.gradLine + k];
      if (t) { t.textContent = lines[k] || ""; t.setAttribute("fill", "#c62828"); }
    });
  }
  function arrived(u) { return u.messages.filter((m) => m.frame <= frame); }
  function setFrame(k) {
    frame = Math.max(0, Math.min(N, k));
    for (const e of DATA.edges) {
      const g = el(e.id);
      if (!g) continue;
      const shown = e.frame !== null && e.frame <= frame;
      g.querySelectorAll("text").forEach((t) => t.classList.toggle("hidden", !shown));
      g.classList.toggle("just-sent", e.frame !== null && e.frame === frame);
    }
    for (const [id, u] of Object.entries(U)) {
      if (u.type !== "tensor" || u.gradFrom === null) continue;
      if (frame >= u.gradFrom) setTexts(id, u.gradLines);
      else {
        const got = arrived(u).length;
        setTexts(id, got && u.messages.length > 1 ? [`grad: ${got} of ${u.messages.length} messages so far`] : []);
      }
    }
    svg.querySelectorAll(".current").forEach((g) => g.classList.remove("current"));
    const op = FRAMES[frame].op;
    if (op) {
      const box = unitBox(op);
      const g = box ? el("box-" + box) : el(op);
      if (g) g.classList.add("current");
    }
    el("count").textContent = N ? `step ${frame} of ${N}` : "no backward pass";
    el("caption").textContent = FRAMES[frame].caption;
    el("first").disabled = el("prev").disabled = frame === 0;
    el("last").disabled = el("next").disabled = frame === N;
    if (selected) showPanel(selected);
  }

  // ---------------------------------------------------------------- selection
  function pathToRoot(id) {                    // every unit and edge downstream of id
    const seen = new Set([id]), edges = new Set(), stack = [id];
    while (stack.length) {
      for (const e of out[stack.pop()] || []) {
        edges.add(e.id);
        if (!seen.has(e.dst)) { seen.add(e.dst); stack.push(e.dst); }
      }
    }
    return [seen, edges];
  }
  function select(id, scroll) {
    selected = id;
    svg.querySelectorAll(".selected, .onpath").forEach((g) => g.classList.remove("selected", "onpath"));
    const [units, edges] = pathToRoot(id);
    units.forEach((u) => { const g = el(u); if (g) g.classList.add("onpath"); });
    edges.forEach((e) => { const g = el(e); if (g) g.classList.add("onpath"); });
    const g = el(id);
    if (g) {
      g.classList.remove("onpath");
      g.classList.add("selected");
      if (scroll) g.scrollIntoView({block: "center", inline: "center"});
    }
    showPanel(id);
  }
  function heat(h) {                           // a canvas: blue < 0 < red, white at 0
    const grid = h.grid, rows = grid.length, cols = grid[0].length;
    let max = 0;
    grid.forEach((r) => r.forEach((v) => { if (isFinite(v)) max = Math.max(max, Math.abs(v)); }));
    const c = document.createElement("canvas");
    c.width = cols; c.height = rows;
    c.className = "heat";
    const scale = Math.max(1, Math.floor(240 / Math.max(rows, cols)));
    c.style.width = cols * scale + "px"; c.style.height = rows * scale + "px";
    const ctx = c.getContext("2d");
    grid.forEach((r, i) => r.forEach((v, j) => {
      const s = max ? Math.min(1, Math.abs(v) / max) : 0, w = Math.round(255 * (1 - s));
      ctx.fillStyle = !isFinite(v) ? "#000" : v >= 0 ? `rgb(255,${w},${w})` : `rgb(${w},${w},255)`;
      ctx.fillRect(j, i, 1, 1);
    }));
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", "heatmap");
    const wrap = document.createElement("div");
    wrap.appendChild(c);
    const note = document.createElement("div");
    note.className = "sub";
    note.textContent = `heatmap: blue < 0 < red, white = 0 (strongest cell ${max.toPrecision(4)}); ${h.note}`;
    wrap.appendChild(note);
    return wrap;
  }
  function arrayBlock(id, a, cls) {
    const div = document.createElement("div");
    div.innerHTML = `<pre id="${id}" class="${cls || ""}">${esc(a.text)}</pre>`;
    if (a.heat) div.appendChild(heat(a.heat));
    return div;
  }
  function link(id, text) { return `<a data-go="${esc(id)}">${esc(text)}</a>`; }
  function showPanel(id) {
    const u = U[id];
    if (!u) return;
    const root = U[DATA.root].name;
    panel.innerHTML = "";
    const head = document.createElement("div");
    if (u.type === "tensor") {
      head.innerHTML = `<h2 id="p-name">${esc(u.name)}</h2>` +
        `<div class="sub" id="p-kind">${esc(u.kindText)} · shape ${esc(u.shape)} · ${esc(u.dtype)}</div>` +
        `<h3>value</h3>`;
      panel.appendChild(head);
      panel.appendChild(arrayBlock("p-value", u.value));
      const h = document.createElement("h3");
      h.textContent = `gradient ∂${root}/∂${u.name}` + (DATA.seededWithOnes ? ` (of ${root}.sum())` : "");
      panel.appendChild(h);
      if (u.grad === null) {
        panel.insertAdjacentHTML("beforeend", `<p class="hint" id="p-grad-none">${
          u.kind === "input" ? "none: it does not require grad" : "none: no gradient reaches it"}</p>`);
      } else if (frame >= u.gradFrom) {
        panel.appendChild(arrayBlock("p-grad", u.grad, "grad"));
      } else {
        panel.insertAdjacentHTML("beforeend", `<p class="later" id="p-grad-later">not known yet at step ${frame}: ` +
          `complete after step ${u.gradFrom}</p>`);
      }
      if (u.messages.length) {
        const items = u.messages.map((m) => `<li class="${m.frame <= frame ? "" : "later"}">from ${link(m.from, m.op)}` +
          ` (step ${m.frame}): <code class="grad">${esc(m.value)}</code>${m.frame <= frame ? "" : " — not sent yet"}</li>`).join("");
        const sum = u.messages.length > 1 ? `<p>∂${esc(root)}/∂${esc(u.name)} is the <b>sum</b> of these ` +
          `${u.messages.length} messages (${esc(u.name)} is used ${u.messages.length} times).</p>` : "";
        panel.insertAdjacentHTML("beforeend", `<h3>gradient messages received</h3><ul id="p-messages">${items}</ul>${sum}`);
      }
      if (DATA.explain[id] !== undefined) {
        panel.insertAdjacentHTML("beforeend", `<h3>the chain rule, written out (explain)</h3><pre id="p-explain" class="explain">${esc(DATA.explain[id])}</pre>`);
      }
    } else {
      const ins = u.inputs.map((i) => `<li>${i.id ? link(i.id, i.name) : esc(i.name)} ${esc(i.shape)}</li>`).join("");
      head.innerHTML = `<h2 id="p-name">${esc(u.name)}</h2>` +
        `<div class="sub">op ${esc(u.op)}${u.doc ? " — " + esc(u.doc) : ""}</div>` +
        `<h3>local derivative</h3><div class="formula" id="p-formula">${esc(u.formula || "(no formula given)")}</div>` +
        `<h3>inputs → output</h3><ul>${ins}</ul><div>output: ${link(u.output, u.outputName)} ${esc(u.outShape)}</div>`;
      panel.appendChild(head);
      if (u.faulty || u.checks.length) {
        panel.insertAdjacentHTML("beforeend", `<h3>check_graph</h3><pre id="p-check" class="check${u.faulty ? " bad" : ""}">${esc(u.checks.join("\n"))}</pre>`);
      }
      if (u.incoming === null) {
        panel.insertAdjacentHTML("beforeend", `<p class="hint">No gradient reaches this op.</p>`);
      } else if (frame < u.frame) {
        panel.insertAdjacentHTML("beforeend", `<p class="later" id="p-vjp-later">Its backward runs at step ${u.frame} ` +
          `(now: step ${frame}): <a data-frame="${u.frame}">go there</a>.</p>`);
      }
      if (u.incoming !== null) {
        let h = `<h3>backward (step ${u.frame}): the vector-Jacobian product</h3>` +
          `<p>incoming gradient g = ∂${esc(root)}/∂${esc(u.outputName)}:</p><pre class="grad" id="p-incoming">${esc(u.incoming)}</pre>`;
        u.inputs.forEach((i, k) => {
          h += `<h3>to ${esc(i.name)}</h3>`;
          if (!i.needsGrad) { h += `<p class="hint">no gradient: ${esc(i.name)} does not require grad</p>`; return; }
          if (i.jacobian) {
            const J = i.jacobian;
            const label = `∂${u.outputName}/∂${i.name}`;
            if (J.length === 1 && J[0].length === 1) {
              h += `<p>local Jacobian ${esc(label)} = <code id="p-jac-${k}">${esc(J[0][0])}</code></p>`;
            } else {
              h += `<p>local Jacobian ${esc(label)} (row: output element, column: input element):</p>` +
                `<table class="jac" id="p-jac-${k}"><tr><th></th>${J[0].map((_, j) => `<th>${esc(i.name)}[${j}]</th>`).join("")}</tr>` +
                J.map((row, r) => `<tr><th>${esc(u.outputName)}[${r}]</th>${row.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`).join("") + `</table>`;
            }
          } else {
            h += `<p class="hint">(the Jacobian is shown for inputs and outputs of at most ${8} elements)</p>`;
          }
          h += `<p>message sent to ${link(i.id, i.name)} = gᵀ · J${i.broadcast ? `, summed from ${esc(i.broadcast)} to ${esc(i.shape)} (broadcast)` : ""}:</p>` +
            `<pre class="grad" id="p-msg-${k}">${esc(i.message)}</pre>`;
        });
        panel.insertAdjacentHTML("beforeend", h);
      }
    }
    panel.querySelectorAll("a[data-go]").forEach((a) => a.addEventListener("click", () => pick(a.dataset.go)));
    panel.querySelectorAll("a[data-frame]").forEach((a) => a.addEventListener("click", () => setFrame(+a.dataset.frame)));
  }
  function intro() {
    panel.innerHTML = `<h2>How to read this page</h2><ul>
      <li>Boxes are tensors, ovals are ops; arrows run the way the forward pass computes.</li>
      <li><b>Click a node</b> (or Tab to it and press Enter): its value, gradient, local derivative and the path to ${esc(U[DATA.root].name)} (blue).</li>
      <li>The red numbers on arrows are <b>gradient messages</b> (${esc(DATA.back)}): upstream gradient × local derivative.</li>
      <li><b>step ◀ ▶</b> (or the ← → keys) replays the backward pass one op at a time; the op just computed is yellow.</li>
      <li>Dashed frames are modules: click a frame's name to collapse it into one box, click the box to expand it.</li>
      <li>Search (press /) finds a node by name.</li></ul>`;
  }

  // ---------------------------------------------------------------- search
  const index = Object.entries(U).map(([id, u]) => ({id, name: u.name, what: u.type === "op" ? "op" : u.kindText}))
    .concat(Object.entries(DATA.modules).map(([id, m]) => ({id, name: m.title, what: "module"})));
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    const hits = index.filter((x) => x.name.toLowerCase().includes(q));
    hits.sort((a, b) => (a.name.toLowerCase() !== q) - (b.name.toLowerCase() !== q));
    return hits.slice(0, 30);
  }
  function showResults() {
    const list = el("results");
    list.innerHTML = "";
    matches(el("search").value).forEach((x, k) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.innerHTML = `${esc(x.name)} <span class="what">${esc(x.what)}</span>`;
      if (k === 0) li.classList.add("active");
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(x.id); });
      list.appendChild(li);
    });
  }
  function pick(id) {
    el("results").innerHTML = "";
    if (DATA.modules[id]) {
      expand(id);
      const c = el(id);
      if (c) c.scrollIntoView({block: "center", inline: "center"});
      return;
    }
    const box = unitBox(id);
    if (box) expand(box);
    select(id, true);
  }

  // ---------------------------------------------------------------- wiring
  for (const g of svg.querySelectorAll("g.node")) {
    const u = U[g.id];
    if (!u) continue;
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("data-name", u.name);
    g.setAttribute("aria-label", (u.type === "op" ? "op " : "tensor ") + u.name);
    if (u.faulty) g.classList.add("faulty");
    g.addEventListener("click", () => select(g.id, false));
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(g.id, false); } });
  }
  for (const m of Object.keys(DATA.modules)) {
    const c = el(m);
    if (!c) continue;
    c.setAttribute("data-module", m);
    c.setAttribute("data-title", DATA.modules[m].title);
    const label = c.querySelector("text");
    if (label) {
      label.setAttribute("role", "button");
      label.setAttribute("tabindex", "0");
      label.setAttribute("aria-label", "module " + DATA.modules[m].title + ": press Enter to collapse");
      const t = document.createElementNS(NS, "title");
      t.textContent = "click to collapse into one box";
      label.appendChild(t);
      label.addEventListener("click", (ev) => { ev.stopPropagation(); collapse(m); });
      label.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); collapse(m); } });
    }
  }
  el("first").onclick = () => setFrame(0);
  el("prev").onclick = () => setFrame(frame - 1);
  el("next").onclick = () => setFrame(frame + 1);
  el("last").onclick = () => setFrame(N);
  el("collapse-all").onclick = defaultCollapse;
  el("expand-all").onclick = () => { collapsed.clear(); Object.keys(DATA.modules).forEach(restoreCluster); layoutModules(); };
  const base = [svg.width.baseVal.value, svg.height.baseVal.value];
  function setZoom(z) {
    zoom = Math.max(0.05, Math.min(8, z));
    svg.setAttribute("width", base[0] * zoom);
    svg.setAttribute("height", base[1] * zoom);
  }
  el("zoom-in").onclick = () => setZoom(zoom * 1.25);
  el("zoom-out").onclick = () => setZoom(zoom / 1.25);
  el("zoom-fit").onclick = () => setZoom((el("graph").clientWidth - 20) / base[0]);
  const search = el("search");
  search.addEventListener("input", showResults);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { const m = matches(search.value); if (m.length) pick(m[0].id); }
    else if (ev.key === "Escape") { search.value = ""; el("results").innerHTML = ""; }
  });
  search.addEventListener("blur", () => { el("results").innerHTML = ""; });
  document.addEventListener("keydown", (ev) => {
    if (ev.target === search) return;
    if (ev.key === "ArrowRight") { setFrame(frame + 1); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft") { setFrame(frame - 1); ev.preventDefault(); }
    else if (ev.key === "Home") { setFrame(0); ev.preventDefault(); }
    else if (ev.key === "End") { setFrame(N); ev.preventDefault(); }
    else if (ev.key === "/") { search.focus(); ev.preventDefault(); }
    else if (ev.key === "Escape") {
      selected = null;
      svg.querySelectorAll(".selected, .onpath").forEach((g) => g.classList.remove("selected", "onpath"));
      intro();
    }
  });
  if (DATA.verdict) {
    el("verdict").textContent = DATA.verdict;
    el("verdict").className = DATA.checkOk ? "ok" : "bad";
  }
  intro();
  if (DATA.collapsed) defaultCollapse(); else layoutModules();
  // fit a wide graph into the window at first
  if (base[0] > el("graph").clientWidth - 20) setZoom(Math.max(0.65, (el("graph").clientWidth - 20) / base[0]));
})();
