"""Merging duplicates: one request absorbs another the customer filed about the same thing.

The absorbed request is closed and its open clocks are cancelled with the cause "merged" (a
cancelled clock counts neither as met nor as breached); nothing of its history is rewritten.
Its timeline, communications, the customer's replies and its files are shown on the survivor
(:func:`request_family`), and its tracking code leads the customer to the survivor. The
absorbed case's customer is told by e-mail which tracking code their case goes on under
(:func:`~requests_desk.cases.messages.merge_notice_enqueue`)."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.deadlines import deadline_cancel
from requests_desk.cases import clocks as desk_clocks
from requests_desk.cases._common import bump, lock
from requests_desk.cases.errors import DeskError, StaleEdit
from requests_desk.cases.messages import merge_notice_enqueue
from requests_desk.cases.requests import _set_status
from requests_desk.models import Activity, ActivityEvent, ActivityKind, Request
from requests_desk.vocabulary import ClockCause, Status


def request_merge(
    survivor: Request,
    *,
    actor,
    absorbed: Request,
    version: int | None = None,
    note: str = "",
) -> Activity:
    """``survivor`` absorbs ``absorbed``; the line on the survivor's timeline.

    ``version`` is the survivor's as the actor saw it. Both must be cases of the same
    organisation (the customer following either code sees the survivor); the survivor must be
    open, and neither may already have been merged. Requests the absorbed one had absorbed
    before are the survivor's from now on."""
    if survivor.pk == absorbed.pk:
        raise DeskError({"duplicate": [_("A request cannot absorb itself.")]})
    now = timezone.now()
    with transaction.atomic():
        # Locked in id order, so two merges of the same pair cannot deadlock.
        first, second = sorted((survivor, absorbed), key=lambda r: r.pk)
        locked = {r.pk: lock(r) for r in (first, second)}
        keeper, duplicate = locked[survivor.pk], locked[absorbed.pk]
        _require_mergeable(keeper, duplicate, version=version)
        cancelled = _cancel_clocks(duplicate, into=keeper, actor=actor, now=now)
        Request.objects.filter(merged_into=duplicate).update(merged_into=keeper)
        old_status = duplicate.status
        if old_status != Status.CLOSED:
            _set_status(duplicate, Status.CLOSED, at=now)
        duplicate.merged_into = keeper
        bump(duplicate, "merged_into")
        Activity.objects.create(
            request=duplicate,
            kind=ActivityKind.STATUS,
            event=ActivityEvent.MERGED_INTO,
            at=now,
            recorded_at=now,
            actor=actor,
            text=note,
            from_status=old_status,
            to_status=Status.CLOSED,
            public=True,
            data={"into": _named(keeper), "clocks": cancelled},
        )
        line = Activity.objects.create(
            request=keeper,
            kind=ActivityKind.NOTE,
            event=ActivityEvent.MERGED,
            at=now,
            recorded_at=now,
            actor=actor,
            text=note,
            data={"absorbed": _named(duplicate), "clocks": cancelled},
        )
        bump(keeper)
        desk_clocks.next_due_refresh(duplicate)
        merge_notice_enqueue(duplicate, survivor=keeper)
    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    # It has absorbed one now: its family is read again (a subquery), however it was read.
    survivor.__dict__.pop("absorbed_any", None)
    return line


def request_family(request: Request) -> QuerySet[Request] | list[int]:
    """``request`` and the requests it absorbed, whose lines and files it shows, for
    ``request_id__in=`` (no query of its own): a queryset, read as a subquery — or, for a
    request read ``with_absorbed()`` that absorbed none (most), its id alone."""
    if getattr(request, "absorbed_any", None) is False:
        return [request.pk]
    return Request.objects.filter(Q(pk=request.pk) | Q(merged_into=request))


def request_survivor(request: Request) -> Request:
    """The request a merged one leads to (itself when it was not merged)."""
    return request.merged_into if request.merged_into_id else request


def _require_mergeable(keeper: Request, duplicate: Request, *, version: int | None) -> None:
    if version is not None and int(version) != keeper.version:
        raise StaleEdit(
            _("Someone changed this request since you opened it; reload and try again.")
        )
    if keeper.merged_into_id is not None:
        raise DeskError({"__all__": [_("This request was itself merged into another.")]})
    if not keeper.is_open:
        raise DeskError({"status": [_("The request is closed; reopen it to change it.")]})
    if duplicate.merged_into_id is not None:
        raise DeskError({"duplicate": [_("That request was already merged into another.")]})
    if duplicate.customer.organisation_id != keeper.customer.organisation_id:
        raise DeskError(
            {
                "duplicate": [
                    _(
                        "Only a case of the same organisation can be merged: its customer "
                        "would follow this one."
                    )
                ]
            }
        )


def _cancel_clocks(duplicate: Request, *, into: Request, actor, now) -> list[dict]:
    """Cancel the duplicate's open clocks (a breach already recorded stays one); what was
    cancelled, as codes for the timeline."""
    cancelled = []
    for clock in desk_clocks.live_clocks(duplicate):
        deadline_cancel(
            clock,
            at=max(now, clock.started_at),
            cause="merged",
            actor=actor,
            cause_data={"code": ClockCause.MERGED, "into": into.tracking_code},
        )
        cancelled.append({"event": "cancelled", "code": clock.commitment_code})
    return cancelled


def _named(request: Request) -> dict:
    return {"id": request.pk, "tracking_code": request.tracking_code, "subject": request.subject}
