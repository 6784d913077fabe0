// mulu 对码工作台. Plain JS, no build step. Every value from the store or a
// HIS file is untrusted: it reaches the page only through textContent (the
// el() helper), never parsed as markup. The token lives in sessionStorage and goes
// out only as an Authorization header (no cookie, so no CSRF surface).
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS_ZH = {
  suggested: "待审核", approved: "通过", rejected: "驳回", flagged: "存疑",
  replaced: "替换", no_counterpart: "无对应", undo: "撤销",
};
const TIER_ZH = { high: "高", medium: "中", low: "低", none: "无" };
const KIND_ZH = {
  drug: "西药中成药", herbal: "中药饮片", service: "医疗服务", consumable: "医用耗材",
  diagnosis: "诊断", operation: "手术操作",
};

const state = {
  page: 1, perPage: 50, total: 0, rows: [], cursor: -1, item: null, candidates: [],
  lastBatch: null, filterKey: "", lastDownload: null,
};

// Build an element; strings become text nodes, never markup.
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function say(text, kind) {
  const m = $("msg");
  m.textContent = text;
  m.className = kind || "info";
}

function token() { return sessionStorage.getItem("mulu-token") || ""; }

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // The shared admin token names the person on each decision.
  const by = sessionStorage.getItem("mulu-by");
  if (body !== undefined && by) body = Object.assign({ by }, body);
  const r = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
  });
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  return { status: r.status, ok: r.ok, data };
}
function errText(res) {
  return (res.data && res.data.error && res.data.error.message) || ("请求失败 HTTP " + res.status);
}

// ---- login ----
async function login(t) {
  if (t !== undefined) sessionStorage.setItem("mulu-token", t.trim());
  if (!token()) { $("who").textContent = "未登录（只读）"; return; }
  const r = await api("GET", "/v1/whoami");
  if (r.ok) {
    let name = r.data.name;
    if (r.data.shared_token) {
      const by = (sessionStorage.getItem("mulu-by") || window.prompt("共享管理员令牌：请输入您的姓名（记录在每个决定上）") || "").trim();
      if (by) sessionStorage.setItem("mulu-by", by);
      name = by || "未署名";
    } else {
      sessionStorage.removeItem("mulu-by");
    }
    $("who").textContent = name + "（" + r.data.role_zh + "）";
    $("who").className = "in";
  } else {
    sessionStorage.removeItem("mulu-token");
    $("who").textContent = "令牌无效（只读）";
    $("who").className = "bad";
  }
}

// ---- queue ----
function filterQuery() {
  const p = new URLSearchParams();
  const set = (k, v) => { if (v !== "" && v !== null && v !== undefined) p.set(k, v); };
  set("kind", $("f-kind").value);
  set("tier", $("f-tier").value);
  set("status", $("f-status").value);
  set("score_min", $("f-min").value);
  set("score_max", $("f-max").value);
  set("reviewer", $("f-reviewer").value.trim());
  set("q", $("f-q").value.trim());
  if ($("f-changed").checked) p.set("target_changed", "true");
  return p;
}
function filterBody() {
  const f = {};
  for (const [k, v] of filterQuery()) f[k] = k.startsWith("score") ? Number(v) : (k === "target_changed" ? true : v);
  return f;
}

async function loadQueue(keepCursor) {
  const p = filterQuery();
  const key = p.toString();
  if (key !== state.filterKey) { state.page = keepCursor ? state.page : 1; state.filterKey = key; }
  p.set("sort", $("f-sort").value);
  if ($("f-desc").checked) p.set("desc", "true");
  p.set("page", state.page);
  p.set("per_page", state.perPage);
  const r = await api("GET", "/v1/mappings?" + p.toString());
  if (!r.ok) { say(errText(r), "bad"); return; }
  state.total = r.data.total;
  state.rows = r.data.mappings;
  $("total").textContent = "共 " + state.total + " 条";
  const pages = Math.max(1, Math.ceil(state.total / state.perPage));
  $("page-info").textContent = "第 " + state.page + " / " + pages + " 页";
  renderRows();
  if (!keepCursor) state.cursor = -1;
  if (state.cursor >= state.rows.length) state.cursor = state.rows.length - 1;
  highlight();
}

