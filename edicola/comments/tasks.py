"""Background entry points of the discussion: load by id, call a service, nothing more."""

from django.tasks import task

from . import privacy


@task()
def purge_networks_task() -> int:
    """Clear networks past retention (privacy.purge_networks); safe to run any number of times."""
    return privacy.purge_networks()
