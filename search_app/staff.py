"""Staff pages: upload (with review of the detected metadata), edit, replace with a new
revision, remove to the trash, restore, purge, and the audit log.

Every route here needs a signed-in staff member (see auth.py); every change goes through the
same `indexer.library` / `indexer.library.jobs` functions as the command line.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from indexer import library
from indexer.errors import QueryError
from indexer.ingest.metadata import url_problem
from indexer.library import jobs
from indexer.models import SERIES, DocMeta, DocStatus, normalize_series
from search_app import service
from search_app.auth import current_user

bp = Blueprint("staff", __name__, url_prefix="/staff")

# The metadata fields staff can set, in form order, with their labels.
META_FIELDS = ("title", "series", "symbol", "date", "lang", "version", "url")
MAX_FILES = 20


def meta_labels() -> dict[str, str]:
    return {"title": _("Title"), "series": _("Series"), "symbol": _("UN symbol"),
            "date": _("Date"), "lang": _("Language"), "version": _("Version"),
            "url": _("Source URL"), "work": _("Work")}


def _settings():
    return current_app.config["SETTINGS"]


def _wake_worker() -> None:
    """New work for this server's upload worker (none in apps built without one)."""
    worker = current_app.extensions.get("dialogue_search_jobs")
    if worker is not None:
        worker.wake()


def _actor() -> str:
    return f"web:{current_user()}"


def meta_from_form(form, names: str = "") -> DocMeta:
    """DocMeta from a form's fields (see templates/staff/_meta_fields.html); `names` is the
    prefix of one file's fields in the batch review form (`j<job id>-title`)."""
    values = {f: (form.get(names + f) or "").strip()[:500] for f in META_FIELDS}
    series = normalize_series(values["series"]) if values["series"] else ""
    values["series"] = series if series in SERIES else ""  # the form offers only these
    lang = values["lang"].lower()
    values["lang"] = lang if lang in _settings().language_list else ""
    if url_problem(values["url"]):  # a javascript: link would be live on the document's pages
        raise QueryError("a document's link must be an http:// or https:// address, not "
                         "%(value)s", value=repr(values["url"][:60]))
    return DocMeta(**values)


def _document(doc_id: str):
    """The stored document (any status); an unknown id is a NotFound (404)."""
    return service().document(doc_id)


def _documents(status: str | None) -> list:
    with service().store() as st:
        return st.documents(status)


@bp.app_template_filter("reason")
def reason_filter(message: str) -> str:
    """An indexer message (refusal reason, warning) in the UI language."""
    from search_app.messages import translate

    return translate(message)


@bp.app_template_filter("when")
def when_filter(iso: str) -> str:
    """A stored UTC timestamp written the UI language's way ("26 nov. 2026, 16:02")."""
    from datetime import datetime

    from flask_babel import format_datetime

    try:
        return format_datetime(datetime.fromisoformat(iso), "medium") + " UTC"
    except (TypeError, ValueError):
        return str(iso or "")


@bp.app_template_filter("filesize")
def filesize(n: int) -> str:
    from flask_babel import format_decimal

    if n < 1000:
        return _("%(n)s bytes", n=n)
    if n < 1_000_000:
        return _("%(n)s kB", n=format_decimal(round(n / 1000, 1)))
    return _("%(n)s MB", n=format_decimal(round(n / 1e6, 1)))


@bp.app_template_global()
def job_state_label(state: jobs.JobState) -> str:
    S = jobs.JobState
    return {S.ANALYSING: _("Analysing the file…"), S.REVIEW: _("Waiting for your review"),
            S.QUEUED: _("Queued for indexing"), S.INDEXING: _("Indexing…"),
            S.DONE: _("Indexed"), S.DUPLICATE: _("Already in the index: not added again"),
            S.REFUSED: _("Refused"), S.FAILED: _("Failed"),
            S.DISCARDED: _("Discarded")}[state]


@bp.app_template_global()
def doc_status_label(status: DocStatus) -> str:
    return {DocStatus.ACTIVE: _("Searchable"), DocStatus.TRASH: _("In the trash"),
            DocStatus.SUPERSEDED: _("Replaced by a newer revision"),
            DocStatus.PENDING: _("Being indexed"),
            DocStatus.ALTERNATE: _("Another file format of a document")}[status]


@bp.app_template_global()
def action_label(action: str) -> str:
    return {"add": _("added"), "edit": _("edited"), "remove": _("moved to the trash"),
            "restore": _("restored"), "purge": _("deleted for good"),
            "replace": _("replaced by a new revision")}.get(action, action)


@bp.app_template_global()
def review_values(job: jobs.Job) -> dict:
    """What the review form shows: metadata given with the upload over what was detected."""
    return asdict(job.meta.merged_over(job.detected))


@bp.app_context_processor
def _names():
    from search_app.views import LANG_NAMES

    return {"meta_labels": meta_labels, "lang_names": LANG_NAMES}