function renderRows() {
  const body = $("rows");
  clear(body);
  state.rows.forEach((m, i) => {
    const tr = el("tr", { "data-id": m.id, class: "st-" + m.status, onclick: () => select(i) },
      el("td", {}, m.hospital_code),
      el("td", { class: "name" }, m.hospital_name),
      el("td", { class: "code" }, m.target_code || "—"),
      el("td", {}, m.target_name || ""),
      el("td", { class: "tier-" + (m.tier || "none") }, TIER_ZH[m.tier || "none"]),
      el("td", {}, m.score == null ? "" : m.score.toFixed(2)),
      el("td", { class: "status" }, STATUS_ZH[m.status] || m.status),
      el("td", {}, m.reviewer || ""));
    if (m.replacement) {
      tr.children[3].append(el("div", { class: "repl" }, "建议替换：" + m.replacement.code + " " + m.replacement.name));
    }
    body.append(tr);
  });
}
function highlight() {
  [...$("rows").children].forEach((tr, i) => tr.classList.toggle("cur", i === state.cursor));
  const cur = $("rows").children[state.cursor];
  if (cur) cur.scrollIntoView({ block: "nearest" });
}

async function select(i) {
  if (i < 0 || i >= state.rows.length) return;
  state.cursor = i;
  highlight();
  await loadItem(state.rows[i].id);
}

async function move(step) {
  const next = state.cursor + step;
  if (next >= state.rows.length && state.page * state.perPage < state.total) {
    state.page += 1; await loadQueue(true); return select(0);
  }
  if (next < 0 && state.page > 1) {
    state.page -= 1; await loadQueue(true); return select(state.rows.length - 1);
  }
  return select(Math.max(0, Math.min(state.rows.length - 1, next)));
}

// ---- item view ----
async function loadItem(id) {
  const r = await api("GET", "/v1/mappings/" + id + "/candidates");
  if (!r.ok) { say(errText(r), "bad"); return; }
  state.item = r.data.mapping;
  state.candidates = (r.data.result && r.data.result.candidates) || [];
  renderItem(r.data.result, r.data.version);
  loadHistory(id);
}

function renderItem(result, version) {
  const m = state.item;
  $("item-empty").hidden = true;
  $("item").hidden = false;
  $("item-title").textContent = m.hospital_code + "  " + m.hospital_name;
  const st = $("item-state");
  clear(st);
  st.append(
    el("span", { class: "badge st-" + m.status }, STATUS_ZH[m.status] || m.status),
    el("span", {}, " 目标 "), el("b", { class: "code" }, m.target_code || "—"), " ", m.target_name || "",
    el("span", {}, " · 置信度 " + TIER_ZH[m.tier || "none"] + (m.score == null ? "" : " (" + m.score.toFixed(2) + ")")),
    el("span", {}, " · 审核人 " + (m.reviewer || "—") + " · 修订号 " + m.revision),
    el("span", {}, " · " + (KIND_ZH[m.category] || m.category) + (version ? " 目录 " + version : "")));
  // Rows: the fields any candidate has evidence for (the matcher names them);
  // columns: the HIS item's value, then each candidate's, coloured by verdict.
  const fields = [];
  for (const c of state.candidates) for (const e of c.evidence) if (!fields.includes(e.field)) fields.push(e.field);
  if (!fields.includes("名称")) fields.unshift("名称");
  const t = $("compare");
  clear(t);
  const head = el("tr", {}, el("th", {}, "字段"), el("th", { class: "his" }, "院内项目"));
  state.candidates.forEach((c, i) => {
    const cur = c.code === m.target_code ? " （当前）" : "";
    head.append(el("th", { class: c.code === m.target_code ? "current" : "" },
      el("button", { type: "button", class: "pick", "data-n": i + 1, onclick: () => pick(i) }, String(i + 1)),
      " " + c.code + cur, el("div", { class: "small" }, TIER_ZH[c.tier] + " " + c.score.toFixed(2) + (c.active ? "" : " 已停用"))));
  });
  t.append(el("thead", {}, head));
  const tb = el("tbody");
  for (const f of fields) {
    let his = "";
    for (const c of state.candidates) {
      const ev = c.evidence.find((e) => e.field === f && e.hospital_value);
      if (ev) { his = ev.hospital_value; break; }
    }
    if (!his && f === "名称") his = m.hospital_name;
    const tr = el("tr", {}, el("th", {}, f), el("td", { class: "his" }, his));
    for (const c of state.candidates) {
      const ev = c.evidence.find((e) => e.field === f);
      const val = ev ? ev.catalogue_value : (f === "名称" ? c.name : "");
      tr.append(el("td", { class: ev ? "v-" + ev.verdict : "", title: ev ? verdictZh(ev.verdict) : "" }, val));
    }
    tb.append(tr);
  }
  t.append(tb);
  const ex = $("explain");
  clear(ex);
  if (result) ex.append(el("div", {}, "说明：" + result.reason));
  state.candidates.slice(0, 3).forEach((c, i) => ex.append(el("div", { class: "small" }, (i + 1) + ". " + explain(c))));
  if (!state.candidates.length) ex.append(el("div", {}, "没有候选：请搜索替换目标，或标为无对应。"));
}
function verdictZh(v) { return { agree: "一致", partial: "部分一致", disagree: "不一致", missing: "缺失" }[v] || v; }
function explain(c) {
  return c.evidence.filter((e) => e.verdict !== "missing").map((e) =>
    e.field + (e.verdict === "agree" ? "一致" : e.verdict === "partial" ? "部分一致" : "不一致（" + e.hospital_value + " / " + e.catalogue_value + "）")).join("，");
}

