"""The saved searches' JSON API, described in /api/openapi.json (PATHS and SCHEMAS below,
merged into api.OPENAPI).

Anyone (no account): POST /api/alerts saves a search and answers its token once; the token
then reads it (GET /api/alerts/{token}), renames or pauses it (PATCH), deletes it (DELETE),
replaces the token (POST .../token), asks for an e-mail digest (POST .../email) and sets a
webhook (PUT .../webhook, which answers the signing secret once). GET /api/alerts/preview
counts the passages a search would have produced per month over the last year.

Staff (signed in; writes with the CSRF token in X-CSRFToken, as the pages' forms): GET
/api/staff/alerts lists every saved search with its counts, DELETE /api/staff/alerts/{id}
removes one, POST /api/staff/alerts/run matches and delivers what is due. These are the
command line's `alert add|list|remove|run`.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _

from indexer.alerts import mail, preview, render, searches, webhooks
from indexer.alerts.store import Item, SavedSearch
from indexer.errors import QueryError
from search_app import select_locale, service
from search_app.alerts import alerts_db, by_token, saved_id, settings
from search_app.auth import current_user

bp = Blueprint("alerts_api", __name__, url_prefix="/api/alerts")
staff_bp = Blueprint("staff_alerts_api", __name__, url_prefix="/api/staff/alerts")

ITEMS = 50


def _body() -> dict:
    """The JSON object sent, or the form's fields."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise QueryError("send a JSON object")
        return data
    return request.form.to_dict()


def saved_json(saved: SavedSearch, db) -> dict:
    hook = db.webhook(saved.id)
    return {"id": saved.id, "name": saved.name, "request": saved.request,
            "created": saved.created, "updated": saved.updated, "paused": saved.paused,
            "items": db.item_count(saved.id),
            "email_subscribers": len(db.subscriptions(saved.id)),
            "webhook": hook["url"] if hook else None}


def item_json(item: Item) -> dict:
    return render.as_json(item, url_for("ui.passage", passage_id=item.passage_id,
                                        _external=True))


@bp.post("")
def create():
    data = _body()
    req = searches.request_from(data)
    saved, token = searches.save(alerts_db(), settings(), req, str(data.get("name") or ""),
                                 select_locale())
    return jsonify({"id": saved.id, "token": token, "feed_url": searches.feed_path(token),
                    "name": saved.name, "request": saved.request}), 201


@bp.get("/preview")
def preview_counts():
    req = searches.request_from(request.args)
    searches.check(req, settings())
    return jsonify(preview.monthly(service(), req))


@bp.route("/<token>", methods=["GET", "PATCH", "DELETE"])
def one(token: str):
    """Read (GET), rename or pause (PATCH), delete (DELETE) a saved search."""
    saved = by_token(token)
    db = alerts_db()
    if request.method == "DELETE":
        db.delete(saved.id)
        return "", 204
    if request.method == "PATCH":
        data = _body()
        if "name" in data:
            saved = searches.rename(db, saved, str(data["name"] or ""))
        if "paused" in data:
            if not isinstance(data["paused"], bool):
                raise QueryError("paused must be true or false")
            saved = db.update(saved.id, paused=data["paused"])
        return jsonify(saved_json(saved, db))
    return jsonify({**saved_json(saved, db), "feed_url": searches.feed_path(token),
                    "latest": [item_json(i) for i in db.items(saved.id, limit=ITEMS)]})


@bp.post("/<token>/token")
def new_token(token: str):
    saved = by_token(token)
    fresh = alerts_db().replace_token(saved.id)
    return jsonify({"id": saved.id, "token": fresh, "feed_url": searches.feed_path(fresh)})


@bp.post("/<token>/email")
def email(token: str):
    saved = by_token(token)
    data = _body()
    mail.subscribe(alerts_db(), settings(), saved, str(data.get("address") or ""),
                   str(data.get("frequency") or "daily"), select_locale())
    return jsonify({"status": "confirmation sent"}), 202


@bp.route("/<token>/webhook", methods=["PUT", "DELETE"])
def webhook(token: str):
    """Set (PUT: answers the signing secret once) or remove (DELETE) the webhook."""
    saved = by_token(token)
    if request.method == "DELETE":
        alerts_db().remove_webhook(saved.id)
        return "", 204
    url = webhooks.check_url(str(_body().get("url") or ""), settings())
    secret = alerts_db().set_webhook(saved.id, url)
    return jsonify({"url": url, "secret": secret,
                    "signature": {"header": webhooks.SIGNATURE,
                                  "timestamp_header": webhooks.TIMESTAMP,
                                  "delivery_header": webhooks.DELIVERY,
                                  "scheme": "sha256=HMAC-SHA256(secret, timestamp + '.' + "
                                            "body), hexadecimal"}})


# ------------------------------------------------------------------ staff


