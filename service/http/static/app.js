// Briefly's page: plain JavaScript, no build step, no external requests. Everything the server
// sends is inserted with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const LABELS = { headline: "Headline", tldr: "TL;DR", key_points: "Key points", paragraph: "Paragraph", brief: "Brief" };
const MODE_HELP = {
  extractive: "Extractive: sentences taken from the article, ranked and trimmed. Fast, and nothing is invented.",
  auto: "Auto: the model condenses the best article sentences (it may only delete clauses), every sentence is checked against exactly its sources, and any that fails is replaced by an article sentence.",
  abstractive: "Abstractive: the model writes and every sentence is checked; weakly supported sentences are flagged, not replaced.",
};
const ERROR_WORDS = {
  overloaded: "The server is busy with other briefings.",
  not_ready: "The model is still loading (or failed to load). Try again in a moment.",
  unauthorized: "This server needs an API key. Open “API key” above the Brief button and paste yours.",
  payload_too_large: "That is more text than this server accepts.",
  invalid_input: "Something in the request cannot be used.",
  malformed_request: "The request could not be read.",
  unsupported_media_type: "The request was sent in a form the server does not read.",
  generation_timeout: "The model ran out of time before it produced anything usable. Try extractive mode or fewer lengths.",
  internal_error: "Something went wrong on the server; its log has the details.",
  not_found: "The page or endpoint was not found.",
  conflict: "That cannot be done in the batch's present state.",
  queue_unavailable: "The batch queue cannot be reached right now. Try again shortly.",
};

const state = { shapes: {}, controller: null, sentences: [] };

// ------------------------------------------------------------------ talking to the API
function headers(extra) {
  const h = Object.assign({}, extra);
  const key = sessionStorage.getItem("briefly-key");
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

class ApiError extends Error {
  constructor(code, message, retryAfter) { super(message); this.code = code; this.retryAfter = retryAfter; }
}

async function failure(response) {
  let code = "internal_error", message = response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) { code = body.error.code; message = body.error.message; }
  } catch (e) { /* not JSON: keep the status text */ }
  return new ApiError(code, message, response.headers.get("Retry-After"));
}

