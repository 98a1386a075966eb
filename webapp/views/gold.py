"""Gold editing: start from the gold or a model's prediction, accept, reject, relabel, add and remove
spans, save a new revision (history kept), export the corpus as BRAT."""

import dataclasses
import time

import pandas as pd
import streamlit as st

from engine.labels import LABELS
from engine.notes.editing import Draft, EditingClock, EditRefused
from engine.types import Span
from webapp import services
from webapp.components import tables
from webapp.components.annotator import annotation_view
from webapp.components.highlight import highlight_html
from webapp.components.research import choose_corpus
from webapp.components.text import inert


def describe(span: Span) -> str:
    return f"{span.label} '{span.text}' at {span.start}"


def draft_key(corpus: str, document_id: str) -> str:
    """Where a note's draft lives in the session."""
    return f"draft:{corpus}:{document_id}"


def gold_draft(based_on: int, spans) -> dict:
    """A draft that starts from the current gold (revision ``based_on``)."""
    return {"based_on": based_on, "spans": list(spans), "source": "the current gold"}


st.title("Gold editing")
listed = services.corpora()
corpus = choose_corpus(key="gold-corpus", listed=listed)
if corpus is None:
    st.stop()
info = {c.name: c for c in listed}[corpus]
split = st.selectbox("Split", sorted(info.documents), key="gold-split")
document_ids = services.document_ids(corpus, split)
models, _ = services.models()
names = {services.model_label(m): m for m in models}

reviewer = st.text_input("Your name (kept with each revision you save)", key="gold-author")
reviewers = services.reviewers(corpus, split)
if st.toggle("Review queue: the next document to review", key="gold-queue") and names:
    queue_model = st.selectbox("Uncertainty from", list(names), key="gold-queue-model")
    st.caption(
        "Documents you have not saved yet, the one where the model expects most of its spans to be wrong first: "
        "the sum of (1 - probability) over its spans, which is how many corrections to expect (a mean would put "
        "a short note with one doubtful span first). Spans the model missed altogether are not in it."
    )
    if not reviewer.strip():
        st.info("Say who you are (your name above) to see what is left for you.")
    else:
        with st.spinner("Reading the split with the model (cached after the first time)…"):
            queue = services.review_queue(corpus, split, names[queue_model], reviewers.get(reviewer.strip(), set()))
        done = len(document_ids) - len(queue)
        st.markdown(f"Reviewed by {inert(reviewer.strip())}: **{done} of {len(document_ids)}** documents of this split")
        if queue:
            st.dataframe(
                pd.DataFrame([{"document": d, "expected wrong spans": round(v, 2)} for d, v in queue[:10]]),
                hide_index=True,
            )
            if st.button("Open the next document to review", key="gold-next"):
                st.session_state["gold-document"] = queue[0][0]
                st.rerun()
        else:
            st.success("Nothing left to review in this split.")
    if reviewers:
        st.dataframe(
            pd.DataFrame(
                [
                    {"annotator": who, "reviewed": f"{len(seen)} of {len(document_ids)}"}
                    for who, seen in sorted(reviewers.items())
                ]
            ),
            hide_index=True,
        )

saved_by_me = reviewers.get(reviewer.strip(), set()) if reviewer.strip() else set()
document_column, next_column = st.columns([3, 1])
if pending := st.session_state.pop("gold-open-next", None):  # set before the selectbox is drawn
    st.session_state["gold-document"] = pending
document_id = document_column.selectbox("Document", document_ids, key="gold-document", help="Type to filter.")
unsaved = [name for name in document_ids if name not in saved_by_me]
if reviewer.strip():
    status = "✓ you have saved a revision of this note" if document_id in saved_by_me else "not saved by you yet"
    st.caption(f"{status} · you have saved {len(saved_by_me)} of the {len(document_ids)} notes of this split")
if next_column.button("Next note not saved by you", width="stretch", disabled=not reviewer.strip() or not unsaved):
    later = [name for name in unsaved if name > document_id]
    st.session_state["gold-open-next"] = (later or unsaved)[0]
    st.rerun()
history = services.gold_log(corpus, document_id)
gold = services.document(corpus, document_id, history[0] if history else None)
current = history[0].number if history else 0