async function loadHistory(id) {
  const r = await api("GET", "/v1/mappings/" + id + "/history");
  const h = $("history");
  clear(h);
  if (!r.ok) return;
  for (const e of r.data.events.slice().reverse()) {
    h.append(el("li", { class: e.undone ? "undone" : "" },
      e.at.replace("T", " ").slice(0, 19) + " " + (e.who || "匹配") + " " + (STATUS_ZH[e.action] || e.action) +
      (e.old_target !== e.new_target ? "：" + (e.old_target || "—") + " → " + (e.new_target || "—") : "") +
      (e.note ? " （" + e.note + "）" : "") + (e.batch ? " [批量]" : "") + (e.undone ? " 已撤销" : "")));
  }
}

// ---- decisions ----
function confirmBox(text) {
  return new Promise((resolve) => {
    $("modal-text").textContent = text;
    $("modal").hidden = false;
    $("modal-ok").focus();
    const done = (v) => { $("modal").hidden = true; $("modal-ok").onclick = null; $("modal-cancel").onclick = null; resolve(v); };
    $("modal-ok").onclick = () => done(true);
    $("modal-cancel").onclick = () => done(false);
  });
}

async function decide(action, code) {
  const m = state.item;
  if (!m) return;
  if (!token()) { say("请先输入审核令牌并登录", "bad"); return; }
  const note = $("note").value.trim() || undefined;
  if ($("same-name").checked) return sameName(action, code, note);
  let body = { revision: m.revision, note, code };
  let r = await api("POST", "/v1/mappings/" + m.id + "/" + action, body);
  if (r.status === 422 && r.data && r.data.error.code === "needs_confirmation") {
    if (!(await confirmBox(errText(r) .replace(/；确认请.*$/, "") + "。确定通过？"))) return;
    body.confirm = true;
    r = await api("POST", "/v1/mappings/" + m.id + "/" + action, body);
  }
  if (r.status === 409) {
    const c = r.data.current;
    say("冲突：" + (c ? c.hospital_name + " 已被 " + (c.reviewer || "他人") + " 改为「" + (STATUS_ZH[c.status] || c.status) + "」" + (c.target_code ? " " + c.target_code : "") + "，未覆盖，请核对后重新审核" : errText(r)), "bad");
    await loadQueue(true);
    return loadItem(m.id);
  }
  if (!r.ok) { say(errText(r), "bad"); return; }
  $("note").value = "";
  say((STATUS_ZH[r.data.mapping.status] || "") + "：" + r.data.mapping.hospital_name + (r.data.mapping.target_code ? " → " + r.data.mapping.target_code : ""), "ok");
  await loadQueue(true);
  if (action === "undo") return loadItem(m.id);
  return move(1);
}