async function getJSON(path) {
  const response = await fetch(path, { headers: headers({ Accept: "application/json" }) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

function describeError(err) {
  if (err instanceof ApiError) {
    let words = ERROR_WORDS[err.code] || "The server refused the request.";
    if (err.code === "overloaded" && err.retryAfter) words += ` Try again in about ${err.retryAfter} seconds.`;
    const detail = err.code === "internal_error" ? "" : err.message.replace(/\.$/, "");
    return detail ? `${words} ${detail.charAt(0).toUpperCase()}${detail.slice(1)}.` : words;
  }
  if (err.name === "AbortError") return "Stopped.";
  return "Could not reach the server. Check that Briefly is running and try again.";
}

function showError(box, err) {
  box.textContent = describeError(err);
  box.hidden = false;
}

// Server-sent events over fetch (EventSource cannot POST): yields {event, data}.
async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

// ------------------------------------------------------------------ the form
async function loadChoices() {
  try {
    const [lengths, modes, styles] = await Promise.all([getJSON("/v1/lengths"), getJSON("/v1/modes"), getJSON("/v1/styles")]);
    const box = $("lengths");
    for (const spec of lengths.lengths) {
      state.shapes[spec.name] = spec.shape;
      const label = document.createElement("label");
      const input = Object.assign(document.createElement("input"), { type: "checkbox", name: "lengths", value: spec.name, checked: true });
      label.append(input, LABELS[spec.name] || spec.name);
      label.title = spec.contract;
      box.append(label);
    }
    for (const mode of modes.modes) {
      $("mode").append(new Option(mode + (mode === modes.default ? " (default)" : ""), mode, false, mode === modes.default));
    }
    for (const style of styles.styles) $("style").append(new Option(style.name, style.name));
    state.styles = Object.fromEntries(styles.styles.map((s) => [s.name, s.description]));
    showModeHelp(); showStyleHelp();
  } catch (err) {
    showError($("error"), err);
  }
}

function showModeHelp() { $("mode-help").textContent = MODE_HELP[$("mode").value] || ""; }
function showStyleHelp() { $("style-help").textContent = (state.styles || {})[$("style").value] || ""; }

function looksLikeHtml(text) {
  return /^\s*</.test(text) && /<\/?(html|head|body|article|main|p|div|h1)\b/i.test(text);
}

function readFile(file) {
  if (!file) return;
  if (!/\.(txt|html?)$/i.test(file.name) && !/^text\/(plain|html)/.test(file.type)) {
    showError($("error"), new ApiError("unsupported_media_type", `${file.name} is not a .txt or .html file`));
    return;
  }
  file.text().then((text) => {
    $("article").value = text;
    $("file-name").textContent = `Loaded ${file.name} (${text.length.toLocaleString()} characters)`;
  });
}

function requestBody() {
  const text = $("article").value;
  const body = looksLikeHtml(text) ? { html: text } : { article: text };
  const title = $("title").value.trim();
  if (title) body.title = title;
  body.lengths = [...document.querySelectorAll("#lengths input:checked")].map((i) => i.value);
  body.format = $("format").value;
  body.mode = $("mode").value;
  return body;
}

async function brief(event) {
  event.preventDefault();
  const body = requestBody();
  $("error").hidden = true;
  if (!body.lengths.length) { showError($("error"), new ApiError("invalid_input", "choose at least one length")); return; }
  if (!(body.article || body.html || "").trim()) { showError($("error"), new ApiError("invalid_input", "paste or drop an article first")); return; }
  state.controller = new AbortController();
  busy(true, body.html ? "Extracting the article from the page…" : "Reading the article…");
  $("cards").textContent = ""; $("meta").textContent = ""; $("source").textContent = "";
  try {
    const response = await fetch("/v1/briefings", {
      method: "POST", signal: state.controller.signal,
      headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }), body: JSON.stringify(body),
    });
    if (!response.ok) throw await failure(response);
    let finished = false;
    for await (const { event, data } of readEvents(response)) {
      if (event === "analysed") onAnalysed(data);
      else if (event === "token") onToken(data);
      else if (event === "briefing") renderCard(data.length, data.briefing);
      else if (event === "done") { onDone(data); finished = true; }
      else if (event === "error") throw new ApiError(data.error.code, data.error.message);
    }
    if (!finished) throw new Error("the connection closed before the briefing was finished");
  } catch (err) {
    showError($("error"), err);
    $("status").textContent = "";
  } finally {
    busy(false);
  }
}

function busy(on, message) {
  $("brief-button").disabled = on;
  $("stop-button").hidden = !on;
  if (message) $("status").textContent = message;
}

// ------------------------------------------------------------------ rendering
function onAnalysed(data) {
  state.sentences = data.article_sentences;
  const list = $("source");
  data.article_sentences.forEach((text, i) => {
    const li = document.createElement("li");
    li.id = "src-" + i; li.textContent = text;
    list.append(li);
  });
  for (const name of data.lengths) $("cards").append(pendingCard(name));
  $("briefings").scrollIntoView({ block: "start" });  // the cards fill in here, the sources beside them
  const generating = data.mode !== "extractive";
  let words = `${data.article_sentences.length} sentences read.`;
  if (data.input.condensed) words += " The article is longer than the model reads at once: it was condensed to its lead and most central sentences.";
  $("status").textContent = words + (generating ? " The model is writing…" : " Picking sentences…");
}

function pendingCard(name) {
  const card = document.createElement("article");
  card.className = "card pending"; card.id = "card-" + name;
  card.setAttribute("aria-busy", "true");
  const head = document.createElement("div"); head.className = "card-head";
  const h = document.createElement("h3"); h.textContent = LABELS[name] || name;
  head.append(h);
  const bodyDiv = document.createElement("div"); bodyDiv.className = "card-body"; bodyDiv.textContent = "waiting…";
  card.append(head, bodyDiv);
  return card;
}

function onToken(data) {
  const card = $("card-" + data.length);
  if (!card || !card.classList.contains("pending")) return;
  const bodyDiv = card.querySelector(".card-body");
  if (!card.dataset.streaming) { bodyDiv.textContent = ""; card.dataset.streaming = "1"; }
  bodyDiv.textContent += data.text;  // unverified draft, shown greyed until the checked briefing replaces it
}

function sentenceSpan(sentence) {
  const span = document.createElement("span");
  span.className = "sentence " + sentence.origin + (sentence.flagged ? " flagged" : "");
  span.tabIndex = 0;
  span.textContent = sentence.text;
  span.dataset.cites = sentence.cites.join(",");
  const sources = sentence.cites.length ? "article sentence " + sentence.cites.map((c) => c + 1).join(", ") : "no single source";
  const what = sentence.origin === "generated" ? `generated, support ${sentence.support.toFixed(2)}` : sentence.origin;
  span.title = `${what}; from ${sources}` + (sentence.flagged ? "; weakly supported" : "");
  span.setAttribute("aria-label", `${sentence.text} (${span.title})`);
  span.addEventListener("mouseenter", () => highlight(span, true));
  span.addEventListener("mouseleave", () => highlight(span, false));
  span.addEventListener("focus", () => highlight(span, true));
  span.addEventListener("blur", () => highlight(span, false));
  return span;
}

function highlight(span, on) {
  span.classList.toggle("active", on);
  const cites = span.dataset.cites ? span.dataset.cites.split(",") : [];
  cites.forEach((i, n) => {
    const li = $("src-" + i);
    if (!li) return;
    li.classList.toggle("cited", on);
    if (on && n === 0) {  // scroll the source list (not the page) to the first source
      const list = $("source");
      if (li.offsetTop < list.scrollTop || li.offsetTop > list.scrollTop + list.clientHeight - 40) list.scrollTop = li.offsetTop - 20;
    }
  });
}

function renderCard(name, briefing) {
  // The pending card (made when the stream said which lengths are coming) becomes the briefing.
  const card = $("card-" + name) || $("cards").appendChild(pendingCard(name));
  card.className = "card"; card.removeAttribute("aria-busy"); delete card.dataset.streaming;
  const copy = Object.assign(document.createElement("button"), { type: "button", className: "copy", textContent: "Copy" });
  copy.setAttribute("aria-label", "Copy the " + (LABELS[name] || name));
  copy.addEventListener("click", () => copyText(briefing.text, copy));
  card.querySelector(".card-head").append(copy);
  const bodyDiv = card.querySelector(".card-body");
  bodyDiv.textContent = "";  // the unverified draft goes; the checked sentences come in
  if (state.shapes[name] === "bullets") {
    const ul = document.createElement("ul"); ul.className = "points";
    for (const s of briefing.sentences) { const li = document.createElement("li"); li.append(sentenceSpan(s)); ul.append(li); }
    bodyDiv.append(ul);
  } else {
    briefing.sentences.forEach((s, i) => { if (i) bodyDiv.append(" "); bodyDiv.append(sentenceSpan(s)); });
  }
  const flags = document.createElement("p"); flags.className = "flags";
  const counts = {};
  for (const s of briefing.sentences) counts[s.origin] = (counts[s.origin] || 0) + 1;
  flags.textContent = `${briefing.words} words · ` + Object.entries(counts).map(([o, n]) => `${n} ${o}`).join(", ");
  if (!briefing.within_contract) {
    const warn = document.createElement("span"); warn.className = "warn";
    warn.textContent = " · outside its length contract: " + briefing.violations.join("; ");
    flags.append(warn);
  }
  card.append(flags);
  if (briefing.rejected.length) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = `${briefing.rejected.length} generated sentence(s) rejected by the checks`;
    const ul = document.createElement("ul");
    for (const r of briefing.rejected) { const li = document.createElement("li"); li.textContent = `“${r.text}” — ${r.reasons.join("; ")}`; ul.append(li); }
    details.append(summary, ul);
    card.append(details);
  }
}

