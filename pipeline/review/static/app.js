// 决算表格复核 — keyboard-first review queue (plain JS, no build step).
"use strict";

const state = { items: [], index: 0, reasons: {}, documents: [], busy: false, lastKey: null };
const $ = (id) => document.getElementById(id);

function keyOf(it) { return `${it.doc}:${it.table}:${it.row}:${it.col}`; }

function fmt(v) {
  if (v === null || v === undefined) return "—";
  return Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status} ${detail}`);
  }
  return response.json();
}

function queueQuery() {
  const params = new URLSearchParams();
  if ($("filter-doc").value) params.set("doc", $("filter-doc").value);
  if ($("filter-table").value !== "") params.set("table", $("filter-table").value);
  if ($("filter-reason").value) params.set("reason", $("filter-reason").value);
  return params.toString();
}

async function loadDocuments() {
  const data = await api("/api/documents");
  state.documents = data.documents;
  if (!$("reviewer").value) $("reviewer").value = localStorage.getItem("reviewer") || data.reviewer || "";
  const select = $("filter-doc");
  for (const d of data.documents) {
    const o = document.createElement("option");
    o.value = d.id;
    o.textContent = `${d.authority || d.name} ${d.year || ""}`.trim();
    o.title = d.name;
    select.appendChild(o);
  }
  fillTables();
}

function fillTables() {
  const select = $("filter-table");
  select.innerHTML = '<option value="">全部</option>';
  const doc = state.documents.find((d) => d.id === $("filter-doc").value);
  if (!doc) { select.disabled = true; return; }
  select.disabled = false;
  for (const t of doc.tables) {
    const o = document.createElement("option");
    o.value = String(t.index);
    o.textContent = t.form ? `${t.form} ${t.title}` : t.title || t.id;
    select.appendChild(o);
  }
}

async function loadQueue(keepKey) {
  const data = await api("/api/queue?" + queueQuery());
  state.items = data.items;
  state.reasons = data.reasons;
  const reasonSelect = $("filter-reason");
  if (reasonSelect.options.length === 1) {
    for (const [k, label] of Object.entries(data.reasons)) {
      const o = document.createElement("option");
      o.value = k; o.textContent = label;
      reasonSelect.appendChild(o);
    }
  }
  const p = data.progress;
  $("progress-text").textContent = `已处理 ${p.done} / ${p.flagged}（人工复核 ${p.reviewed}，待复核 ${p.remaining}）`;
  $("progress-bar").style.width = p.flagged ? `${(100 * p.done) / p.flagged}%` : "100%";
  renderOrphans(data.orphaned);
  if (keepKey !== undefined) {
    const i = state.items.findIndex((it) => keyOf(it) === keepKey);
    state.index = i >= 0 ? i : Math.min(state.index, Math.max(0, state.items.length - 1));
  } else {
    state.index = Math.min(state.index, Math.max(0, state.items.length - 1));
  }
  renderQueue();
  renderItem();
}

function renderOrphans(orphans) {
  $("orphans").hidden = orphans.length === 0;
  $("orphan-count").textContent = orphans.length;
  const list = $("orphan-list");
  list.innerHTML = "";
  for (const o of orphans) {
    const li = document.createElement("li");
    li.textContent = `#${o.id} ${o.location || o.table + " / " + o.row + " / " + o.column}：「${o.old_text}」→「${o.new_text}」（${o.reviewer}，${o.updated}）`;
    list.appendChild(li);
  }
}

function renderQueue() {
  const nav = $("queue");
  nav.innerHTML = "";
  state.items.forEach((it, i) => {
    const div = document.createElement("div");
    div.className = "q" + (i === state.index ? " active" : "");
    div.dataset.key = keyOf(it);
    const reasons = it.reason_labels.join("、");
    div.innerHTML = `<div class="t"></div><div><span class="v"></span><span class="impact"></span></div><div class="t r"></div>`;
    div.querySelector(".t").textContent = `${it.table_title} · ${it.row_label} · ${it.column_label}`;
    div.querySelector(".v").textContent = it.text || "（空）";
    div.querySelector(".impact").textContent = it.impact ? `${it.impact} 条勾稽不符` : "";
    div.querySelector(".r").textContent = reasons;
    div.addEventListener("click", () => { state.index = i; renderQueue(); renderItem(); });
    nav.appendChild(div);
  });
  const active = nav.querySelector(".q.active");
  if (active) active.scrollIntoView({ block: "nearest" });
}

function checkItem(c) {
  const li = document.createElement("li");
  li.className = "check " + (c.ok ? "ok" : "fail");
  li.dataset.check = c.id;
  li.textContent = `${c.ok ? "✓" : "✗"} ${c.description}：应为 ${fmt(c.expected)}，实为 ${fmt(c.actual)}` +
    (c.ok ? "（已平衡）" : `（差 ${fmt((c.actual ?? 0) - (c.expected ?? 0))}）`);
  return li;
}