key = draft_key(corpus, document_id)
clock: EditingClock = st.session_state.setdefault("gold-clock", EditingClock())
clock.tick(key, time.monotonic())  # reading the note before loading a model's spans is annotation time too
start_left, start_right = st.columns([3, 1])
source = start_left.selectbox("Start from", ["the current gold", *names], key="gold-source")
if start_right.button("Load", width="stretch") or key not in st.session_state:
    if source == "the current gold":
        spans = list(gold.spans)
    else:
        (annotation,) = services.annotate([names[source]], gold.text)
        spans = list(annotation.prediction.spans)
    # the editor (and its undo) is kept: Undo brings back a draft that Load replaced
    kept_editor = st.session_state.get(key, {}).get("editor")
    st.session_state[key] = {"based_on": current, "spans": spans, "source": source, "editor": kept_editor}
    clock.skip(key, time.monotonic())  # the time a model takes to pre-annotate is not the annotator's
draft = st.session_state[key]
editor = draft.get("editor")
if editor is None:
    editor = draft["editor"] = Draft(gold.text, draft["spans"])
else:
    editor.replace(draft["spans"])  # an edit made in the tabs below
spans: list[Span] = sorted(draft["spans"])

in_gold, in_draft = set(gold.spans), set(spans)
added = [s for s in spans if s not in in_gold]
removed = [s for s in gold.spans if s not in in_draft]
st.caption(
    f"Revision {current} by {inert(history[0].author) if history else '-'}; draft from {inert(draft['source'])}: "
    f"{len(spans)} spans, {len(added)} not in the gold (outlined), {len(removed)} gold spans left out."
)
if annotation_view(editor, key=f"annotator:{corpus}:{document_id}", reference=gold.spans):
    draft["spans"] = list(editor.spans)
    st.rerun()

review, edit, add = st.tabs(["Accept or reject changes", "Relabel or remove", "Add a span"])
with review:
    changes = [f"add {describe(s)}" for s in added] + [f"drop {describe(s)}" for s in removed]
    if not changes:
        st.write("The draft equals the current gold.")
    rejected = st.multiselect("Reject these changes (the rest are accepted on save)", changes, key="gold-reject")
    if st.button("Reject selected changes", disabled=not rejected):
        drop = {s for s in added if f"add {describe(s)}" in rejected}
        restore = [s for s in removed if f"drop {describe(s)}" in rejected]
        draft["spans"] = [s for s in spans if s not in drop] + restore
        st.rerun()
with edit:
    options = {f"#{i} {describe(s)}": s for i, s in enumerate(spans)}
    target = st.selectbox("Span", list(options), key="gold-target")
    new_label = st.selectbox("New label", LABELS, key="gold-new-label")
    left, right = st.columns(2)
    if left.button("Relabel", disabled=target is None):
        old = options[target]
        draft["spans"] = [dataclasses.replace(s, label=new_label) if s is old else s for s in spans]
        st.rerun()
    if right.button("Remove", disabled=target is None):
        draft["spans"] = [s for s in spans if s is not options[target]]
        st.rerun()
with add:
    phrase = st.text_input("Exact text of the new span", key="gold-phrase")
    found = services.phrase_matches(gold.text, phrase)
    if phrase.strip():
        st.caption(f"'{inert(phrase.strip())}' occurs {len(found)} time(s) in the note as whole words.")
    occurrence = st.number_input("Which occurrence in the note", 1, 10_000, 1, key="gold-occurrence")
    label = st.selectbox("Label", LABELS, key="gold-add-label")
    if st.button("Add span"):
        if not phrase.strip() or len(found) < occurrence:
            st.error(f"'{inert(phrase)}' does not occur {int(occurrence)} time(s) in the note as whole words.")
        else:
            try:
                editor.add(*found[int(occurrence) - 1], label)
            except EditRefused as error:
                st.error(inert(error))
            else:
                draft["spans"] = list(editor.spans)
                st.rerun()