@bp.app_template_global()
def meta_changes(before: dict, after: dict) -> list[tuple[str, str, str]]:
    """(field, before, after) for each metadata field an audit entry changed."""
    names = [f.name for f in fields(DocMeta)]
    return [(n, str(before.get(n, "") or ""), str(after.get(n, "") or "")) for n in names
            if (before.get(n) or "") != (after.get(n) or "")]


LIST_LIMIT = 200


def _matching(docs: list, text: str) -> list:
    """Documents whose title, symbol, file name or id contain `text` (case and accents
    folded), newest first."""
    from indexer.text import fold

    wanted = fold(text.strip())
    if wanted:
        docs = [d for d in docs if wanted in fold(" ".join(
            (d.meta.title, d.meta.symbol, d.file, d.doc_id, d.meta.series)))]
    return sorted(docs, key=lambda d: d.added, reverse=True)


@bp.route("/")
def dashboard():
    text = request.args.get("q", "")[:200]
    everything = _documents(None)
    sections = {name: _matching([d for d in everything if d.status == name], text)
                for name in (DocStatus.ACTIVE, DocStatus.TRASH, DocStatus.SUPERSEDED)}
    return render_template("staff/dashboard.html", uploads=jobs.recent(_settings(), limit=20),
                           sections=sections, q=text, limit=LIST_LIMIT)


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    settings = _settings()
    if request.method == "POST":
        files = [f for f in request.files.getlist("files") if f and (f.filename or "")]
        if not files:
            flash(_("Choose at least one file."), "error")
        elif len(files) > MAX_FILES:
            flash(_("At most %(n)s files at a time.", n=MAX_FILES), "error")
        else:
            meta = meta_from_form(request.form)
            version_of = request.form.get("version_of", "")
            batch = jobs.new_id()
            for f in files:
                job = jobs.stage(settings, _actor(), f.filename or "", f.stream, batch)
                if meta != DocMeta() or version_of:
                    jobs.set_given(settings, job.job_id, meta, version_of)
            _wake_worker()
            return redirect(url_for("staff.batch", batch=batch))
    return render_template("staff/upload.html", documents=_documents(DocStatus.ACTIVE),
                           series=SERIES, max_mb=settings.max_file_bytes // 10**6,
                           max_files=MAX_FILES), 200 if request.method == "GET" else 400


@bp.route("/uploads/<batch>")
def batch(batch: str):
    items = jobs.in_batch(_settings(), batch)
    if not items:
        return render_template("error.html", status=404, title=_("Not found"),
                               message=_("No such upload.")), 404
    working = any(j.state in (jobs.JobState.ANALYSING, jobs.JobState.QUEUED,
                              jobs.JobState.INDEXING) for j in items)
    reviewing = any(j.state == jobs.JobState.REVIEW for j in items)
    # The page reloads itself while files are processed, but never under a review form
    # someone may be typing in.
    return render_template("staff/batch.html", batch=batch, items=items,
                           busy=working and not reviewing, working=working,
                           documents=_documents(DocStatus.ACTIVE), series=SERIES)


def review_names(job_id: str) -> str:
    """The prefix of one file's fields in its batch's review form."""
    return f"j{job_id}-"


def _keep_drafts(batch: str) -> None:
    """Keep what staff typed for every file of the batch's review form (all files' fields
    come with any of its buttons), so that confirming, discarding or saving one file loses
    no edit made on another when the page reloads."""
    settings = _settings()
    for job in jobs.in_batch(settings, batch):
        names = review_names(job.job_id)
        if job.state == jobs.JobState.REVIEW and names + "title" in request.form:
            jobs.set_given(settings, job.job_id, meta_from_form(request.form, names),
                           request.form.get(names + "version_of", ""))


@bp.route("/uploads/<batch>/save", methods=["POST"])
def save_batch(batch: str):
    if not jobs.in_batch(_settings(), batch):
        return render_template("error.html", status=404, title=_("Not found"),
                               message=_("No such upload.")), 404
    _keep_drafts(batch)
    flash(_("Saved. Nothing is indexed until you confirm."), "ok")
    return redirect(url_for("staff.batch", batch=batch))


@bp.route("/jobs/<job_id>/confirm", methods=["POST"])
def confirm(job_id: str):
    job = jobs.get(_settings(), job_id)
    names = review_names(job_id)
    if names + "title" in request.form:  # the batch's review form: every file's fields
        _keep_drafts(job.batch)
    else:
        names = ""  # a form of this file alone
    job = jobs.confirm(_settings(), job_id, meta_from_form(request.form, names),
                       request.form.get(names + "version_of", ""))
    _wake_worker()
    return redirect(url_for("staff.batch", batch=job.batch))


@bp.route("/jobs/<job_id>/discard", methods=["POST"])
def discard(job_id: str):
    job = jobs.get(_settings(), job_id)
    _keep_drafts(job.batch)
    job = jobs.discard(_settings(), job_id)
    return redirect(url_for("staff.batch", batch=job.batch))


