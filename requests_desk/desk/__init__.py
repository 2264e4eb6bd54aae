"""The staff desk: the queue, request entry, lists, the request page and its actions, and the
staff REST API. Writes go through :mod:`requests_desk.cases`."""
