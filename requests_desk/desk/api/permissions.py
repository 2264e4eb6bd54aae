"""Who may see and act on what, enforced in the querysets (SPEC §1, commitments.access).

Staff see and change the requests, calls and clocks of their divisions, managers those of the
division(s) they head or manage in, admins all. An object outside the caller's divisions is a
404 (its existence is not leaked); creating in a division the caller cannot see is a 403."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from commitments.access import divisions_of, is_desk_user


class IsDeskUser(BasePermission):
    """The desk's API is for the people who work the desk (staff, or members of a team)."""

    def has_permission(self, request, view) -> bool:
        return is_desk_user(request.user)


def caller_divisions(request) -> set[int] | None:
    """The caller's divisions, read once per API request (``None``: all)."""
    if not hasattr(request, "_desk_divisions"):
        request._desk_divisions = divisions_of(request.user)
    return request._desk_divisions


def scoped(queryset, request, *, field: str = "division_id"):
    divisions = caller_divisions(request)
    if divisions is None:
        return queryset
    return queryset.filter(**{f"{field}__in": divisions})


def require_division(request, division) -> None:
    """Refuse (403) to act in a division the caller cannot see."""
    divisions = caller_divisions(request)
    if division is not None and divisions is not None and division.pk not in divisions:
        raise PermissionDenied(
            _("You may only work on cases of your own division(s); “%(code)s” is not one.")
            % {"code": division.code}
        )


def valid_in_own_division(serializer_class, request) -> dict:
    """The body, validated (a 400 if it is not), for a division the caller may act in (a 403
    if not)."""
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    require_division(request, data["division"])
    return data