function onDone(result) {
  const t = result.timings || {};
  const parts = [`${result.model.id}`, `mode ${result.mode}`, `${(t.total_s || 0).toFixed(2)} s`];
  if (t.prefill_s) parts.push(`prefill ${t.prefill_s.toFixed(2)} s`);
  if (t.condense_s) parts.push(`condensing ${t.condense_s.toFixed(2)} s`);
  if (t.new_tokens) parts.push(`${t.new_tokens} tokens generated`);
  if (result.input.condensed) parts.push("condensed: the article was too long to read whole");
  if (result.cut_short) parts.push("cut short: the time budget ran out, gaps filled from the article");
  if (result.input.extracted) parts.push(`extracted ${result.input.extracted.characters.toLocaleString()} characters from the page` +
    (result.input.extracted.title ? `, title “${result.input.extracted.title}”` : ""));
  $("meta").textContent = parts.join(" · ");
  $("status").textContent = "Done.";
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {  // no clipboard API (plain http, old browser): select-and-copy fallback
    const area = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(area); area.select(); document.execCommand("copy"); area.remove();
  }
  const before = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = before; }, 1500);
}

// ------------------------------------------------------------------ checking a summary
function showSources(sentences) {
  const list = $("source");
  list.textContent = "";
  sentences.forEach((text, i) => {
    const li = document.createElement("li");
    li.id = "src-" + i; li.textContent = text;
    list.append(li);
  });
}

