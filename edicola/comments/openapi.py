"""The OpenAPI 3.1 description of the discussion's JSON API (api.py), served as
/api/commenti/openapi.json. Written by hand and kept next to the views it documents; the tests
validate it and check that every documented path answers."""

from copy import deepcopy

from django.conf import settings

from edicola.core.converters import MAX_ID

from .forms import EMAIL_MAX, NAME_MAX, NOTE_MAX, PAGE_MAX, URL_MAX, max_length
from .models import SORTS

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(description: str, schema: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if headers:
        response["headers"] = headers
    return response


def _error_refs(*statuses: str) -> dict:
    return {status: {"$ref": f"#/components/responses/{status}"} for status in statuses}


def _body(schema: str, description: str = "") -> dict:
    body = {"required": True, "content": {JSON: {"schema": _ref(schema)}}}
    if description:
        body["description"] = description
    return body


STRING_OR_NULL = {"type": ["string", "null"]}

SCHEMAS = {
    "Avatar": {
        "type": "object",
        "description": "A locally generated avatar: initials on one of eight colours.",
        "required": ["initials", "colour"],
        "properties": {
            "initials": {"type": "string", "maxLength": 2},
            "colour": {"type": "integer", "minimum": 0, "maximum": 7},
        },
    },
    "Author": {
        "type": "object",
        "description": "What readers see of a commenter. Never the e-mail address or network.",
        "required": ["name", "badge", "badge_label", "website", "avatar"],
        "properties": {
            "name": {"type": "string"},
            "badge": {
                "type": ["string", "null"],
                "enum": ["staff", "author", None],
                "description": "`staff` (editorial staff) or `author` (the article's author).",
            },
            "badge_label": {**STRING_OR_NULL, "description": "The badge, translated."},
            "website": {**STRING_OR_NULL, "format": "uri", "description": "http(s) only."},
            "avatar": _ref("Avatar"),
        },
    },
    "Comment": {
        "type": "object",
        "required": [
            "id",
            "parent",
            "depth",
            "status",
            "author",
            "html",
            "created",
            "edited",
            "score",
            "upvotes",
            "downvotes",
            "my_vote",
            "is_pinned",
            "permalink",
        ],
        "properties": {
            "id": {"type": "integer"},
            "parent": {"type": ["integer", "null"], "description": "The comment replied to."},
            "depth": {"type": "integer", "minimum": 0, "description": "0 for a top-level one."},
            "status": {
                "type": "string",
                "enum": ["approved", "removed", "pending"],
                "description": (
                    "`removed` is a placeholder kept for the thread's shape (no author, empty "
                    "`html`); `pending` only in the answer to its author's own request."
                ),
            },
            "author": {"oneOf": [_ref("Author"), {"type": "null"}]},
            "html": {
                "type": "string",
                "description": "The text rendered from its Markdown subset and sanitised.",
            },
            "created": {"type": "string", "format": "date-time"},
            "edited": {"type": ["string", "null"], "format": "date-time"},
            "score": {"type": "integer"},
            "upvotes": {"type": "integer", "minimum": 0},
            "downvotes": {"type": "integer", "minimum": 0},
            "my_vote": {
                "type": ["integer", "null"],
                "enum": [1, -1, 0, None],
                "description": "This reader's vote, or null when the reader is not known.",
            },
            "is_pinned": {"type": "boolean"},
            "permalink": {"type": "string", "description": "The article URL with an anchor."},
        },
    },
    "CommentNode": {
        "description": "A comment with its replies, in display order.",
        "allOf": [
            _ref("Comment"),
            {
                "type": "object",
                "required": ["replies"],
                "properties": {"replies": {"type": "array", "items": _ref("CommentNode")}},
            },
        ],
    },
    "Discussion": {
        "type": "object",
        "required": [
            "article",
            "comment_count",
            "thread_count",
            "sort",
            "page",
            "page_count",
            "showing_all",
            "version",
            "threads",
        ],
        "properties": {
            "article": {
                "type": "object",
                "required": ["id", "title", "url", "is_closed"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "is_closed": {"type": "boolean"},
                },
            },
            "comment_count": {"type": "integer", "description": "Published comments in all."},
            "thread_count": {"type": "integer", "description": "Top-level threads in all."},
            "sort": {"type": "string", "enum": list(SORTS)},
            "page": {"type": "integer", "minimum": 1},
            "page_count": {"type": "integer", "minimum": 1},
            "showing_all": {"type": "boolean"},
            "version": {
                "type": "integer",
                "description": "Changes whenever anything readers see in the discussion changes.",
            },
            "threads": {"type": "array", "items": _ref("CommentNode")},
        },
    },
    "NewComment": {
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {
                "type": "string",
                "minLength": 1,
                "description": (
                    "Markdown subset: paragraphs, bold, italic, links, inline code, quotes, "
                    "spoilers. At most `maxLength` characters once line ends, invisible "
                    "characters and surrounding blank space are normalised; not blank."
                ),
            },
            "name": {
                **STRING_OR_NULL,
                "maxLength": NAME_MAX,
                "description": "Required for guests; visible characters.",
            },
            "email": {
                **STRING_OR_NULL,
                "format": "email",
                "maxLength": EMAIL_MAX,
                "description": "Required for guests; never shown.",
            },
            "url": {
                **STRING_OR_NULL,
                "maxLength": URL_MAX,
                "description": "Optional website, http(s).",
            },
            "parent": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": MAX_ID,
                "description": "The id of the comment replied to, in the same article.",
            },
            "consent": {
                "type": "boolean",
                "description": "Guests must send true: they agree to the privacy notice.",
            },
            "notify": {
                "type": "boolean",
                "description": "Mail me replies to my comments here (guests confirm by e-mail).",
            },
        },
    },
    "CreatedComment": {
        "type": "object",
        "required": ["comment", "message"],
        "properties": {
            "comment": _ref("Comment"),
            "message": {"type": "string", "description": "Published, or awaiting moderation."},
            "edit_token": {
                "type": "string",
                "description": (
                    "Proof of authorship: send it in the X-Edit-Token header to edit or delete "
                    "the comment within the edit window. Bound to this comment only."
                ),
            },
        },
    },
    "CommentEdit": {
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {
                "type": "string",
                "minLength": 1,
                "description": "The new text; the same rules and limit as a new comment's.",
            },
            "edit_token": {**STRING_OR_NULL, "description": "Instead of the header."},
        },
    },
    "CommentDelete": {
        "type": "object",
        "properties": {"edit_token": STRING_OR_NULL},
    },
    "ChangedComment": {
        "type": "object",
        "required": ["comment", "message"],
        "properties": {"comment": _ref("Comment"), "message": {"type": "string"}},
    },
    "Vote": {
        "type": "object",
        "required": ["value"],
        "properties": {"value": {"type": "integer", "enum": [1, -1, 0]}},
        "description": "+1, -1, or 0 to withdraw the vote.",
    },
    "VoteResult": {
        "type": "object",
        "required": ["id", "score", "upvotes", "downvotes", "my_vote"],
        "properties": {
            "id": {"type": "integer"},
            "score": {"type": "integer"},
            "upvotes": {"type": "integer"},
            "downvotes": {"type": "integer"},
            "my_vote": {"type": "integer", "enum": [1, -1, 0]},
        },
    },
    "Report": {
        "type": "object",
        "required": ["reason"],
        "properties": {
            "reason": {"type": "string", "enum": ["spam", "offensive", "off_topic", "other"]},
            "note": {**STRING_OR_NULL, "maxLength": NOTE_MAX},
        },
    },
    "Acknowledgement": {
        "type": "object",
        "required": ["id", "message"],
        "properties": {"id": {"type": "integer"}, "message": {"type": "string"}},
    },
    "Errors": {
        "type": "object",
        "description": (
            "Translated messages by field; `__all__` holds those about the request as a whole."
        ),
        "required": ["message", "errors"],
        "properties": {
            "message": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

RESPONSES = {
    "400": _response("Invalid input: field errors; nothing was saved.", "Errors"),
    "403": _response(
        "Refused: the request came from another site, the discussion or the reply's thread is "
        "closed, or the edit token is missing, forged, expired or for another comment.",
        "Errors",
    ),
    "404": _response(
        "Unknown or unpublished article, unknown comment, or an address the API does not serve "
        "(such as an id that is not a number).",
        "Errors",
    ),
    "409": _response(
        "Conflict with the current state (e.g. a vote on your own comment).", "Errors"
    ),
    "413": _response("The body is larger than 64 KiB.", "Errors"),
    "415": _response("The body is not JSON.", "Errors"),
    "429": _response(
        "Too many requests from this reader, address or e-mail.",
        "Errors",
        {
            "Retry-After": {
                "description": "Seconds to wait.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    ),
}

PARAMETERS = {
    "article_id": {
        "name": "article_id",
        "in": "path",
        "required": True,
        "description": "The article's page id (data-article-id in the article's HTML).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    "comment_id": {
        "name": "comment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    },
    "edit_token": {
        "name": "X-Edit-Token",
        "in": "header",
        "required": False,
        "description": "The edit_token returned when the comment was created.",
        "schema": {"type": "string"},
    },
}


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


PATHS = {
    "/openapi.json": {
        "get": {
            "operationId": "getSchema",
            "summary": "This description",
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1 document.",
                    "content": {JSON: {"schema": {"type": "object"}}},
                }
            },
        }
    },
    "/articoli/{article_id}/": {
        "parameters": [_param("article_id")],
        "get": {
            "operationId": "listComments",
            "summary": "An article's discussion",
            "description": (
                "One page of top-level threads (20 by default) with their nested replies, in "
                "display order; a pinned comment comes first. Anonymous readers get an ETag and "
                "may revalidate with If-None-Match (answered 304)."
            ),
            "parameters": [
                {
                    "name": "sort",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(SORTS)},
                },
                {
                    "name": "page",
                    "in": "query",
                    "description": "Past the last page, the last page is returned.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
                },
                {
                    "name": "all",
                    "in": "query",
                    "description": "1 to return every thread on one page.",
                    "schema": {"type": "string", "enum": ["1", "true"]},
                },
            ],
            "responses": {
                "200": _response("The discussion.", "Discussion"),
                "304": {"description": "Not modified since the ETag given."},
                **_error_refs("400", "404"),
            },
        },
        "post": {
            "operationId": "postComment",
            "summary": "Post a comment or a reply",
            "description": (
                "Guests send name, e-mail and consent; logged-in readers send only the text. "
                "The moderation policy decides whether it is published at once or held."
            ),
            "requestBody": _body("NewComment"),
            "responses": {
                "201": _response("Saved.", "CreatedComment"),
                **_error_refs("400", "403", "404", "413", "415", "429"),
            },
        },
    },
    "/{comment_id}/": {
        "parameters": [_param("comment_id"), _param("edit_token")],
        "patch": {
            "operationId": "editComment",
            "summary": "Edit your comment within the edit window",
            "description": "Allowed for 15 minutes after posting and only while nobody replied.",
            "requestBody": _body("CommentEdit"),
            "responses": {
                "200": _response("Changed.", "ChangedComment"),
                **_error_refs("400", "403", "404", "413", "415", "429"),
            },
        },
        "delete": {
            "operationId": "deleteComment",
            "summary": "Delete your comment within the edit window",
            "description": "It becomes a removed placeholder. The body is optional.",
            "requestBody": {
                "required": False,
                "content": {JSON: {"schema": _ref("CommentDelete")}},
            },
            "responses": {
                "200": _response("Deleted.", "ChangedComment"),
                **_error_refs("400", "403", "404", "413", "415", "429"),
            },
        },
    },
    "/{comment_id}/voto/": {
        "parameters": [_param("comment_id")],
        "post": {
            "operationId": "voteComment",
            "summary": "Vote on a comment",
            "description": "One vote per reader (account, or guest cookie); not on your own.",
            "requestBody": _body("Vote"),
            "responses": {
                "200": _response("Counted.", "VoteResult"),
                **_error_refs("400", "403", "404", "409", "413", "415", "429"),
            },
        },
    },
    "/{comment_id}/segnalazione/": {
        "parameters": [_param("comment_id")],
        "post": {
            "operationId": "reportComment",
            "summary": "Report a comment to the moderators",
            "requestBody": _body("Report"),
            "responses": {
                "200": _response("Received.", "Acknowledgement"),
                **_error_refs("400", "403", "404", "409", "413", "415", "429"),
            },
        },
    },
}

DESCRIPTION = """\
The discussion under each article, as JSON: the same rules as the HTML forms (the same
service functions run behind both).

* **Languages.** Messages are Italian under `/api/commenti/` and English under
  `/en/api/commenti/`.
* **Origin.** Requests that change anything (POST, PATCH, DELETE) are accepted only from this
  site's own pages: the browser's `Sec-Fetch-Site` or `Origin` must name this site. Other
  origins get 403, and no CORS headers are sent.
* **Bodies** are JSON objects (`Content-Type: application/json`) of at most 64 KiB; each field
  must have the documented type.
* **Errors** are `{"message": "...", "errors": {"field": ["message"]}}` with a 4xx status;
  `__all__` holds errors about the request as a whole. Nothing is saved on an error.
* **Readers.** A guest is known by a signed cookie set on their first vote, report or comment;
  logged-in readers by their session. E-mail addresses and networks are never returned.
* **Editing.** Creating a comment returns `edit_token`; send it back in the `X-Edit-Token`
  header (or the `edit_token` field) to edit or delete that comment within the edit window.
"""


def schema() -> dict:
    """The OpenAPI document (a fresh copy: callers may change it), with the comment length
    this site is configured for (COMMENTS["MAX_LENGTH"])."""
    document = deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": f"{settings.WAGTAIL_SITE_NAME} comments API",
                "version": "1.0.0",
                "description": DESCRIPTION,
                "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            },
            "servers": [
                {"url": "/api/commenti", "description": "Italian messages"},
                {"url": "/en/api/commenti", "description": "English messages"},
            ],
            "paths": PATHS,
            "components": {
                "schemas": SCHEMAS,
                "responses": RESPONSES,
                "parameters": PARAMETERS,
            },
        }
    )
    for name in ("NewComment", "CommentEdit"):
        document["components"]["schemas"][name]["properties"]["body"]["maxLength"] = max_length()
    return document
