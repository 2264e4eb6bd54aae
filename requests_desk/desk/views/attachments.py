"""Files on cases, handed out only to staff who may see the request's division (and, by the
tracking page, to the customer: ``public:track-attachment``)."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from requests_desk.cases.merge import request_family
from requests_desk.desk.views.common import desk_view, visible_request_or_404
from requests_desk.models import Attachment


@desk_view
def attachment(request, pk: int, attachment_pk: int):
    case = visible_request_or_404(request.user, pk)
    # The files of the duplicates it absorbed are shown, and handed out, on the survivor.
    row = get_object_or_404(Attachment, pk=attachment_pk, request_id__in=request_family(case))
    return attachment_download(row)


def attachment_download(row: Attachment) -> FileResponse:
    """The file as a download, never rendered in the portal's origin."""
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=row.original_name)
    response["Content-Type"] = row.content_type or "application/octet-stream"
    response["Cache-Control"] = "private, no-store"
    return response
