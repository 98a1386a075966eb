"""Corpora, documents and gold annotations with their revision history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db import records
from db.repository.base import NotFound, RevisionConflict, StoreBase, StoreError, text_sha256, utc_now
from db.schema import CorpusRow, DocumentRow, GoldRevisionRow, GoldSpanRow
from engine.labels import LABELS
from engine.types import CorpusInfo, Document, EditingTime, GoldRevision, GoldRevisionSummary, Relation, Span


class CorpusStore(StoreBase):
    """Corpora, their documents, and gold annotations kept as revisions."""

    def _corpus_id(self, session: Session, name: str, source: str, coverage: Mapping | None = None) -> int:
        session.execute(
            self._insert(CorpusRow)
            .values(name=name, source=source, created_at=utc_now(), coverage=coverage)
            .on_conflict_do_nothing()
        )
        return session.scalars(select(CorpusRow.id).where(CorpusRow.name == name)).one()

    def import_corpus(
        self,
        name: str,
        splits: Mapping[str, Sequence[Document]],
        *,
        source: str = "",
        by: str = "import",
        coverage: Mapping | None = None,
    ) -> int:
        """Store the documents (with their text) and their gold as revision 1; documents already in
        the corpus are left as they are. Returns how many documents were added. ``coverage``: what
        a partially annotated corpus labels and where it is silent (kept with a new corpus)."""
        for documents in splits.values():
            for document in documents:
                _check_gold(document.text, document.spans, document.relations, where=f"{name}/{document.id}")

        def work(session: Session) -> int:
            corpus_id = self._corpus_id(session, name, source, coverage)
            present = set(session.scalars(select(DocumentRow.name).where(DocumentRow.corpus_id == corpus_id)))
            added = 0
            for split, documents in splits.items():
                for document in documents:
                    if document.id in present:
                        continue
                    row = DocumentRow(
                        corpus_id=corpus_id,
                        name=document.id,
                        split=split,
                        text=document.text,
                        text_sha256=text_sha256(document.text),
                    )
                    session.add(row)
                    session.flush()
                    self._add_revision(session, row.id, 1, document.spans, document.relations, by=by, note="imported")
                    present.add(document.id)
                    added += 1
            return added

        return self._write(work, races=True)

    def save_document(self, corpus: str, document: Document, *, split: str = "saved", by: str) -> GoldRevision:
        """Save one note with its text into ``corpus`` (made if new), its spans as gold revision 1."""
        added = self.import_corpus(corpus, {split: [document]}, source="saved from the app", by=by)
        if not added:
            raise StoreError(f"{corpus} already holds a document called {document.id!r}; choose another name")
        return self.gold_history(corpus, document.id, limit=1)[0]

    def corpora(self) -> list[CorpusInfo]:
        with self._read() as session:
            counts: dict[int, dict[str, int]] = {}
            for corpus_id, split, count in session.execute(
                select(DocumentRow.corpus_id, DocumentRow.split, func.count()).group_by(
                    DocumentRow.corpus_id, DocumentRow.split
                )
            ):
                counts.setdefault(corpus_id, {})[split] = count
            rows = session.scalars(select(CorpusRow).order_by(CorpusRow.name))
            return [
                CorpusInfo(row.name, row.source, counts.get(row.id, {}), records.aware(row.created_at), row.coverage)
                for row in rows
            ]

    def corpus_version(self, corpus: str) -> tuple[int, int]:
        """(documents, newest gold revision id) of a corpus: changes whenever a document or a gold
        revision is added to it, so callers can cache what they derive from its documents."""
        with self._read() as session:
            documents, newest = session.execute(
                select(func.count(func.distinct(DocumentRow.id)), func.coalesce(func.max(GoldRevisionRow.id), 0))
                .select_from(DocumentRow)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .outerjoin(GoldRevisionRow, GoldRevisionRow.document_id == DocumentRow.id)
                .where(CorpusRow.name == corpus)
            ).one()
            return int(documents), int(newest)

    def documents(self, corpus: str, split: str | None = None) -> list[Document]:
        """The corpus's documents (of one split, or all) with their current gold, sorted by name."""
        with self._read() as session:
            statement = _with_latest_revision(corpus).order_by(DocumentRow.name)
            if split is not None:
                statement = statement.where(DocumentRow.split == split)
            return [_document(row, revision) for row, revision in session.execute(statement)]

    def document_ids(self, corpus: str, split: str | None = None) -> list[str]:
        """The names of the corpus's documents (of one split, or all), sorted: no text and no gold
        read, so listing a split costs the same however often its gold changes."""
        with self._read() as session:
            statement = (
                select(DocumentRow.name)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .where(CorpusRow.name == corpus)
                .order_by(DocumentRow.name)
            )
            if split is not None:
                statement = statement.where(DocumentRow.split == split)
            return list(session.scalars(statement))

    def document(self, corpus: str, document_id: str) -> Document:
        """One document with its current gold."""
        with self._read() as session:
            row = self._document_row(session, corpus, document_id)
            latest = _revisions(session, row.id, limit=1)
            return _document(row, latest[0] if latest else None)

    def _document_row(self, session: Session, corpus: str, document_id: str, *, lock: bool = False) -> DocumentRow:
        statement = (
            select(DocumentRow)
            .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
            .where(CorpusRow.name == corpus, DocumentRow.name == document_id)
        )
        if lock:
            statement = statement.with_for_update(of=DocumentRow)
        row = session.scalars(statement).one_or_none()
        if row is None:
            raise NotFound(f"no document {document_id!r} in corpus {corpus!r}")
        return row

    # --- gold -----------------------------------------------------------------------------------

    @staticmethod
    def _add_revision(
        session: Session,
        document_row_id: int,
        number: int,
        spans: Sequence[Span],
        relations: Sequence[Relation],
        *,
        by: str,
        note: str,
        seconds: float | None = None,
    ) -> GoldRevisionRow:
        revision = GoldRevisionRow(
            document_id=document_row_id, number=number, author=by, note=note, created_at=utc_now(), seconds=seconds
        )
        revision.spans, revision.relations = records.gold_rows(spans, relations)
        session.add(revision)
        session.flush()
        return revision

    def save_gold(
        self,
        corpus: str,
        document_id: str,
        spans: Sequence[Span],
        relations: Sequence[Relation] = (),
        *,
        by: str,
        note: str = "",
        based_on: int | None = None,
        seconds: float | None = None,
    ) -> GoldRevision:
        """Save a new gold revision; earlier revisions stay. With ``based_on`` (the revision the
        editor started from), an edit made meanwhile by someone else raises RevisionConflict
        instead of being silently replaced. ``seconds``: the editing time the app measured."""
        if not by.strip():
            raise ValueError("say who is saving the gold annotations (by=...)")
        if seconds is not None and not seconds >= 0:
            raise ValueError(f"editing time must be a number of seconds, not {seconds!r}")

        def work(session: Session) -> GoldRevision:
            row = self._document_row(session, corpus, document_id, lock=True)
            if row.text is not None:
                _check_gold(row.text, spans, relations, where=f"{corpus}/{document_id}")
            current = session.scalar(
                select(func.coalesce(func.max(GoldRevisionRow.number), 0)).where(GoldRevisionRow.document_id == row.id)
            )
            if based_on is not None and current != based_on:
                raise RevisionConflict(
                    f"{corpus}/{document_id}: revision {current} was saved after revision {based_on}, "
                    "which this edit started from; reload the document and apply the edit again"
                )
            revision = self._add_revision(
                session, row.id, current + 1, spans, relations, by=by, note=note, seconds=seconds
            )
            return records.gold_revision(corpus, document_id, revision)

        return self._write(work, races=True)

    def gold_history(self, corpus: str, document_id: str, *, limit: int | None = None) -> list[GoldRevision]:
        """A document's gold revisions, newest first."""
        with self._read() as session:
            row = self._document_row(session, corpus, document_id)
            return [records.gold_revision(corpus, document_id, r) for r in _revisions(session, row.id, limit=limit)]

    def gold_log(self, corpus: str, document_id: str) -> list[GoldRevisionSummary]:
        """A document's gold revisions, newest first, with how many spans each holds (one query,
        no spans loaded: cheap however long the history grows)."""
        with self._read() as session:
            row = self._document_row(session, corpus, document_id)
            statement = (
                select(
                    GoldRevisionRow.number,
                    GoldRevisionRow.author,
                    GoldRevisionRow.created_at,
                    GoldRevisionRow.note,
                    func.count(GoldSpanRow.id),
                    GoldRevisionRow.seconds,
                )
                .outerjoin(GoldSpanRow, GoldSpanRow.revision_id == GoldRevisionRow.id)
                .where(GoldRevisionRow.document_id == row.id)
                .group_by(GoldRevisionRow.id)
                .order_by(GoldRevisionRow.number.desc())
            )
            return [
                GoldRevisionSummary(number, author, records.aware(created), note, count, seconds)
                for number, author, created, note, count, seconds in session.execute(statement)
            ]

    def editing_times(self, corpus: str) -> list[EditingTime]:
        """Every revision of the corpus whose editing time the app measured, oldest first: who
        saved which document, how long it took, and how many spans the revision holds."""
        with self._read() as session:
            statement = (
                select(
                    GoldRevisionRow.author,
                    DocumentRow.name,
                    GoldRevisionRow.number,
                    GoldRevisionRow.seconds,
                    func.count(GoldSpanRow.id),
                )
                .join(DocumentRow, DocumentRow.id == GoldRevisionRow.document_id)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .outerjoin(GoldSpanRow, GoldSpanRow.revision_id == GoldRevisionRow.id)
                .where(CorpusRow.name == corpus, GoldRevisionRow.seconds.is_not(None))
                .group_by(GoldRevisionRow.id, DocumentRow.name)
                .order_by(GoldRevisionRow.id)
            )
            return [
                EditingTime(author, name, number, float(seconds), count)
                for author, name, number, seconds, count in session.execute(statement)
            ]

    def author_versions(self, corpus: str) -> dict[str, int]:
        """Who has saved gold in a corpus, each with the id of their newest revision there: it
        changes exactly when that person saves again, so what is derived from one person's
        revisions can be cached on it."""
        with self._read() as session:
            statement = (
                select(GoldRevisionRow.author, func.max(GoldRevisionRow.id))
                .join(DocumentRow, DocumentRow.id == GoldRevisionRow.document_id)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .where(CorpusRow.name == corpus)
                .group_by(GoldRevisionRow.author)
            )
            return {author: newest for author, newest in session.execute(statement)}

    def reviewers(self, corpus: str, split: str | None = None) -> dict[str, set[str]]:
        """Who has saved gold in a corpus (or one split of it): author -> the documents they saved
        a revision of. That is what "reviewed" means on the review queue."""
        with self._read() as session:
            statement = (
                select(GoldRevisionRow.author, DocumentRow.name)
                .join(DocumentRow, DocumentRow.id == GoldRevisionRow.document_id)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .where(CorpusRow.name == corpus)
                .distinct()
            )
            if split is not None:
                statement = statement.where(DocumentRow.split == split)
            found: dict[str, set[str]] = {}
            for author, name in session.execute(statement):
                found.setdefault(author, set()).add(name)
            return found

    def latest_by_author(self, corpus: str, author: str) -> dict[str, Document]:
        """Each document of the corpus as ``author`` last saved it (their latest revision, not the
        current gold), keyed by document id; documents they never saved are absent."""
        with self._read() as session:
            statement = _with_latest_revision(corpus, author=author)
            return {row.name: _document(row, revision) for row, revision in session.execute(statement)}