async function checkSummary(event) {
  event.preventDefault();
  $("check-error").hidden = true;
  const article = $("article").value.trim();
  if (!article) { showError($("check-error"), new ApiError("invalid_input", "paste the article above first")); return; }
  $("check-button").disabled = true;
  $("check-status").textContent = "Checking each sentence against the article…";
  try {
    const body = Object.assign({ summary: $("check-text").value }, looksLikeHtml(article) ? { html: article } : { article });
    const response = await fetch("/v1/check", {
      method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(body),
    });
    if (!response.ok) throw await failure(response);
    const result = await response.json();
    showSources(result.article_sentences);
    const out = $("check-output");
    out.textContent = "";
    for (const s of result.sentences) {
      const li = document.createElement("li");
      const span = sentenceSpan({ text: s.text, origin: s.supported ? "supported" : "unsupported", cites: s.cites, support: s.support });
      const sure = Math.round(100 * s.confidence);
      span.title = (s.supported ? "supported" : "unsupported") + ` (${sure}% sure); would-be sources: article sentence ${s.cites.map((c) => c + 1).join(", ")}`;
      li.append(span);
      const verdict = Object.assign(document.createElement("span"), {
        className: "check-confidence", textContent: ` ${s.supported ? "supported" : "refused"}, ${sure}% sure`,
      });
      li.append(verdict);
      if (!s.supported) {
        const why = Object.assign(document.createElement("p"), { className: "check-reasons", textContent: s.reasons.join("; ") });
        li.append(why);
      }
      if (s.spans.length) {
        // Each clause beside the stretch of the article it was aligned to: what the checks read it against.
        const spans = Object.assign(document.createElement("ul"), { className: "check-spans" });
        for (const aligned of s.spans) {
          const item = document.createElement("li");
          item.textContent = `“${aligned.clause}” ← sentence ${aligned.source + 1}: “${aligned.text}”`;
          spans.append(item);
        }
        li.append(spans);
      }
      out.append(li);
    }
    const bad = result.sentences.filter((s) => !s.supported).length;
    $("check-status").textContent = bad ? `${bad} of ${result.sentences.length} sentence(s) unsupported.` : "Every sentence is supported.";
    $("check-result").hidden = false;
  } catch (err) {
    showError($("check-error"), err);
    $("check-status").textContent = "";
  } finally {
    $("check-button").disabled = false;
  }
}