@staff_bp.before_request
def _staff_only():
    if not current_user():
        abort(401, description=_("Sign in as staff to make changes."))


@staff_bp.get("")
def staff_list():
    rows = alerts_db().overview()
    return jsonify({"total": len(rows), "alerts": [
        {"id": r["search"].id, "name": r["search"].name, "request": r["search"].request,
         "created": r["search"].created, "paused": r["search"].paused, "items": r["items"],
         "last_item": r["last_item"] or None, "email_subscribers": r["subscribers"],
         "unconfirmed": r["unconfirmed"], "webhooks": r["webhooks"],
         "failed_attempts": r["failures"]} for r in rows]})


@staff_bp.delete("/<search_id>")
def staff_remove(search_id: str):
    alerts_db().delete(saved_id(search_id), actor=f"web:{current_user()}")
    return "", 204


@staff_bp.post("/run")
def staff_run():
    from indexer.alerts.delivery import run

    return jsonify(run(settings()).to_json())


# ------------------------------------------------------------------ OpenAPI

def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_ERR = {"$ref": "#/components/responses/Error"}
_TOKEN = {"name": "token", "in": "path", "required": True,
          "description": "The saved search's token (answered once, when it was saved or its "
                         "token replaced)", "schema": {"type": "string"}}
_REQ_PROPS = {"q": {"type": "string"}, "lang": {"type": "string"},
              "series": {"type": "string"}, "year": {"type": "string"},
              "topic": {"type": "string"}, "same_language": {"type": "boolean"},
              "expand": {"type": "boolean"}}
_SAVED_PROPS = {"id": {"type": "integer"}, "name": {"type": "string"},
                "request": _ref("AlertRequest"), "created": {"type": "string"},
                "updated": {"type": "string"}, "paused": {"type": "boolean"},
                "items": {"type": "integer", "description": "items found so far"},
                "email_subscribers": {"type": "integer",
                                      "description": "confirmed e-mail digests"},
                "webhook": {"type": ["string", "null"]}}
_ITEM_PROPS = {**{k: {"type": "string"} for k in (
    "id", "passage_id", "doc_id", "title", "document", "symbol", "paragraph", "locator",
    "lang", "url", "text", "highlighted", "citation", "created")},
    "change": {"type": "string", "enum": ["new", "changed", "added"],
               "description": "new: a new document's passage; changed or added: a "
                              "paragraph a new revision changed or added"},
    "matched": {"type": "array", "items": {"type": "string"},
                "description": "the words of the passage the search matched"},
    "concepts": {"type": "array", "description": "thesaurus concepts of the query the "
                 "passage matched through another language's term",
                 "items": {"type": "object", "properties": {
                     "query": {"type": "string"}, "term": {"type": "string"},
                     "lang": {"type": "string"}}, "required": ["query", "term", "lang"]}},
    "versions": {"type": "object", "additionalProperties": {"type": "string"},
                 "description": "language -> passage id of the same paragraph"}}
_ITEM_PROPS["id"]["description"] = "stable entry id (the feed's, the e-mail's, the webhook's)"
_ITEM_PROPS["highlighted"]["description"] = "the text as escaped HTML, matches in <mark>"
_CREATE_BODY = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {**_REQ_PROPS, "name": {"type": "string"}}}}}}


def _ok(desc: str, schema: dict) -> dict:
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