st.subheader("Save")
author = reviewer
note = st.text_input("What changed (optional)", key="gold-note")
st.caption(
    f"Time on this draft so far: {clock.totals.get(key, 0.0) / 60:.1f} min, kept with the revision you save "
    "(from one action to the next, from the first look at the note to the save; a pause of over 5 minutes "
    "counts as 5)."
)
if st.button("Save gold revision", type="primary"):
    refs = {s.ref for s in spans if s.ref}
    relations = [r for r in gold.relations if r.arg1 in refs and r.arg2 in refs]
    try:
        saved = services.save_gold(
            corpus,
            document_id,
            spans,
            relations,
            by=author,
            note=note,
            based_on=draft["based_on"],
            seconds=round(clock.totals.get(key, 0.0), 1),
        )
    except services.ActionFailed as error:
        st.error(inert(error))
    else:
        st.session_state[key] = gold_draft(saved.number, saved.spans)
        clock.restart(key, time.monotonic())
        st.session_state["gold-saved"] = f"Saved revision {saved.number} of {inert(document_id)}."
        st.rerun()
if saved_message := st.session_state.pop("gold-saved", None):  # shown once, after the rerun the save needs
    st.success(saved_message)

with st.expander(f"History ({len(history)} revisions)"):
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "revision": r.number,
                    "author": r.author,
                    "saved": r.created_at,
                    "spans": r.span_count,
                    "editing time (s)": r.seconds,
                    "note": r.note,
                }
                for r in history
            ]
        ),
        hide_index=True,
    )

st.subheader("Annotation time")
timed = services.editing_times(corpus)
if not timed:
    st.write("No revision of this corpus has been timed yet: the time is measured for revisions saved on this page.")
else:
    st.caption(
        "The editing time of every revision saved on this page: from one action to the next on the same draft, a "
        "pause of over 5 minutes counted as 5; the model's pre-annotation and time on other notes not counted."
    )
    st.dataframe(pd.DataFrame(tables.editing_time_rows(services.summarise_times(timed))), hide_index=True)
    per_revision = pd.DataFrame(tables.revision_time_rows(timed))
    st.download_button(
        "Download the time of each revision (CSV)",
        per_revision.to_csv(index=False),
        f"{corpus}-editing-times.csv",
        "text/csv",
    )

st.subheader("Agreement between two annotators")
versions = services.author_versions(corpus)
annotators = sorted(versions)
if len(annotators) < 2:
    st.write("Agreement needs two people who each saved gold in this corpus.")
