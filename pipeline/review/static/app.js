// 决算表格复核 — keyboard-first review queue (plain JS, no build step).
"use strict";

const state = {
  items: [], index: 0, documents: [], busy: false, view: "queue", reviewed: [], cropUrl: null,
  total: 0, openChecks: 0,
};
const $ = (id) => document.getElementById(id);

function current() { return state.items[state.index]; }
function currentId() { const it = current(); return it ? it.id : null; }

function fmt(v) {
  if (v === null || v === undefined) return "—";
  return Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function pct(p) {
  // rounded down, as on the server: nothing short of certain reads as 100 %
  return p >= 1 ? "100%" : `${(Math.floor(p * 1000) / 10).toFixed(1)}%`;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

function post(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function reviewer() {
  const name = $("reviewer").value.trim();
  localStorage.setItem("reviewer", name);
  return name || undefined;
}

// Amount cells take amounts, "——" (not applicable) or a blank; the server checks the same rule.
function squeeze(text) {
  return text.normalize("NFKC").replace(/，/g, ",").replace(/．/g, ".").replace(/\s+/g, "");
}
function amountProblem(text) {
  let t = squeeze(text);
  if (t === "" || /^[-－—―─]+$/.test(t) || t === "/" || t === "…") return null;
  if (t.startsWith("(") && t.endsWith(")")) t = t.slice(1, -1);
  if (/^[-−－+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?%?$/.test(t) && /\d/.test(t)) return null;
  return `「${text.trim()}」不是金额：金额单元格只能填写金额（如 1,503.52、-453.15），不适用填“——”，空白则清空后保存`;
}

// -- loading ---------------------------------------------------------------------------------------------

function queueQuery() {
  const params = new URLSearchParams();
  if ($("filter-doc").value) params.set("doc", $("filter-doc").value);
  if ($("filter-table").value !== "") params.set("table", $("filter-table").value);
  if ($("filter-reason").value) params.set("reason", $("filter-reason").value);
  return params.toString();
}

function filtered() { return !!($("filter-doc").value || $("filter-table").value !== "" || $("filter-reason").value); }

async function loadDocuments() {
  const data = await api("/api/documents");
  state.documents = data.documents;
  if (!$("reviewer").value) $("reviewer").value = localStorage.getItem("reviewer") || data.reviewer || "";
  const select = $("filter-doc");
  for (const d of data.documents) {
    const o = document.createElement("option");
    o.value = d.id;
    o.textContent = d.label;
    o.title = d.name;
    select.appendChild(o);
  }
  fillTables();
  renderErrors(data.errors);
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

function fillReasons(reasons, counts) {
  const select = $("filter-reason");
  const chosen = select.value;
  select.innerHTML = '<option value="">全部</option>';
  for (const [k, label] of Object.entries(reasons)) {
    const o = document.createElement("option");
    o.value = k;
    o.textContent = `${label}（${counts[k] || 0}）`;
    select.appendChild(o);
  }
  if (chosen && !(chosen in reasons)) {
    const o = document.createElement("option");
    o.value = chosen; o.textContent = "（已无此原因）";
    select.appendChild(o);
  }
  select.value = chosen;
}

function renderErrors(errors) {
  $("load-errors").hidden = !errors.length;
  const list = $("load-error-list");
  list.innerHTML = "";
  for (const e of errors) {
    const li = document.createElement("li");
    li.textContent = `${e.name}：${e.message}`;
    list.appendChild(li);
  }
}

async function loadQueue(keepId) {
  const data = await api("/api/queue?" + queueQuery());
  state.items = data.items;
  fillReasons(data.reasons, data.reason_counts);
  const p = data.progress;
  state.total = p.remaining;
  state.openChecks = p.open_checks;
  $("progress-text").textContent = `已处理 ${p.done} / ${p.flagged}（人工复核 ${p.reviewed}，待复核 ${p.remaining}）`;
  $("progress-bar").style.width = p.flagged ? `${(100 * p.done) / p.flagged}%` : "100%";
  $("queue-count").textContent = data.items.length;
  renderOrphans(data.orphaned);
  renderErrors(data.errors);
  if (keepId !== undefined) {
    const i = state.items.findIndex((it) => it.id === keepId);
    state.index = i >= 0 ? i : Math.min(state.index, Math.max(0, state.items.length - 1));
  } else {
    state.index = Math.min(state.index, Math.max(0, state.items.length - 1));
  }
  renderQueue();
  renderItem();
  loadReviewed();
}

async function loadReviewed() {
  const data = await api("/api/reviewed");
  state.reviewed = data.reviewed;
  $("reviewed-count").textContent = data.reviewed.length;
  renderReviewed();
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

// -- the lists -------------------------------------------------------------------------------------------

function showView(view) {
  state.view = view;
  $("queue").hidden = view !== "queue";
  $("reviewed").hidden = view !== "reviewed";
  $("tab-queue").setAttribute("aria-selected", String(view === "queue"));
  $("tab-reviewed").setAttribute("aria-selected", String(view === "reviewed"));
}

function renderQueue() {
  const nav = $("queue");
  nav.innerHTML = "";
  state.items.forEach((it, i) => {
    const div = document.createElement("div");
    div.className = "q" + (i === state.index ? " active" : "") + (it.reviewed ? " done" : "");
    div.dataset.key = it.id;
    div.innerHTML = '<div class="d"></div><div class="t"></div><div><span class="v"></span><span class="impact"></span></div><div class="t r"></div>';
    div.querySelector(".d").textContent = `${it.doc_label} · ${it.table_label}`;
    div.querySelector(".t").textContent = `${it.row_label} · ${it.column_label}`;
    div.querySelector(".v").textContent = it.text || "（空）";
    div.querySelector(".impact").textContent = it.impact ? `${it.impact} 条勾稽不符` : "";
    div.querySelector(".r").textContent = (it.reviewed ? (it.reviewed === "corrected" ? "已更正 · " : "已确认 · ") : "") + it.why.join("、");
    div.addEventListener("click", () => go(i));
    nav.appendChild(div);
  });
  const active = nav.querySelector(".q.active");
  if (active) active.scrollIntoView({ block: "nearest" });
}

function renderReviewed() {
  const box = $("reviewed");
  box.innerHTML = "";
  if (!state.reviewed.length) {
    box.innerHTML = '<div class="none">还没有人工复核的记录</div>';
    return;
  }
  for (const r of state.reviewed) {
    const div = document.createElement("div");
    div.className = "rv";
    div.dataset.type = r.type;
    div.dataset.id = r.id;
    const what = document.createElement("div");
    if (r.type === "correction") {
      what.textContent = r.action === "confirmed" ? `确认「${r.new_text}」` : `更正「${r.old_text}」→「${r.new_text}」`;
    } else {
      what.textContent = `标记为原件错误：${r.check ? r.check.description : r.location}`;
    }
    const where = document.createElement("div");
    where.className = "t";
    where.textContent = `${r.doc_label} · ${r.location}`;
    const who = document.createElement("div");
    who.className = "t";
    who.textContent = `${r.reviewer} · ${r.updated.replace("T", " ").slice(0, 19)}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "undo";
    button.textContent = "撤销";
    button.addEventListener("click", () => undo(r));
    div.append(what, where, who, button);
    box.appendChild(div);
  }
}

// -- the current cell ------------------------------------------------------------------------------------

function checkItem(c, withButton) {
  const li = document.createElement("li");
  li.className = "check " + (c.ok ? "ok" : (c.source_error ? "marked" : "fail"));
  li.dataset.check = c.key;
  li.dataset.cells = JSON.stringify(c.cells);
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = c.ok ? "平衡" : (c.source_error ? "原件错误" : "不符");
  const text = document.createElement("span");
  text.textContent = ` ${c.description}：应为 ${fmt(c.expected)}，实为 ${fmt(c.actual)}` +
    (c.ok ? "" : `（差 ${fmt((c.actual ?? 0) - (c.expected ?? 0))}）`);
  li.append(badge, text);
  if (withButton && !c.ok && !c.source_error) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "mark";
    b.textContent = "原件本身不平：标记为原件错误";
    b.title = "读数与原件一致、是原件自身的勾稽错误时使用（可在“已复核”中撤销）";
    b.addEventListener("click", () => markSourceError(c));
    li.appendChild(b);
  }
  return li;
}

function emptyMessage() {
  if (filtered()) {
    return state.total ? `当前筛选条件下没有待复核的单元格（全部还有 ${state.total} 个待复核）。` :
      "当前筛选条件下没有待复核的单元格。";
  }
  if (state.openChecks) {
    return `还有 ${state.openChecks} 条勾稽关系不符，但没有可定位的单元格：请核对原件。`;
  }
  return "队列已清空：所有需要复核的单元格都已处理，所有勾稽关系都已平衡或已标记为原件错误。";
}

function renderItem() {
  const it = current();
  $("empty").hidden = !!it;
  $("current").hidden = !it;
  const input = $("value");
  if (!it) {
    $("empty").textContent = emptyMessage();
    input.dataset.key = "";
    hideCrop();
    return;
  }
  $("where-doc").textContent = it.doc_label;
  $("where-doc").title = it.doc_name;
  $("where-table").textContent = it.table_label + (it.unit ? `（单位：${it.unit}）` : "");
  $("where-page").textContent = it.page;
  $("row-label").textContent = it.row_label || "（无）";
  $("column-label").textContent = it.column_label || "（无）";
  showCrop(it);
  input.value = it.text;
  input.dataset.key = it.id;
  $("machine").textContent = it.original !== null && it.original !== undefined && it.reviewed === "corrected"
    ? `识别读数：${it.original || "（空）"}` : `识别读数：${it.text || "（空）"}`;
  const st = $("state");
  st.hidden = !it.reviewed;
  st.textContent = it.reviewed ? `已人工${it.reviewed === "corrected" ? "更正" : "确认"}，但所在勾稽关系仍不符：请检查同一关系中的其他单元格，或把勾稽关系标记为原件错误。` : "";
  $("confidence").textContent = `读数可信度 ${pct(it.shown_confidence)}`;
  $("confidence-note").textContent = it.confidence_note ? `— ${it.confidence_note}` : "";
  const alts = $("alternatives");
  alts.innerHTML = "";
  it.alternatives.forEach((a, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${i + 1}. ${a.text}`;
    b.title = `候选（${a.source}，${pct(a.confidence)}）— Alt+${i + 1}`;
    b.addEventListener("click", () => { input.value = a.text; input.focus(); });
    alts.appendChild(b);
  });
  const why = $("why");
  why.innerHTML = "";
  for (const label of it.why) {
    const s = document.createElement("span");
    s.textContent = label;
    why.appendChild(s);
  }
  const checks = $("checks");
  checks.innerHTML = "";
  if (!it.checks.length) {
    const li = document.createElement("li");
    li.textContent = "（该单元格不在任何不符的勾稽关系中）";
    checks.appendChild(li);
  }
  for (const c of it.checks) checks.appendChild(checkItem(c, true));
  input.focus();
  input.select();
}

function hideCrop() {
  const img = $("crop");
  img.hidden = true;
  img.removeAttribute("src");
  img.dataset.cell = "";
  img.dataset.pending = "";
  if (state.cropUrl) { URL.revokeObjectURL(state.cropUrl); state.cropUrl = null; }
}

// The crop is fetched, checked against the cell it was rendered for (X-Cell), and shown only while that
// cell is still the one on screen: a late answer for a cell left behind is dropped, never displayed.
function showCrop(it) {
  hideCrop();
  const status = $("crop-status");
  status.hidden = false;
  status.className = "crop-status";
  if (!it.has_bbox) { status.textContent = "这个单元格没有位置信息，无法截图"; return; }
  status.textContent = "截图载入中…";
  const wanted = it.id;
  // a printed header cell is addressed by its place in the header grid
  const url = `/api/crop/${encodeURIComponent(it.doc)}/${it.table}/${it.row}/${it.col}.png` + (it.header ? "?part=header" : "");
  fetch(url, { credentials: "same-origin" }).then(async (r) => {
    const cell = r.headers.get("X-Cell");
    if (currentId() !== wanted || cell !== wanted) return;
    if (!r.ok) {
      let detail = r.statusText;
      try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
      if (currentId() !== wanted) return;
      status.textContent = detail;
      status.className = "crop-status missing";
      return;
    }
    const blob = await r.blob();
    if (currentId() !== wanted) return;
    const objectUrl = URL.createObjectURL(blob);
    const img = $("crop");
    img.onload = () => {
      if (currentId() !== wanted || img.dataset.pending !== objectUrl) return;
      img.dataset.cell = cell;
      img.hidden = false;
      status.hidden = true;
    };
    if (state.cropUrl) URL.revokeObjectURL(state.cropUrl);
    state.cropUrl = objectUrl;
    img.dataset.pending = objectUrl;
    img.src = objectUrl;
  }).catch((e) => {
    if (currentId() === wanted) { status.textContent = `截图载入失败：${e.message}`; status.className = "crop-status missing"; }
  });
}

function showResolved(result, text) {
  const box = $("resolved");
  box.innerHTML = "";
  const head = document.createElement("div");
  head.textContent = text;
  box.appendChild(head);
  const ul = document.createElement("ul");
  for (const c of result.turned_green || []) ul.appendChild(checkItem(c, false));
  for (const c of result.turned_red || []) ul.appendChild(checkItem(c, false));
  box.appendChild(ul);
  box.hidden = false;
}

function dirty() {
  const it = current();
  return !!it && $("value").value.trim() !== it.text.trim();
}

// -- actions ---------------------------------------------------------------------------------------------

async function submit(accept) {
  const it = current();
  if (!it || state.busy) return;
  const typed = $("value").value.trim();
  accept = accept || typed === it.text.trim();
  if (!accept && it.amount) {
    const problem = amountProblem(typed);
    if (problem) { $("message").textContent = problem; return; }
  }
  state.busy = true;
  $("message").textContent = "保存中…";
  try {
    const body = { doc: it.doc, table: it.table, row: it.row, col: it.col, header: it.header, accept, reviewer: reviewer() };
    if (!accept) body.text = typed;
    const result = await post("/api/correct", body);
    const what = accept ? `已确认「${it.text}」` : `已更正「${it.text}」→「${typed}」`;
    const green = result.turned_green.length ? `，${result.turned_green.length} 条勾稽关系恢复平衡` : "";
    showResolved(result, `${it.row_label} · ${it.column_label}：${what}${green}`);
    $("message").textContent = "";
    const next = state.items[state.index + 1];
    await loadQueue(next ? next.id : undefined);
  } catch (e) {
    $("message").textContent = `未保存：${e.message}`;
  } finally {
    state.busy = false;
  }
}

async function markSourceError(check) {
  const it = current();
  if (!it || state.busy) return;
  state.busy = true;
  try {
    await post("/api/source-error", { doc: it.doc, check: check.key, reviewer: reviewer() });
    showResolved({ turned_green: [] }, `已将“${check.description}”标记为原件错误（可在“已复核”中撤销）`);
    $("message").textContent = "";
    await loadQueue(it.id);
  } catch (e) {
    $("message").textContent = `未保存：${e.message}`;
  } finally {
    state.busy = false;
  }
}

async function undo(r) {
  if (state.busy) return;
  state.busy = true;
  try {
    const result = await post("/api/undo", { type: r.type, id: r.id, reviewer: reviewer() });
    const what = r.type === "correction" ? `已撤销：${r.location}` : `已撤销原件错误标记：${r.location}`;
    showResolved(result, what);
    $("message").textContent = "";
    await loadQueue(currentId() || undefined);
  } catch (e) {
    $("message").textContent = `撤销失败：${e.message}`;
  } finally {
    state.busy = false;
  }
}

function go(index) {
  if (index === state.index) return;
  if (dirty()) {
    $("message").textContent = `输入的「${$("value").value.trim()}」尚未保存：按 Enter 保存，或按 Esc 还原后再切换。`;
    $("value").focus();
    return;
  }
  state.index = index;
  $("message").textContent = "";
  renderQueue();
  renderItem();
}

function move(delta) {
  if (!state.items.length) return;
  go((state.index + delta + state.items.length) % state.items.length);
}

function onKey(event) {
  if (event.key === "F2") { event.preventDefault(); $("filter-doc").focus(); return; }
  const inToolbar = event.target.tagName === "SELECT" || event.target.id === "reviewer";
  if (inToolbar) {
    if (event.key === "Escape" || (event.key === "Enter" && event.target.id === "reviewer")) {
      event.preventDefault(); $("value").focus();
    }
    return;  // Tab walks the toolbar as usual
  }
  const it = current();
  if (event.key === "F4" && it) {
    event.preventDefault();
    const check = it.checks.find((c) => !c.ok && !c.source_error);
    if (check) markSourceError(check);
    return;
  }
  // the cell keys below act in the reading field (or with nothing focused); buttons keep their own keys
  if (event.target !== $("value") && event.target !== document.body) return;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(true); return; }
  if (event.key === "=" && !event.ctrlKey && !event.altKey) { event.preventDefault(); submit(true); return; }
  if (event.key === "Enter") { event.preventDefault(); submit(false); return; }
  if ((event.key === "Tab" && !event.shiftKey) || event.key === "ArrowDown") { event.preventDefault(); move(1); return; }
  if ((event.key === "Tab" && event.shiftKey) || event.key === "ArrowUp") { event.preventDefault(); move(-1); return; }
  if (event.key === "Escape" && it) {
    event.preventDefault(); $("value").value = it.text; $("value").select(); $("message").textContent = ""; return;
  }
  if (event.altKey && /^[1-9]$/.test(event.key) && it) {
    const alt = it.alternatives[Number(event.key) - 1];
    if (alt) { event.preventDefault(); $("value").value = alt.text; }
  }
}

document.addEventListener("keydown", onKey);
$("filter-doc").addEventListener("change", () => { fillTables(); state.index = 0; loadQueue(); });
$("filter-table").addEventListener("change", () => { state.index = 0; loadQueue(); });
$("filter-reason").addEventListener("change", () => { state.index = 0; loadQueue(); });
$("tab-queue").addEventListener("click", () => showView("queue"));
$("tab-reviewed").addEventListener("click", () => showView("reviewed"));

loadDocuments().then(() => loadQueue()).catch((e) => { $("message").textContent = `载入失败：${e.message}`; });
