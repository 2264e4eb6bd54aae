"""``requests/{id}/merge/``: the request absorbs a duplicate of the same organisation."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from requests_desk.cases.merge import request_merge
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.requests import (
    CONFLICT,
    RequestChildMixin,
    visible_requests,
)
from requests_desk.desk.api.serializers import RequestSerializer
from requests_desk.desk.forms import MergeForm
from requests_desk.models import Request


class MergeSerializer(FormSerializer):
    form_class = MergeForm
    help_texts = {
        "duplicate": "The tracking code of the request to absorb.",
        "version": "This request's version, as you read it.",
    }


class MergeView(RequestChildMixin, generics.GenericAPIView):
    serializer_class = MergeSerializer
    queryset = Request.objects.none()

    @extend_schema(
        summary="Absorb a duplicate",
        description="The duplicate (same organisation, of your divisions) is closed, its open "
        "clocks are cancelled with the cause `merged` (never counted as breached), its timeline "
        "and files show on this request, and its tracking code leads the customer here. A "
        "stale `version` is a **409**.",
        responses={200: RequestSerializer, 409: CONFLICT},
    )
    def post(self, request, request_pk: int):
        data = self.valid_data()
        duplicate = visible_requests(request).filter(tracking_code=data["duplicate"]).first()
        if duplicate is None:
            raise ValidationError({"duplicate": [_("No request of yours has this tracking code.")]})
        current = Request.objects.filter(pk=request_pk).values_list("version", flat=True)
        with desk_errors(current_version=current.first):
            request_merge(
                self.parent(),
                actor=request.user,
                absorbed=duplicate,
                version=data["version"],
                note=data.get("note") or "",
            )
        return self.request_answer()