async function sameName(action, code, note) {
  const name = state.item.hospital_name;
  const filter = { name };
  const count = await api("GET", "/v1/mappings?per_page=1&name=" + encodeURIComponent(name));
  if (!count.ok) { say(errText(count), "bad"); return; }
  if (!(await confirmBox("将对院内名称为「" + name + "」的 " + count.data.total + " 条执行「" + (STATUS_ZH[actionStatus(action)] || action) + "」，确定？"))) return;
  await runBulk(action, filter, count.data.total, code, note);
  $("same-name").checked = false;
}
function actionStatus(a) { return { approve: "approved", reject: "rejected", flag: "flagged", replace: "replaced", no_counterpart: "no_counterpart" }[a]; }

async function runBulk(action, filter, total, code, note, confirmWeak) {
  const r = await api("POST", "/v1/mappings/bulk", { action, code, note, filter, expected_total: total, confirm: !!confirmWeak });
  if (!r.ok) { say(errText(r), "bad"); await loadQueue(true); return; }
  const rep = r.data;
  state.lastBatch = rep.changed > 0 ? rep.batch : state.lastBatch;
  $("bulk-undo").disabled = !state.lastBatch;
  let text = "批量" + (STATUS_ZH[actionStatus(action)] || action) + "：筛选 " + rep.matched + " 条，已改 " + rep.changed + " 条，无需改动 " + rep.unchanged + " 条";
  if (rep.skipped.length) {
    const why = {};
    for (const s of rep.skipped) why[s.code] = (why[s.code] || 0) + 1;
    text += "，未改 " + rep.skipped.length + " 条（" + Object.entries(why).map(([k, n]) => reasonZh(k) + " " + n).join("，") + "）：" + rep.skipped.slice(0, 3).map((s) => s.hospital_name + "：" + s.reason).join("；");
  }
  say(text, rep.skipped.length ? "warn" : "ok");
  await loadQueue(false);
}
function reasonZh(c) { return { needs_confirmation: "低置信度需确认", conflict: "已被他人修改", bad_request: "不符合规则", not_found: "找不到" }[c] || c; }

async function bulk(action) {
  if (!token()) { say("请先输入审核令牌并登录", "bad"); return; }
  await loadQueue(true);
  if (!state.total) { say("筛选结果为空", "warn"); return; }
  const weak = ["low", "none"].includes($("f-tier").value) || $("f-tier").value === "";
  let text = "将对当前筛选的 " + state.total + " 条执行「" + STATUS_ZH[actionStatus(action)] + "」，确定？";
  if (action === "approve" && weak) text += "（低、无置信度的项目不会通过，除非再次确认）";
  if (!(await confirmBox(text))) return;
  let confirmWeak = false;
  if (action === "approve" && ["low", "none"].includes($("f-tier").value)) {
    confirmWeak = await confirmBox("这些建议置信度为「" + TIER_ZH[$("f-tier").value] + "」，确定全部通过？");
  }
  await runBulk(action, filterBody(), state.total, undefined, undefined, confirmWeak);
}

async function bulkUndo() {
  if (!state.lastBatch) return;
  if (!(await confirmBox("撤销上次批量操作？"))) return;
  const r = await api("POST", "/v1/mappings/bulk/undo", { batch: state.lastBatch });
  if (!r.ok) { say(errText(r), "bad"); return; }
  say("已撤销批量：恢复 " + r.data.restored + " 条" + (r.data.changed_since.length ? "，" + r.data.changed_since.length + " 条之后已被改动，保留不动" : ""), "ok");
  state.lastBatch = null;
  $("bulk-undo").disabled = true;
  await loadQueue(true);
}

async function pick(i) {
  const c = state.candidates[i];
  if (!c || !state.item) return;
  if (c.code === state.item.target_code) return decide("approve");
  return decide("replace", c.code);
}