// ------------------------------------------------------------------ rewrites
async function rewrite(event) {
  event.preventDefault();
  $("rewrite-error").hidden = true;
  const text = $("rewrite-text").value.trim() || $("article").value.trim();
  if (!text) { showError($("rewrite-error"), new ApiError("invalid_input", "type a text to rewrite, or paste an article above")); return; }
  $("rewrite-button").disabled = true;
  $("rewrite-status").textContent = "Rewriting sentence by sentence…";
  try {
    const response = await fetch("/v1/rewrite", {
      method: "POST", headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ text, style: $("style").value }),
    });
    if (!response.ok) throw await failure(response);
    const result = await response.json();
    const out = $("rewrite-output");
    out.textContent = "";
    result.sentences.forEach((s, i) => {
      const span = document.createElement("span");
      span.className = s.rewritten ? "rewritten" : "kept";
      span.textContent = s.text;
      span.title = s.rewritten ? "rewritten" : "kept as written: " + (s.reasons || []).join("; ");
      if (i) out.append(" ");
      out.append(span);
    });
    $("rewrite-meta").textContent = `${result.rewritten_sentences} sentence(s) rewritten, ${result.kept_original_sentences} kept as written` +
      (result.dropped_sentences ? `, ${result.dropped_sentences} left out` : "") + (result.note ? ` · ${result.note}` : "") + ` · ${result.model.id}`;
    $("rewrite-result").hidden = false;
    $("rewrite-result").querySelector(".copy").onclick = (e) => copyText(result.text, e.target);
    $("rewrite-status").textContent = "Done.";
  } catch (err) {
    showError($("rewrite-error"), err);
    $("rewrite-status").textContent = "";
  } finally {
    $("rewrite-button").disabled = false;
  }
}

// ------------------------------------------------------------------ batch jobs
// The key's batches and their progress, updated in place (focus stays where it is) every few
// seconds while one runs.
const RUNNING = new Set(["validating", "in_progress", "finalizing", "cancelling"]);
const BATCH_POLL_MS = 3000;

async function loadBatches() {
  clearTimeout(state.batchTimer);
  $("batches-error").hidden = true;
  let running = 0;
  try {
    const page = await getJSON("/v1/batches?limit=20");
    showBatches(page.data);
    running = page.data.filter((b) => RUNNING.has(b.status)).length;
    setText($("batches-status"), page.data.length
      ? `${page.data.length} batch job(s)${page.has_more ? " (the newest)" : ""}${running ? `, ${running} running` : ""}.`
      : "No batch jobs yet.");
  } catch (err) {
    if (err instanceof ApiError && err.code === "unauthorized") setText($("batches-status"), "Enter this server's API key above to see its batch jobs.");
    else { showError($("batches-error"), err); setText($("batches-status"), ""); }
  }
  if (running && $("batches-auto").checked) state.batchTimer = setTimeout(loadBatches, BATCH_POLL_MS);
}

function setText(node, text) { if (node.textContent !== text) node.textContent = text; }  // no needless announcements

function showBatches(batches) {
  const list = $("batches-list");
  const wanted = new Set(batches.map((b) => "batch-" + b.id));
  for (const li of [...list.children]) if (!wanted.has(li.id)) li.remove();
  batches.forEach((batch, i) => {
    const li = document.getElementById("batch-" + batch.id) || newBatchItem(batch);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    updateBatchItem(li, batch);
  });
}

