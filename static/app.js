// Progressive enhancement only: every page works without this file.
"use strict";

const WIDE = "(min-width: 52rem)";

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

// "/" focuses the search box, as on most search sites.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const box = document.getElementById("q");
  if (!box || typing(event.target)) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// GET forms leave empty fields out of the URL (year_from= and the like).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.method !== "get") return;
  for (const field of form.elements) {
    if (field.name && field.value === "") field.disabled = true;
  }
});
window.addEventListener("pageshow", () => {
  for (const field of document.querySelectorAll("form [disabled]")) field.disabled = false;
});

// Facets stay open on wide screens, also where CSS cannot force them open.
const refine = document.getElementById("refine");
if (refine && window.matchMedia(WIDE).matches) refine.open = true;

// After a filter, chip, sort or page link reloads the page, the focus goes back to the control
// that was used (or, for a new page of results, to the results) instead of the top of the page.
const FOCUS_KEY = "archivist-focus";

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-focus][href]");
  if (!link) return;
  try {
    sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ url: link.href, focus: link.dataset.focus }));
  } catch {
    // storage unavailable: the page still works, the focus starts at the top
  }
});

function restoreFocus() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(FOCUS_KEY) || "null");
    sessionStorage.removeItem(FOCUS_KEY);
  } catch {
    return;
  }
  if (!saved || saved.url !== window.location.href) return;
  // The filter itself rather than its chip (a chip goes away when its filter is removed).
  const same = Array.from(document.querySelectorAll("[data-focus]:not(.chip)")).find(
    (element) => element.dataset.focus === saved.focus && saved.focus !== "page",
  );
  const target = same || document.getElementById("hits") || document.getElementById("results");
  if (!target) return;
  const closed = target.closest("details:not([open])");
  if (closed) closed.open = true;
  target.focus();
}
restoreFocus();

// Copy buttons on the permalink page (the text stays selectable without them).
const copyStatus = document.getElementById("copy-status");

function copyBySelection(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = source.textContent;
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      copied = copyBySelection(source);
    }
    for (const other of document.querySelectorAll("button[data-copy]")) other.classList.remove("done");
    button.classList.toggle("done", copied);
    if (copyStatus) {
      const name = button.textContent.replace("复制", "").trim();
      copyStatus.textContent = copied ? `已复制${name}。` : "无法自动复制：文字已选中，请按 Ctrl+C（⌘C）。";
    }
  });
}

// Stepping through the paragraphs with matches on the document page, without reloading.
const hitbar = document.getElementById("hitbar");
const hitBlocks = Array.from(document.querySelectorAll(".block.has-hit"));

function targetBlock() {
  return document.querySelector(".block.target");
}

function hitUrl(block) {
  const url = new URL(window.location.href);
  url.searchParams.set("hit", block.dataset.n);
  url.hash = block.id;
  return url.href;
}

function neighbours() {
  const target = targetBlock();
  const n = target ? Number(target.dataset.n) : 0;
  const before = hitBlocks.filter((b) => Number(b.dataset.n) < n);
  const after = hitBlocks.filter((b) => Number(b.dataset.n) > n);
  return { prev: before[before.length - 1] || null, next: after[0] || null, target };
}

function setStep(link, block) {
  if (!link) return;
  if (block) {
    link.href = hitUrl(block);
    link.removeAttribute("aria-disabled");
    link.removeAttribute("role");
  } else {
    link.removeAttribute("href");
    link.setAttribute("role", "link");
    link.setAttribute("aria-disabled", "true");
  }
}

function updateHitbar() {
  const { prev, next, target } = neighbours();
  setStep(document.getElementById("hit-prev"), prev);
  setStep(document.getElementById("hit-next"), next);
  const position = document.getElementById("hit-position");
  const index = hitBlocks.indexOf(target);
  if (position) position.textContent = index >= 0 ? `｜当前 ${index + 1} / ${hitBlocks.length}` : "";
}

function showBlock(block, updateUrl) {
  for (const old of document.querySelectorAll(".block.target")) {
    old.classList.remove("target");
    old.removeAttribute("aria-current");
  }
  block.classList.add("target");
  block.setAttribute("aria-current", "location");
  // The URL follows the reader without piling up history: "back" returns to the results.
  if (updateUrl) history.replaceState(null, "", hitUrl(block));
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  block.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
  updateHitbar();
}

function step(direction) {
  const { prev, next } = neighbours();
  const block = direction < 0 ? prev : next;
  if (block) showBlock(block, true);
}

if (hitbar && hitBlocks.length) {
  for (const link of hitbar.querySelectorAll("[data-hit-step]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      step(Number(link.dataset.hitStep));
    });
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "n") step(1);
    else if (event.key === "p") step(-1);
  });
  window.addEventListener("popstate", () => {
    const n = new URLSearchParams(window.location.search).get("hit");
    const block = n && document.getElementById(`p${n}`);
    if (block) showBlock(block, false);
  });
  updateHitbar();
  const target = targetBlock();
  if (target && window.location.hash !== `#${target.id}`) target.scrollIntoView({ block: "center" });
}