@bp.app_template_global()
def review_flag(flag: str, row: dict) -> str:
    """Why a passage is flagged on review, in the UI language."""
    from search_app.views import LANG_NAMES

    if flag == "one-line":
        return _("a single line")
    if flag == "heading":
        return _("looks like a heading")
    if flag == "jump":
        return _("numbering jumps (after %(before)s)", before=row.get("jump_from") or "?")
    if flag == "language":
        lang = row.get("lang", "")
        return _("in another language (%(lang)s)", lang=LANG_NAMES.get(lang, lang))
    return flag


@bp.route("/d/<doc_id>")
def document(doc_id: str):
    with service().store() as st:
        doc = st.get_document(doc_id)
        history = st.audit_log(limit=50, doc_id=doc_id)
        replaced_by = st.replaced_by(doc_id)
        warnings = st.warnings(doc_id)
    others = [d for d in _documents(DocStatus.ACTIVE) if d.doc_id != doc_id]
    from indexer.versions import works as versions

    linked, suggested = [], []
    if doc.status == DocStatus.ACTIVE:
        with service().store() as st:
            linked = versions.versions(st, doc_id)
            suggested = versions.suggestions(st, doc_id)
    return render_template("staff/document.html", doc=doc, meta=asdict(doc.meta),
                           history=history, replaced_by=replaced_by, warnings=warnings,
                           series=SERIES, documents=others,
                           linked=linked if len(linked) > 1 else [], suggested=suggested,
                           reason_label=suggestion_reason)


def suggestion_reason(reason: str) -> str:
    """A reason from indexer.versions.suggestions in the UI language."""
    if reason == "same title":
        return _("same title")
    if reason == "similar symbol":
        return _("similar symbol (same committee and number, another session)")
    share = reason.split("%")[0]
    if share.isdigit():
        return _("%(share)s%% of the wording shared", share=share)
    return reason


@bp.route("/d/<doc_id>/link", methods=["POST"])
def link(doc_id: str):
    """Link another document (with its language versions) as a version of this one's work:
    each changed document is edited through the pipeline (re-indexed, in the audit log)."""

    other = (request.form.get("other") or "").strip()
    if not other:
        flash(_("Choose the document to link as a version."), "error")
        return redirect(url_for("staff.document", doc_id=doc_id))
    _document(other)  # an unknown document is a 404
    library.link(doc_id, other, _settings(), actor=_actor())
    flash(_("Linked: the two documents are versions of one text and can be compared."), "ok")
    return redirect(url_for("staff.document", doc_id=doc_id))


@bp.route("/d/<doc_id>/edit", methods=["POST"])
def edit(doc_id: str):
    given = meta_from_form(request.form)
    if not given.title:
        flash(_("A title is needed."), "error")
        return redirect(url_for("staff.document", doc_id=doc_id))
    names = list(META_FIELDS)
    version_of = request.form.get("version_of", "")
    if version_of and version_of != doc_id:
        given.work = library.version_work(version_of, _settings(), actor=_actor())
        names.append("work")
    doc = library.edit(doc_id, given, _settings(), actor=_actor(), fields=names)
    flash(_("Saved. The document's passages carry the new metadata."), "ok")
    return redirect(url_for("staff.document", doc_id=doc.doc_id))


@bp.route("/d/<doc_id>/replace", methods=["POST"])
def replace(doc_id: str):
    f = request.files.get("file")
    if not f or not f.filename:
        flash(_("Choose the file of the new revision."), "error")
        return redirect(url_for("staff.document", doc_id=doc_id))
    _document(doc_id)  # an unknown document is a 404 before anything is staged
    job = jobs.stage(_settings(), _actor(), f.filename, f.stream, jobs.new_id(),
                     replaces=doc_id)
    _wake_worker()
    return redirect(url_for("staff.batch", batch=job.batch))


@bp.route("/d/<doc_id>/remove", methods=["POST"])
def remove(doc_id: str):
    library.remove(doc_id, _settings(), actor=_actor())
    flash(_("Moved to the trash. It can be restored from there."), "ok")
    return redirect(url_for("staff.document", doc_id=doc_id))


@bp.route("/d/<doc_id>/restore", methods=["POST"])
def restore(doc_id: str):
    library.restore(doc_id, _settings(), actor=_actor())
    flash(_("Restored: the document is searchable again."), "ok")
    return redirect(url_for("staff.document", doc_id=doc_id))


@bp.route("/d/<doc_id>/purge", methods=["POST"])
def purge(doc_id: str):
    _document(doc_id)  # an unknown document is a 404, confirmed or not
    if request.form.get("confirm") != "purge":
        flash(_("Tick the box to confirm that the document is to be deleted for good."),
              "error")
        return redirect(url_for("staff.document", doc_id=doc_id))
    library.purge(doc_id, _settings(), actor=_actor())
    flash(_("Deleted for good."), "ok")
    return redirect(url_for("staff.dashboard"))


@bp.route("/log")
def log():
    return render_template("staff/log.html", entries=library.audit_log(_settings(), limit=500))