function renderItem() {
  const it = state.items[state.index];
  $("empty").hidden = !!it;
  $("current").hidden = !it;
  if (!it) return;
  $("where-doc").textContent = `${it.authority || it.doc_name} ${it.year || ""}`;
  $("where-table").textContent = (it.form ? it.form + " " : "") + it.table_title + (it.unit ? `（单位：${it.unit}）` : "");
  $("where-page").textContent = it.page;
  $("row-label").textContent = it.row_label || "（无）";
  $("column-label").textContent = it.column_label || "（无）";
  const img = $("crop");
  if (it.has_bbox) {
    img.hidden = false;
    img.src = `/api/crop/${encodeURIComponent(it.doc)}/${it.table}/${it.row}/${it.col}.png`;
  } else {
    img.hidden = true;
  }
  const input = $("value");
  input.value = it.text;
  input.dataset.key = keyOf(it);
  $("machine").textContent = `识别读数：${it.text || "（空）"}`;
  $("confidence").textContent = `置信度 ${(it.confidence * 100).toFixed(0)}%`;
  const alts = $("alternatives");
  alts.innerHTML = "";
  it.alternatives.forEach((a, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${i + 1}. ${a.text}`;
    b.title = `候选（${a.source}，${(a.confidence * 100).toFixed(0)}%）— Alt+${i + 1}`;
    b.addEventListener("click", () => { input.value = a.text; input.focus(); });
    alts.appendChild(b);
  });
  const reasons = $("reasons");
  reasons.innerHTML = "";
  for (const label of it.reason_labels) {
    const s = document.createElement("span");
    s.textContent = label;
    reasons.appendChild(s);
  }
  const checks = $("checks");
  checks.innerHTML = "";
  if (!it.checks.length) {
    const li = document.createElement("li");
    li.textContent = "（该单元格不在任何不符的勾稽关系中）";
    checks.appendChild(li);
  }
  for (const c of it.checks) checks.appendChild(checkItem(c));
  input.focus();
  input.select();
}

function showResolved(result, text) {
  const box = $("resolved");
  box.innerHTML = "";
  const head = document.createElement("div");
  head.textContent = text;
  box.appendChild(head);
  const ul = document.createElement("ul");
  for (const c of result.turned_green) ul.appendChild(checkItem(c));
  for (const c of result.turned_red) ul.appendChild(checkItem(c));
  box.appendChild(ul);
  box.hidden = false;
}

async function submit(accept) {
  const it = state.items[state.index];
  if (!it || state.busy) return;
  const input = $("value");
  const typed = input.value.trim();
  accept = accept || typed === it.text;
  state.busy = true;
  $("message").textContent = "保存中…";
  try {
    localStorage.setItem("reviewer", $("reviewer").value.trim());
    const body = { doc: it.doc, table: it.table, row: it.row, col: it.col, accept,
                   reviewer: $("reviewer").value.trim() || undefined };
    if (!accept) body.text = typed;
    const result = await api("/api/correct", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const what = accept ? `已确认「${it.text}」` : `已更正「${it.text}」→「${typed}」`;
    const green = result.turned_green.length ? `，${result.turned_green.length} 条勾稽关系恢复平衡` : "";
    showResolved(result, `${it.row_label} · ${it.column_label}：${what}${green}`);
    $("message").textContent = "";
    const next = state.items[state.index + 1];
    await loadQueue(next ? keyOf(next) : undefined);
  } catch (e) {
    $("message").textContent = `保存失败：${e.message}`;
  } finally {
    state.busy = false;
  }
}

function move(delta) {
  if (!state.items.length) return;
  state.index = (state.index + delta + state.items.length) % state.items.length;
  renderQueue();
  renderItem();
}

function onKey(event) {
  if (event.target.tagName === "SELECT" || event.target.id === "reviewer") return;
  const it = state.items[state.index];
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(true); return; }
  if (event.key === "=" && !event.ctrlKey && !event.altKey) { event.preventDefault(); submit(true); return; }
  if (event.key === "Enter") { event.preventDefault(); submit(false); return; }
  if ((event.key === "Tab" && !event.shiftKey) || event.key === "ArrowDown") { event.preventDefault(); move(1); return; }
  if ((event.key === "Tab" && event.shiftKey) || event.key === "ArrowUp") { event.preventDefault(); move(-1); return; }
  if (event.key === "Escape" && it) { event.preventDefault(); $("value").value = it.text; $("value").select(); return; }
  if (event.altKey && /^[1-9]$/.test(event.key) && it) {
    const alt = it.alternatives[Number(event.key) - 1];
    if (alt) { event.preventDefault(); $("value").value = alt.text; }
  }
}

document.addEventListener("keydown", onKey);
$("filter-doc").addEventListener("change", () => { fillTables(); state.index = 0; loadQueue(); });
$("filter-table").addEventListener("change", () => { state.index = 0; loadQueue(); });
$("filter-reason").addEventListener("change", () => { state.index = 0; loadQueue(); });

loadDocuments().then(() => loadQueue()).catch((e) => { $("message").textContent = `载入失败：${e.message}`; });
