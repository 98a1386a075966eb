"""The annotation view: a note with its spans, where a person selects text with the mouse and
presses a label's number key (1-9) or button to add a span, clicks a span to relabel or remove
it, and undoes. A Streamlit custom component (components v2: HTML, CSS and JavaScript inline, no
build step, no iframe); the edits themselves are :class:`engine.notes.editing.Draft`'s, in Python.

Safety: the note reaches the browser as JSON data and is put on the page with ``textContent``
only, never as HTML, so a note holding ``<script>`` shows those characters and runs nothing.
Long notes are shown one page at a time (:func:`engine.notes.editing.pages`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import streamlit as st

from engine.labels import LABELS
from engine.notes.editing import Draft, EditRefused, on_page, pages
from engine.types import Span
from webapp import services
from webapp.components.highlight import colour
from webapp.components.text import inert

CSS = """
.medner-annotator { font-family: sans-serif; }
.medner-annotator .medner-toolbar { display: flex; flex-wrap: wrap; gap: 0.3rem; margin-bottom: 0.4rem; }
.medner-annotator .medner-toolbar button {
  border: 1px solid #999; border-radius: 4px; padding: 0.15rem 0.5rem; font-size: 0.8rem; cursor: pointer;
}
.medner-annotator .medner-toolbar button:disabled { opacity: 0.4; cursor: default; }
.medner-annotator .medner-status { font-size: 0.8rem; color: #444; min-height: 1.2rem; margin-bottom: 0.3rem; }
.medner-annotator .medner-text {
  white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.86rem;
  line-height: 1.9; border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem; overflow-wrap: anywhere;
  max-height: 520px; overflow-y: auto; user-select: text;
}
.medner-annotator mark.medner-entity { border-radius: 3px; padding: 0.05rem 0.1rem; cursor: pointer; color: #000; }
.medner-annotator mark.medner-entity::after {
  content: attr(data-label); font-size: 0.6rem; font-family: sans-serif; vertical-align: super; margin-left: 0.1rem;
}
.medner-annotator mark.medner-selected { outline: 3px solid #000; outline-offset: 2px; }
.medner-annotator mark.medner-new { outline: 2px dashed #d00000; outline-offset: 1px; }
"""

JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  const doc = parentElement.ownerDocument || document;
  let root = parentElement.querySelector(".medner-annotator");
  if (!root) {
    root = doc.createElement("div");
    root.className = "medner-annotator";
    parentElement.appendChild(root);
  }
  // an edit redraws the note: keep where the reader had scrolled to in it (same note and page)
  const previous = root.querySelector(".medner-text");
  const scrolled = previous && previous.dataset.view === data.view ? previous.scrollTop : 0;
  root.replaceChildren();
  let pending = null;
  let selected = null;
  const colours = {};
  data.labels.forEach((label) => { colours[label.name] = label.colour; });

  const toolbar = doc.createElement("div");
  toolbar.className = "medner-toolbar";
  const status = doc.createElement("div");
  status.className = "medner-status";
  const say = (text) => { status.textContent = text; };
  const keep = (event) => event.preventDefault();  // a button press must not drop the text selection

  const choose = (label) => {
    const nonce = Date.now();
    if (pending) {
      setTriggerValue("add", { start: pending.start + data.offset, end: pending.end + data.offset, label, nonce });
      pending = null;
    } else if (selected !== null) {
      setTriggerValue("relabel", { index: selected, label, nonce });
    } else {
      say("Select some text first, or click a span.");
    }
  };
  data.labels.forEach((label, position) => {
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "medner-label";
    button.dataset.label = label.name;
    button.style.background = label.colour;
    button.textContent = (position < 9 ? `${position + 1} ` : "") + label.name;
    button.addEventListener("mousedown", keep);
    button.addEventListener("click", () => choose(label.name));
    toolbar.appendChild(button);
  });
  const remove = doc.createElement("button");
  remove.type = "button";
  remove.className = "medner-remove";
  remove.textContent = "Remove span";
  remove.disabled = true;
  remove.addEventListener("mousedown", keep);
  remove.addEventListener("click", () => {
    if (selected !== null) setTriggerValue("remove", { index: selected, nonce: Date.now() });
  });
  const undo = doc.createElement("button");
  undo.type = "button";
  undo.className = "medner-undo";
  undo.textContent = "Undo";
  undo.disabled = !data.can_undo;
  undo.addEventListener("click", () => setTriggerValue("undo", { nonce: Date.now() }));
  toolbar.append(remove, undo);

  const body = doc.createElement("div");
  body.className = "medner-text";
  body.dataset.view = data.view;
  let position = 0;
  const marks = [];
  for (const span of data.spans) {
    if (span.s > position) body.appendChild(doc.createTextNode(data.text.slice(position, span.s)));
    const mark = doc.createElement("mark");
    mark.className = span.n ? "medner-entity medner-new" : "medner-entity";
    mark.dataset.label = span.l;
    mark.dataset.index = String(span.i);
    mark.style.background = colours[span.l] || "#d9d9d9";
    const probability = span.p === null || span.p === undefined ? "" : ` (probability ${span.p.toFixed(2)})`;
    mark.title = `${span.l}${probability}: click to relabel or remove`;
    mark.textContent = data.text.slice(span.s, span.e);
    mark.addEventListener("click", () => {
      if (!doc.getSelection().isCollapsed) return;  // the end of a drag, not a click
      selected = span.i;
      pending = null;
      marks.forEach((other) => other.classList.toggle("medner-selected", other === mark));
      remove.disabled = false;
      say(`${span.l} '${mark.textContent}': press 1-9 or a label to relabel it, Delete to remove it.`);
    });
    marks.push(mark);
    body.appendChild(mark);
    position = span.e;
  }
  if (position < data.text.length) body.appendChild(doc.createTextNode(data.text.slice(position)));

  const offsetOf = (node, offset) => {
    const range = doc.createRange();
    range.selectNodeContents(body);
    range.setEnd(node, offset);
    return range.toString().length;
  };
  body.addEventListener("mouseup", () => {
    const selection = doc.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) return;
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    if (end <= start) return;
    pending = { start, end };
    selected = null;
    marks.forEach((other) => other.classList.remove("medner-selected"));
    remove.disabled = true;
    say(`'${data.text.slice(start, end)}' selected: press 1-9 or a label to add it.`);
  });

  const onKey = (event) => {
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
      if (data.can_undo) { event.preventDefault(); setTriggerValue("undo", { nonce: Date.now() }); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[1-9]$/.test(event.key) && Number(event.key) <= data.labels.length) {
      if (pending || selected !== null) {
        event.preventDefault();
        choose(data.labels[Number(event.key) - 1].name);
      }
    } else if ((event.key === "Delete" || event.key === "Backspace") && selected !== null) {
      event.preventDefault();
      setTriggerValue("remove", { index: selected, nonce: Date.now() });
    } else if (event.key === "Escape") {
      pending = null;
      selected = null;
      marks.forEach((other) => other.classList.remove("medner-selected"));
      say("");
    }
  };
  if (root.mednerKeys) doc.removeEventListener("keydown", root.mednerKeys);
  root.mednerKeys = onKey;
  doc.addEventListener("keydown", onKey);
  say(data.message || "Select text and press 1-9 (or a label) to add a span; click a span to change it.");
  root.append(toolbar, status, body);
  body.scrollTop = scrolled;
  return () => doc.removeEventListener("keydown", onKey);
}
"""

_EVENTS = ("add", "relabel", "remove", "undo")


def _ignore() -> None:
    """The component's events are read from its result after it is mounted."""


def view_data(
    draft: Draft,
    page: tuple[int, int],
    *,
    message: str = "",
    reference: Collection[Span] | None = None,
    view: str = "",
) -> dict[str, Any]:
    """What the browser gets for one page: its text, its spans (clipped to it, with their index in
    the draft, probability, and whether ``reference`` lacks them: drawn outlined), the labels with
    colours, whether undo is possible, and ``view``, which names the note and page (the browser
    keeps the scroll position while it stays the same)."""
    start, end = page
    return {
        "view": view,
        "text": draft.text[start:end],
        "offset": start,
        "spans": [
            {
                "i": index,
                "s": max(span.start, start) - start,
                "e": min(span.end, end) - start,
                "l": span.label,
                "p": span.confidence,
                "n": reference is not None and span not in reference,
            }
            for index, span in on_page(draft.spans, page)
        ],
        "labels": [{"name": label, "colour": colour(label)} for label in LABELS],
        "can_undo": draft.can_undo,
        "message": message,
    }


def apply_event(draft: Draft, name: str, value: Any) -> None:
    """One event from the browser applied to the draft; :class:`EditRefused` for an edit that
    would break it (the message says why)."""
    if name == "add":
        draft.add(int(value["start"]), int(value["end"]), str(value["label"]))
    elif name == "relabel":
        draft.relabel(int(value["index"]), str(value["label"]))
    elif name == "remove":
        draft.remove(int(value["index"]))
    elif name == "undo":
        draft.undo()
    else:
        raise EditRefused(f"unknown edit {name!r}")


def annotation_view(draft: Draft, *, key: str, reference: Collection[Span] | None = None) -> bool:
    """Show ``draft`` for editing and apply the edit just made there; spans that ``reference``
    (the current gold, say) lacks are outlined. Returns True when the draft changed (the caller
    reruns the page so that everything shows the new spans)."""
    parts = pages(draft.text)
    page = 0
    if len(parts) > 1:
        page = st.selectbox(
            f"Part of the note ({len(parts)} parts, one shown at a time)",
            range(len(parts)),
            format_func=lambda i: f"{i + 1}: characters {parts[i][0]:,} to {parts[i][1]:,}",
            key=f"{key}-page",
        )
    refused = st.session_state.pop(f"{key}-refused", "")
    if refused:
        st.error(inert(refused))
    result = services.component("medner_annotator", css=CSS, js=JS)(
        key=key,
        data=view_data(
            draft, parts[page], reference=None if reference is None else set(reference), view=f"{key}:{page}"
        ),
        **{f"on_{name}_change": _ignore for name in _EVENTS},
    )
    for name in _EVENTS:
        value = getattr(result, name, None)
        if value is None:
            continue
        try:
            apply_event(draft, name, value)
        except (EditRefused, KeyError, TypeError, ValueError) as error:
            st.session_state[f"{key}-refused"] = f"Not done: {error}"
        return True
    return False