def _json_body(props: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": props, "required": required}}}}


PATHS = {
    "/api/alerts": {"post": {
        "summary": "Save a search (no account); answers its token once",
        "requestBody": _CREATE_BODY,
        "responses": {"201": _ok("The saved search and its token", {
            "type": "object", "properties": {
                "id": {"type": "integer"}, "token": {"type": "string"},
                "feed_url": {"type": "string", "description": "/feeds/<token>.atom"},
                "name": {"type": "string"}, "request": _ref("AlertRequest")},
            "required": ["id", "token", "feed_url", "name", "request"]}),
            "400": _ERR, "503": _ERR}}},
    "/api/alerts/preview": {"get": {
        "summary": "Passages a search would have produced per month over the last year "
                   "(in the documents that became searchable that month)",
        "parameters": [{"name": k, "in": "query", "required": False,
                        "schema": {"type": "string"}} for k in _REQ_PROPS],
        "responses": {"200": _ok("Counts by month", {
            "type": "object", "properties": {
                "months": {"type": "array", "items": {"type": "object", "properties": {
                    "month": {"type": "string"}, "passages": {"type": "integer"}},
                    "required": ["month", "passages"]}},
                "total": {"type": "integer"}}, "required": ["months", "total"]}),
            "400": _ERR, "503": _ERR}}},
    "/api/alerts/{token}": {
        "get": {"summary": "A saved search with its newest items", "parameters": [_TOKEN],
                "responses": {"200": _ok("The saved search", {
                    "type": "object", "properties": {
                        **_SAVED_PROPS, "feed_url": {"type": "string"},
                        "latest": {"type": "array", "items": _ref("AlertItem")}},
                    "required": [*_SAVED_PROPS, "feed_url", "latest"]}), "404": _ERR}},
        "patch": {"summary": "Rename or pause (paused: true) / resume a saved search",
                  "parameters": [_TOKEN],
                  "requestBody": _json_body({"name": {"type": "string"},
                                             "paused": {"type": "boolean"}}, []),
                  "responses": {"200": _ok("The saved search", _ref("SavedSearch")),
                                "400": _ERR, "404": _ERR}},
        "delete": {"summary": "Delete a saved search, its items, e-mails and webhook",
                   "parameters": [_TOKEN],
                   "responses": {"204": {"description": "Deleted"}, "404": _ERR}}},
    "/api/alerts/{token}/token": {"post": {
        "summary": "Replace the token (the old one, and its feed address, stop working)",
        "parameters": [_TOKEN],
        "responses": {"200": _ok("The new token", {"type": "object", "properties": {
            "id": {"type": "integer"}, "token": {"type": "string"},
            "feed_url": {"type": "string"}}, "required": ["id", "token", "feed_url"]}),
            "404": _ERR}}},
    "/api/alerts/{token}/email": {"post": {
        "summary": "Ask for an e-mail digest: a confirmation e-mail goes to the address "
                   "(double opt-in). 400 where the server sends no e-mail",
        "parameters": [_TOKEN],
        "requestBody": _json_body({"address": {"type": "string"},
                                   "frequency": {"type": "string",
                                                 "enum": ["daily", "weekly"]}}, ["address"]),
        "responses": {"202": _ok("Confirmation sent", {"type": "object", "properties": {
            "status": {"type": "string"}}}), "400": _ERR, "404": _ERR, "503": _ERR}}},
    "/api/alerts/{token}/webhook": {
        "put": {"summary": "Set the webhook: each batch of new items is POSTed to it as JSON, "
                           "signed with HMAC-SHA256; answers the secret once",
                "parameters": [_TOKEN],
                "requestBody": _json_body({"url": {"type": "string"}}, ["url"]),
                "responses": {"200": _ok("The webhook and its secret", {
                    "type": "object", "properties": {
                        "url": {"type": "string"}, "secret": {"type": "string"},
                        "signature": {"type": "object", "properties": {
                            k: {"type": "string"} for k in (
                                "header", "timestamp_header", "delivery_header", "scheme")}}},
                    "required": ["url", "secret", "signature"]}), "400": _ERR, "404": _ERR}},
        "delete": {"summary": "Remove the webhook", "parameters": [_TOKEN],
                   "responses": {"204": {"description": "Removed"}, "404": _ERR}}},
    "/api/staff/alerts": {"get": {
        "summary": "Staff: every saved search with its counts (`index.py alert list`)",
        "responses": {"200": _ok("Saved searches", {"type": "object", "properties": {
            "total": {"type": "integer"},
            "alerts": {"type": "array", "items": _ref("StaffAlert")}},
            "required": ["total", "alerts"]}), "401": _ERR}}},
    "/api/staff/alerts/{search_id}": {"delete": {
        "summary": "Staff: remove a saved search (`index.py alert remove ID`)",
        "parameters": [{"name": "search_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"204": {"description": "Removed"}, "401": _ERR, "404": _ERR}}},
    "/api/staff/alerts/run": {"post": {
        "summary": "Staff: match new documents and deliver what is due (`index.py alert "
                   "run`)",
        "responses": {"200": _ok("What was done", {"type": "object"}), "401": _ERR}}},
}

SCHEMAS = {
    "AlertRequest": {"type": "object", "properties": _REQ_PROPS, "required": list(_REQ_PROPS)},
    "SavedSearch": {"type": "object", "properties": _SAVED_PROPS,
                    "required": list(_SAVED_PROPS)},
    "AlertItem": {"type": "object", "properties": _ITEM_PROPS, "required": list(_ITEM_PROPS)},
    "StaffAlert": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "request": _ref("AlertRequest"), "created": {"type": "string"},
        "paused": {"type": "boolean"}, "items": {"type": "integer"},
        "last_item": {"type": ["string", "null"]}, "email_subscribers": {"type": "integer"},
        "unconfirmed": {"type": "integer"}, "webhooks": {"type": "integer"},
        "failed_attempts": {"type": "integer"}},
        "required": ["id", "name", "request", "created", "paused", "items", "last_item",
                     "email_subscribers", "unconfirmed", "webhooks", "failed_attempts"]},
}


def extend(spec: dict) -> None:
    """Add the saved searches' paths and schemas to the API's OpenAPI description."""
    spec["paths"].update(PATHS)
    spec["components"]["schemas"].update(SCHEMAS)