else:
    # the two who saved most recently come first: the pass being checked, not whoever imported the corpus
    recent = sorted(annotators, key=lambda who: versions[who], reverse=True)
    left, right = st.columns(2)
    first = left.selectbox("First annotator", annotators, index=annotators.index(recent[0]), key="agree-a")
    second = right.selectbox("Second annotator", annotators, index=annotators.index(recent[1]), key="agree-b")
    if first == second:
        st.write("Choose two different annotators.")
    else:
        try:
            found = services.agreement(corpus, first, second, versions)
        except ValueError as error:
            st.error(inert(error))
            found = None
        if found is not None and not found.documents:
            st.write(f"{inert(first)} and {inert(second)} have not both saved any document of this corpus.")
        elif found is not None:
            st.caption(
                "Each one's latest revision of the documents both saved, scored against each other (F1 is the same "
                "whichever comes first). Cohen's kappa compares the two on every word's IOB2 tag, corrected for "
                "chance agreement."
            )
            a, b, c, d = st.columns(4)
            a.metric("Documents both saved", len(found.documents))
            b.metric("Strict F1", f"{found.strict_f1:.3f}")
            c.metric("Lenient F1", f"{found.lenient_f1:.3f}")
            d.metric("Cohen's kappa (word tags)", f"{found.kappa:.3f}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "label": label,
                            "strict F1": round(row["strict_f1"], 3),
                            "lenient F1": round(row["lenient_f1"], 3),
                            f"spans ({first})": row["first"],
                            f"spans ({second})": row["second"],
                        }
                        for label, row in found.per_label.items()
                    ]
                ),
                hide_index=True,
            )
            differing = {e.document_id for e in found.disagreements}
            already = services.reviewers(corpus).get(reviewer.strip(), set()) if reviewer.strip() else set()
            agreed = sorted(set(found.documents) - differing - already)
            if agreed and st.button(
                f"Confirm the {len(agreed)} notes where the two agree as your revision",
                key="agree-confirm",
                disabled=not reviewer.strip(),
                help="For each note where both latest revisions hold the same spans (and you have saved none), "
                "save that version as a revision by you (your name above), so adjudication need not open each one. "
                "These revisions are not timed.",
            ):
                confirmed = 0
                for name in agreed:
                    agreed_version = found.first_documents[name]
                    log = services.gold_log(corpus, name)
                    try:
                        services.save_gold(
                            corpus,
                            name,
                            agreed_version.spans,
                            agreed_version.relations,
                            by=reviewer.strip(),
                            note=f"{first} and {second} agree",
                            based_on=log[0].number if log else 0,
                        )
                    except services.ActionFailed as error:
                        st.error(inert(error))
                        break
                    confirmed += 1
                st.session_state["gold-taken"] = f"Saved {confirmed} agreed notes as revisions by {reviewer.strip()}."
                st.rerun()
            if found.disagreements:
                rows = [
                    {
                        "document": e.document_id,
                        "kind": e.kind,
                        first: f"{e.gold.label} '{e.gold.text}'" if e.gold else "",
                        second: f"{e.predicted.label} '{e.predicted.text}'" if e.predicted else "",
                        "at": e.start,
                    }
                    for e in found.disagreements
                ]
                st.caption(f"{len(rows)} disagreements")
                st.dataframe(pd.DataFrame(rows), hide_index=True, height=240)
                index = st.number_input("Show disagreement number (row, from 0)", 0, len(rows) - 1, 0, key="agree-row")
                chosen = found.disagreements[int(index)]
                mine = found.first_documents[chosen.document_id]
                theirs = found.second_documents[chosen.document_id]
                window = (chosen.start - 250, chosen.start + 250)
                left, right = st.columns(2)
                with left:
                    st.caption(inert(first))
                    marks = {chosen.gold: "focus"} if chosen.gold else {}
                    st.html(highlight_html(mine.text, mine.spans, marks=marks, window=window, height=300))
                with right:
                    st.caption(inert(second))
                    marks = {chosen.predicted: "focus"} if chosen.predicted else {}
                    st.html(highlight_html(theirs.text, theirs.spans, marks=marks, window=window, height=300))
                # decide it here: the chosen version goes into that note's draft, which opens above to be saved
                keep_first, keep_second = st.columns(2)
                decision = None
                if keep_first.button(f"Take {inert(first)}'s version into the draft", key="agree-take-first"):
                    decision = (chosen.gold, chosen.predicted)
                if keep_second.button(f"Take {inert(second)}'s version into the draft", key="agree-take-second"):
                    decision = (chosen.predicted, chosen.gold)
                if decision is not None:
                    target = draft_key(corpus, chosen.document_id)
                    if target not in st.session_state:
                        log = services.gold_log(corpus, chosen.document_id)
                        current_gold = services.document(corpus, chosen.document_id, log[0] if log else None)
                        st.session_state[target] = gold_draft(log[0].number if log else 0, current_gold.spans)
                    pending_draft = st.session_state[target]
                    pending_draft["spans"] = services.take_version(pending_draft["spans"], *decision)
                    where = "save it above"
                    if chosen.document_id not in document_ids:
                        where = "choose its split and the note above to see and save it"
                    elif chosen.document_id != document_id:
                        st.session_state["gold-open-next"] = chosen.document_id  # show that note above
                    st.session_state["gold-taken"] = f"Taken into the draft of {chosen.document_id}: {where}."
                    st.rerun()

if taken := st.session_state.pop("gold-taken", None):  # what a decision or a confirmation just did
    st.success(inert(taken))

if st.button(f"Export {inert(corpus)} as BRAT (current gold of every document)"):
    split_of = {name: split for split in info.documents for name in services.document_ids(corpus, split)}
    st.session_state["gold-export"] = (corpus, services.corpus_zip(services.documents(corpus), split_of=split_of))
export = st.session_state.get("gold-export")
if export is not None and export[0] == corpus:
    st.download_button(f"Download {inert(corpus)}-brat.zip", export[1], f"{corpus}-brat.zip", "application/zip")
