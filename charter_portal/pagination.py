from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Every list is paginated with a ``next`` link; ``page_size`` is accepted up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