function newBatchItem(batch) {
  const li = Object.assign(document.createElement("li"), { id: "batch-" + batch.id, className: "batch" });
  const head = Object.assign(document.createElement("div"), { className: "batch-head" });
  head.append(Object.assign(document.createElement("span"), { className: "batch-id", textContent: batch.id }),
    Object.assign(document.createElement("span"), { className: "batch-state" }),
    Object.assign(document.createElement("span"), { className: "hint batch-when" }));
  const bar = document.createElement("progress");
  const counts = Object.assign(document.createElement("p"), { className: "batch-counts", id: "batch-counts-" + batch.id });
  bar.setAttribute("aria-describedby", counts.id);
  bar.setAttribute("aria-label", "Progress of " + batch.id);
  const actions = Object.assign(document.createElement("div"), { className: "actions" });
  li.append(head, bar, counts, actions);
  return li;
}

function updateBatchItem(li, batch) {
  const counts = batch.request_counts || { total: 0, completed: 0, failed: 0 };
  const done = counts.completed + counts.failed;
  const bar = li.querySelector("progress");
  bar.max = Math.max(counts.total, 1); bar.value = done;
  const stateBadge = li.querySelector(".batch-state");
  setText(stateBadge, batch.status.replace("_", " "));
  stateBadge.className = "batch-state " + batch.status;
  setText(li.querySelector(".batch-when"), `${batch.endpoint} · started ${new Date(batch.created_at * 1000).toLocaleString()}`);
  setText(li.querySelector(".batch-counts"), `${done} of ${counts.total} done: ${counts.completed} answered, ${counts.failed} failed`);
  if (li.dataset.status === batch.status) return;  // the buttons only change with the status
  li.dataset.status = batch.status;
  const actions = li.querySelector(".actions");
  actions.textContent = "";
  const button = (text, label, onClick) => {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
    b.setAttribute("aria-label", `${label} of ${batch.id}`);
    b.addEventListener("click", onClick);
    actions.append(b);
  };
  if (batch.output_file_id) button("Download output", "Download the output", () => download(batch.output_file_id, batch.id + "_output.jsonl"));
  if (batch.error_file_id) button("Download errors", "Download the errors", () => download(batch.error_file_id, batch.id + "_errors.jsonl"));
  if (batch.status === "validating" || batch.status === "in_progress") button("Cancel", "Cancel", () => cancelBatch(batch.id));
}

async function download(fileId, name) {
  try {
    const response = await fetch(`/v1/files/${encodeURIComponent(fileId)}/content`, { headers: headers() });
    if (!response.ok) throw await failure(response);
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    showError($("batches-error"), err);
  }
}

async function cancelBatch(batchId) {
  try {
    const response = await fetch(`/v1/batches/${encodeURIComponent(batchId)}/cancel`, { method: "POST", headers: headers() });
    if (!response.ok) throw await failure(response);
    loadBatches();
  } catch (err) {
    showError($("batches-error"), err);
  }
}

// ------------------------------------------------------------------ wiring
document.addEventListener("DOMContentLoaded", () => {
  loadChoices();
  $("brief-form").addEventListener("submit", brief);
  $("rewrite-form").addEventListener("submit", rewrite);
  $("check-form").addEventListener("submit", checkSummary);
  $("stop-button").addEventListener("click", () => state.controller && state.controller.abort());
  $("mode").addEventListener("change", showModeHelp);
  $("style").addEventListener("change", showStyleHelp);
  $("file").addEventListener("change", (e) => readFile(e.target.files[0]));
  $("api-key").value = sessionStorage.getItem("briefly-key") || "";
  $("api-key").addEventListener("change", (e) => { sessionStorage.setItem("briefly-key", e.target.value.trim()); loadBatches(); });
  $("batches-refresh").addEventListener("click", loadBatches);
  $("batches-auto").addEventListener("change", loadBatches);
  loadBatches();
  for (const area of [$("article"), $("rewrite-text")]) {
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); area.form.requestSubmit(); }
    });
  }
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("dragging"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("dragging"); readFile(e.dataTransfer.files[0]); });
});