// ---- search ----
async function search() {
  const q = $("search").value.trim();
  if (!q || !state.item) return;
  const r = await api("GET", "/v1/search?top=9&kind=" + encodeURIComponent(state.item.category) + "&q=" + encodeURIComponent(q));
  const ol = $("search-results");
  clear(ol);
  if (!r.ok) { say(errText(r), "bad"); return; }
  const cands = (r.data.results[0] && r.data.results[0].result.candidates) || [];
  if (!cands.length) ol.append(el("li", {}, "没有结果"));
  for (const c of cands) {
    ol.append(el("li", {},
      el("button", { type: "button", class: "use", onclick: () => decide("replace", c.code) }, "替换为此"),
      " ", el("span", { class: "code" }, c.code), " " + c.name + (c.spec ? " " + c.spec : "") + (c.manufacturer ? " " + c.manufacturer : "")));
  }
}

// ---- dashboard ----
async function loadDash() {
  const r = await api("GET", "/v1/mappings/stats");
  if (!r.ok) { say(errText(r), "bad"); return; }
  const s = r.data;
  const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : "0.0") + "%";
  $("progress").textContent = "共 " + s.total + " 条，已审核 " + s.reviewed + "（" + pct(s.reviewed, s.total) + "），已确认 " + s.confirmed + "（" + pct(s.confirmed, s.total) + "）";
  const w = $("weighted");
  w.textContent = s.weighted ? "按「" + s.weighted.column + "」加权：已确认覆盖 " + pct(s.weighted.confirmed, s.weighted.total) + "，已审核覆盖 " + pct(s.weighted.reviewed, s.weighted.total) : "院内字典没有使用频次或金额列，未计算加权覆盖率。";
  // Chart: one stacked bar per kind × tier, coloured by status.
  const groups = {};
  for (const c of s.cells) {
    const k = (KIND_ZH[c.kind] || c.kind) + "·" + TIER_ZH[c.tier];
    (groups[k] = groups[k] || {})[c.status] = (groups[k][c.status] || 0) + c.count;
  }
  const order = ["approved", "replaced", "no_counterpart", "rejected", "flagged", "suggested"];
  const colours = { approved: "#2e7d32", replaced: "#66bb6a", no_counterpart: "#90a4ae", rejected: "#c62828", flagged: "#f9a825", suggested: "#cfd8dc" };
  const names = Object.keys(groups);
  const max = Math.max(1, ...names.map((n) => Object.values(groups[n]).reduce((a, b) => a + b, 0)));
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  const rowH = 22, left = 150, width = 700;
  svg.setAttribute("width", left + width + 20);
  svg.setAttribute("height", names.length * rowH + 40);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "按类别和置信度的审核进度");
  names.forEach((n, i) => {
    const y = 10 + i * rowH;
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", 0); label.setAttribute("y", y + 14); label.textContent = n;
    svg.append(label);
    let x = left;
    for (const st of order) {
      const v = groups[n][st] || 0;
      if (!v) continue;
      const rect = document.createElementNS(NS, "rect");
      const wpx = (v / max) * width;
      rect.setAttribute("x", x); rect.setAttribute("y", y); rect.setAttribute("width", wpx); rect.setAttribute("height", rowH - 6);
      rect.setAttribute("fill", colours[st]);
      const t = document.createElementNS(NS, "title"); t.textContent = STATUS_ZH[st] + " " + v; rect.append(t);
      svg.append(rect);
      x += wpx;
    }
  });
  let lx = left;
  for (const st of order) {
    const y = names.length * rowH + 22;
    const rect = document.createElementNS(NS, "rect");
    rect.setAttribute("x", lx); rect.setAttribute("y", y); rect.setAttribute("width", 12); rect.setAttribute("height", 12); rect.setAttribute("fill", colours[st]);
    const t = document.createElementNS(NS, "text"); t.setAttribute("x", lx + 16); t.setAttribute("y", y + 11); t.textContent = STATUS_ZH[st];
    svg.append(rect, t);
    lx += 90;
  }
  const chart = $("chart"); clear(chart); chart.append(svg);
  const cells = $("cells"); clear(cells);
  cells.append(el("tr", {}, el("th", {}, "类别"), el("th", {}, "置信度"), el("th", {}, "状态"), el("th", {}, "条数")));
  for (const c of s.cells) cells.append(el("tr", {}, el("td", {}, KIND_ZH[c.kind] || c.kind), el("td", {}, TIER_ZH[c.tier]), el("td", {}, STATUS_ZH[c.status]), el("td", {}, c.count)));
}

