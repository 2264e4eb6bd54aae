"""``calls/``: phone calls logged by the desk; each opens or joins a request."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from requests_desk import cases
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.permissions import scoped, valid_in_own_division
from requests_desk.desk.api.serializers import (
    CallbackSerializer,
    CallCreateSerializer,
    CallSerializer,
)
from requests_desk.desk.paging import CallKeysetPagination
from requests_desk.models import PhoneCall, Request

CALL_RELATIONS = ("division", "service", "organisation")


def reread(pk: int) -> PhoneCall:
    """The call as the services left it, for the answer."""
    return PhoneCall.objects.select_related(*CALL_RELATIONS).get(pk=pk)


class CallFilter(filters.FilterSet):
    division = filters.CharFilter(field_name="division__code", help_text="A division code.")
    request = filters.NumberFilter(field_name="request_id", help_text="A request id.")
    person_absent = filters.BooleanFilter()

    class Meta:
        model = PhoneCall
        fields = ["division", "request", "person_absent"]


@extend_schema_view(
    list=extend_schema(summary="Phone calls of your divisions, newest first"),
    retrieve=extend_schema(summary="One phone call"),
    create=extend_schema(
        summary="Log a phone call",
        description="Without `request` the call opens a request (kind `support_inquiry` unless "
        "given) whose clocks start; with one, it joins that request. Rings decide "
        "`phone.answer-3-rings` and `phone.late-apology`; an absent person in charge owes a "
        "call-back. A division you do not belong to is a **403**.",
        request=CallCreateSerializer,
        responses={201: CallSerializer},
    ),
)
class CallViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CallSerializer
    queryset = PhoneCall.objects.none()
    filterset_class = CallFilter
    pagination_class = CallKeysetPagination

    def get_queryset(self):
        calls = PhoneCall.objects.select_related(*CALL_RELATIONS).order_by("-received_at", "-id")
        return scoped(calls, self.request)

    def create(self, request, *args, **kwargs):
        data = valid_in_own_division(CallCreateSerializer, request)
        data["customer"] = data.pop("customer_id", None)
        request_id = data.pop("request", None)
        if request_id is not None:
            data["request"] = scoped(Request.objects.all(), request).filter(pk=request_id).first()
            if data["request"] is None:
                raise ValidationError({"request": [_("No such request in your divisions.")]})
        with desk_errors():
            call = cases.call_log(actor=request.user, **data)
        return Response(CallSerializer(reread(call.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the call-back (stops the call-back clocks)",
        request=CallbackSerializer,
        responses={200: CallSerializer},
    )
    @action(detail=True, methods=["post"], serializer_class=CallbackSerializer)
    def callback(self, request, pk=None):
        call = self.get_object()
        serializer = CallbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with desk_errors():
            cases.call_record_callback(
                call, actor=request.user, at=serializer.validated_data.get("at")
            )
        return Response(CallSerializer(reread(call.pk)).data)