def _with_latest_revision(corpus: str, *, author: str | None = None):
    """(document, its latest gold revision) of each document of ``corpus``, spans and relations
    loaded: the latest of all (a document without any comes with None), or the latest saved by
    ``author`` (documents they never saved left out)."""
    latest = select(GoldRevisionRow.document_id, func.max(GoldRevisionRow.number).label("number"))
    if author is not None:
        latest = latest.where(GoldRevisionRow.author == author)
    latest = latest.group_by(GoldRevisionRow.document_id).subquery()
    same = (GoldRevisionRow.document_id == DocumentRow.id) & (GoldRevisionRow.number == latest.c.number)
    statement = select(DocumentRow, GoldRevisionRow).join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
    if author is None:
        statement = statement.outerjoin(latest, latest.c.document_id == DocumentRow.id).outerjoin(GoldRevisionRow, same)
    else:
        statement = statement.join(latest, latest.c.document_id == DocumentRow.id).join(GoldRevisionRow, same)
    return statement.where(CorpusRow.name == corpus).options(
        selectinload(GoldRevisionRow.spans), selectinload(GoldRevisionRow.relations)
    )


def _document(row: DocumentRow, revision: GoldRevisionRow | None) -> Document:
    if revision is None:
        return Document(row.name, row.text or "")
    spans, relations = records.gold_spans(revision.spans), records.gold_relations(revision.relations)
    return Document(row.name, row.text or "", spans, relations)