// ---- HIS upload ----
function kindsText(m) { return Object.entries(m || {}).map(([k, n]) => (KIND_ZH[k] || TIER_ZH[k] || k) + " " + n).join(" · "); }

async function uploadHis() {
  const f = $("his-file").files[0];
  if (!f) { say("请选择 HIS 字典文件", "bad"); return; }
  if (!token()) { say("请先输入审核令牌并登录", "bad"); return; }
  const format = (f.name.split(".").pop() || "").toLowerCase();
  const p = new URLSearchParams({ format });
  if ($("his-kind").value) p.set("kind", $("his-kind").value);
  clear($("his-summary")); clear($("his-rejects"));
  $("his-upload").disabled = true;
  $("his-phase").textContent = "上传中…";
  let r;
  try {
    const res = await fetch("/v1/his?" + p.toString(), {
      method: "POST", credentials: "omit", body: f,
      headers: { Accept: "application/json", Authorization: "Bearer " + token(), "Content-Type": "application/octet-stream" },
    });
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    r = { status: res.status, ok: res.ok, data };
  } catch (e) {
    r = { status: 0, ok: false, data: null };
  }
  if (!r.ok) { $("his-upload").disabled = false; $("his-phase").textContent = ""; say(errText(r), "bad"); return; }
  pollJob(r.data.job.id);
}

async function pollJob(id) {
  const r = await api("GET", "/v1/jobs/" + id);
  if (!r.ok) { $("his-upload").disabled = false; say(errText(r), "bad"); return; }
  const j = r.data.job;
  const bar = $("his-progress");
  if (j.status === "queued" || j.status === "running") {
    const pr = j.progress;
    bar.hidden = false;
    if (pr && pr.total) { bar.max = pr.total; bar.value = pr.done; } else { bar.removeAttribute("value"); }
    $("his-phase").textContent = j.status === "queued" ? "排队中…" : (pr ? pr.phase_zh + (pr.total ? " " + pr.done + " / " + pr.total : "") : "处理中…");
    setTimeout(() => pollJob(id), 300);
    return;
  }
  $("his-upload").disabled = false;
  if (j.status !== "matched") {
    bar.hidden = true;
    $("his-phase").textContent = "失败";
    say("导入HIS字典失败：" + ((j.error && j.error.message) || j.status), "bad");
    return;
  }
  const s = j.summary;
  bar.hidden = false; bar.max = 1; bar.value = 1;
  $("his-phase").textContent = "完成";
  $("his-summary").textContent = "读到 " + s.read + " 行：匹配 " + s.matched + " 条，拒绝 " + s.rejected + " 行；写入建议 " +
    s.recorded + " 条，已审核保留 " + s.kept_reviewed + " 条。置信度：" + kindsText(s.tiers) + "。类别：" + kindsText(s.kinds) + "。";
  for (const x of j.first_rejects || []) $("his-rejects").append(el("li", {}, x));
  say("HIS 字典已匹配：" + s.matched + " 条建议进入审核队列", s.rejected ? "warn" : "ok");
  await loadQueue(false);
}

// ---- downloads ----
async function download(what, format) {
  const only = what === "3301" && $("export-new").checked;
  const p = new URLSearchParams({ format });
  if (only) p.set("new", "true");
  const res = await fetch("/v1/export/" + what + "?" + p.toString(), { credentials: "omit" });
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    say(errText({ status: res.status, data }), "bad");
    return;
  }
  const blob = await res.blob();
  const name = what + (only ? "-new" : "") + (format === "xlsx" ? ".xlsx" : ".json");
  const rows = Number(res.headers.get("x-mulu-rows") || 0);
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
  state.lastDownload = { what, check: res.headers.get("x-mulu-check"), new: only, file: name, rows };
  $("export-record").disabled = !token();
  $("export-info").textContent = "已下载 " + name + "：" + rows + " 行（" + (what === "3301" ? "目录对照上传" : "目录对照撤销") +
    "）。上传到医保平台后请点「记为已上传」。";
}

