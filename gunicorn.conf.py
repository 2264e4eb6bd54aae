"""gunicorn's settings read from the working directory (the image's and bench/pages.py's):
each worker is made ready before it takes its first request (charter_portal/warm.py)."""


def post_worker_init(worker):
    from charter_portal.warm import catalogue_warm_up, startup_objects_freeze, warm_up

    try:
        warm_up()
    except Exception:
        # A worker that could not get ready still answers; its first requests pay for it.
        worker.log.exception("the web process could not be made ready in advance")
    try:
        catalogue_warm_up()
    except Exception as error:
        # The database or Redis is down: the first desk page reads the catalogue itself.
        worker.log.warning("the catalogue could not be read in advance: %s", error)
    startup_objects_freeze()