def _revisions(session: Session, document_row_id: int, *, limit: int | None) -> list[GoldRevisionRow]:
    """A document's revisions with their spans and relations, newest first."""
    statement = (
        select(GoldRevisionRow)
        .where(GoldRevisionRow.document_id == document_row_id)
        .options(selectinload(GoldRevisionRow.spans), selectinload(GoldRevisionRow.relations))
        .order_by(GoldRevisionRow.number.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def _check_gold(text: str, spans: Sequence[Span], relations: Sequence[Relation], *, where: str) -> None:
    """Refuse gold that does not fit its note: every problem is named, nothing is dropped."""
    problems = []
    for span in spans:
        if span.label not in LABELS:
            problems.append(f"{span.ref or span.start}: unknown label {span.label!r} (labels: {', '.join(LABELS)})")
        if span.end > len(text):
            problems.append(f"{span.ref or span.start}: ends at {span.end}, after the note's end ({len(text)})")
            continue
        expected = " ".join(text[a:b] for a, b in span.pieces)
        if span.text != expected:
            problems.append(f"{span.ref or span.start}: text {span.text!r} is not the note's {expected!r}")
    refs = {span.ref for span in spans if span.ref}
    for relation in relations:
        missing = [arg for arg in (relation.arg1, relation.arg2) if arg not in refs]
        if missing:
            problems.append(f"{relation.ref}: refers to {', '.join(missing)}, which no span has")
    if problems:
        raise ValueError(f"{where}: gold annotations do not fit the note: " + "; ".join(problems[:10]))
