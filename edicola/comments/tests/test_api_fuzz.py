"""The JSON API fuzzed from its own OpenAPI document with schemathesis, against the live test
server: every operation, valid and invalid input, and no answer may be a server error or differ
from what the document promises (status codes, content types, headers, response bodies).

The run is bounded and repeatable: a fixed number of examples per operation, derandomised. Half
of the generated ids are replaced by those of a real article and comment, so the fuzzing reaches
the services and not only the 404 path.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from edicola.comments import openapi
from edicola.comments.tests.factories import make_comment, make_commentable_article, relax_limits
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA

# A longer run for the record: EDICOLA_FUZZ_EXAMPLES=800 (same command)
EXAMPLES_PER_OPERATION = int(os.environ.get("EDICOLA_FUZZ_EXAMPLES", "150"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(openapi.schema())


@pytest.fixture
def discussion(
    request, transactional_db, django_db_serialized_rollback, django_db_blocker, settings
):
    """An article and a comment, committed so the live server sees them; what migrations
    created comes back after the test (see live_news_site in the news tests' conftest)."""
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    relax_limits(settings)
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none", "MIN_FORM_SECONDS": 0}
    article = make_commentable_article("Il telefono messo alla prova")
    comment = make_comment(article, body="Un commento su cui votare.")
    return {"article_id": article.pk, "comment_id": comment.pk}


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, live_server, discussion):
    for name, real in discussion.items():
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = real
    case.call_and_validate(
        base_url=f"{live_server.url}/api/commenti",
        headers={"Sec-Fetch-Site": "same-origin"},
        checks=CHECKS,
    )