async function recordUpload() {
  const d = state.lastDownload;
  if (!d) return;
  if (!token()) { say("请先输入审核令牌并登录", "bad"); return; }
  if (!(await confirmBox("将 " + d.file + "（" + d.rows + " 行）记为已上传到医保平台的下一个批次，确定？"))) return;
  const r = await api("POST", "/v1/export/" + d.what + "/record", { check: d.check, new: d.new, file: d.file });
  if (!r.ok) { say(errText(r), "bad"); return; }
  state.lastDownload = null;
  $("export-record").disabled = true;
  $("export-info").textContent = "已记为第 " + r.data.batch.id + " 批（" + r.data.batch.kind + "，" + r.data.batch.rows + " 行）";
  say("已记为第 " + r.data.batch.id + " 批", "ok");
}

// ---- wiring ----
function tab(which) {
  for (const v of ["queue", "his", "dash"]) {
    $(v + "-view").hidden = which !== v;
    $("tab-" + v).classList.toggle("active", which === v);
  }
  if (which === "dash") loadDash();
}

document.addEventListener("keydown", (e) => {
  if (!$("modal").hidden) {
    if (e.key === "Escape") $("modal-cancel").click();
    if (e.key === "Enter") { e.preventDefault(); $("modal-ok").click(); }
    return;
  }
  const t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) {
    if (e.key === "Escape") t.blur();
    if (e.key === "Enter" && t.id === "search") { e.preventDefault(); search(); }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey || $("queue-view").hidden) return;
  const k = e.key;
  if (k === "j") move(1);
  else if (k === "k") move(-1);
  else if (k === "a") decide("approve");
  else if (k === "r") decide("reject");
  else if (k === "f") decide("flag");
  else if (k === "u") decide("undo");
  else if (k === "/") { e.preventDefault(); $("search").focus(); }
  else if (/^[1-9]$/.test(k)) pick(Number(k) - 1);
  else return;
  e.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  $("login-btn").onclick = () => login($("token").value).then(() => { $("token").value = ""; });
  $("token").addEventListener("keydown", (e) => { if (e.key === "Enter") $("login-btn").click(); });
  $("filters").addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; loadQueue(false); });
  for (const id of ["f-kind", "f-tier", "f-status", "f-changed", "f-sort", "f-desc"]) $(id).addEventListener("change", () => { state.page = 1; loadQueue(false); });
  $("prev-page").onclick = () => { if (state.page > 1) { state.page -= 1; loadQueue(false); } };
  $("next-page").onclick = () => { if (state.page * state.perPage < state.total) { state.page += 1; loadQueue(false); } };
  $("bulk-approve").onclick = () => bulk("approve");
  $("bulk-reject").onclick = () => bulk("reject");
  $("bulk-flag").onclick = () => bulk("flag");
  $("bulk-undo").onclick = bulkUndo;
  $("act-approve").onclick = () => decide("approve");
  $("act-reject").onclick = () => decide("reject");
  $("act-flag").onclick = () => decide("flag");
  $("act-none").onclick = () => decide("no_counterpart");
  $("act-undo").onclick = () => decide("undo");
  $("search-btn").onclick = search;
  $("tab-queue").onclick = () => tab("queue");
  $("tab-dash").onclick = () => tab("dash");
  $("tab-his").onclick = () => tab("his");
  $("his-form").addEventListener("submit", (e) => { e.preventDefault(); uploadHis(); });
  $("export-3301").onclick = () => download("3301", "batches");
  $("export-3301-xlsx").onclick = () => download("3301", "xlsx");
  $("export-3302").onclick = () => download("3302", "batches");
  $("export-3302-xlsx").onclick = () => download("3302", "xlsx");
  $("export-record").onclick = recordUpload;
  login().then(() => loadQueue(false));
});
