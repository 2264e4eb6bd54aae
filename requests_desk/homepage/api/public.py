"""The public API: what the homepage's forms do, for clients without an account.

No authentication (so no CSRF cookie either): these views accept anyone, and answer only what
the caller proved they may see. Rate limits as on the forms (``services.abuse``): 429.
"""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.memo import catalogue_pinned
from commitments.parsers import BoundedJSONParser
from requests_desk.cases.attachments import TooLarge
from requests_desk.cases.errors import DeskError
from requests_desk.cases.messages import tracking_link
from requests_desk.desk.api.errors import field_errors
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.homepage.forms import ComplaintForm
from requests_desk.homepage.services.abuse import (
    client_address,
    decoy_tracking_code,
    email_check,
    honeypot_hit,
    lookup_check,
    reach_us,
    submission_check,
)
from requests_desk.homepage.services.public import case_find, case_public, complaint_submit


class ComplaintSerializer(FormSerializer):
    """A complaint, inquiry or request, read through the homepage's form."""

    form_class = ComplaintForm
    help_texts = {
        "occasion": "For `unkind_service`: when, where and who (required then).",
        "service": "A service code; leave out when not sure (the request is routed for you).",
        "consent": "Must be true: consent to the collection and use of the personal data given.",
        "attachment": "Multipart only. pdf, png, jpg, txt, csv, xlsx, docx or hwp, checked by "
        "content; at most CHARTER_ATTACHMENT_MAX_BYTES (5 MB by default).",
        "website": "Leave empty.",
    }


class ComplaintReceiptSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    track_url = serializers.CharField()


class PublicEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="`communication`, `customer_message` or `status`.")
    label = serializers.CharField()
    text = serializers.CharField()
    detail = serializers.CharField()


class PublicCaseSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(source="request.tracking_code")
    subject = serializers.CharField(source="request.subject")
    status = serializers.CharField()
    status_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    expected_completion = serializers.DateField(allow_null=True)
    answer_due = serializers.DateTimeField(allow_null=True)
    timeline = PublicEntrySerializer(source="entries", many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class OnCallSerializer(serializers.Serializer):
    service = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField()


class LimitedSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="When to try again and whom to call, in words.")
    phone = serializers.CharField(help_text="Our phone number (may be empty).")
    emergency_contacts = OnCallSerializer(many=True, help_text="On call at night and holidays.")


def refused(verdict) -> Response:
    reach = reach_us()
    return Response(
        {
            "detail": verdict.in_words,
            "phone": reach["phone"],
            "emergency_contacts": reach["on_call"],
        },
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(verdict.retry_after)},
    )


LIMITED = OpenApiResponse(
    LimitedSerializer, description="Too many submissions: try later, or call us meanwhile."
)


class PublicAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ComplaintView(PublicAPIView):
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="public_complaint_create",
        summary="File a complaint, inquiry or request (no account)",
        description="Creates a request of channel `homepage` with its clocks "
        "(`common.homepage-input`; complaints also `voice.complaint-feedback`), and e-mails "
        "the tracking code. JSON, or multipart with an `attachment`. Limits: "
        "`CHARTER_PUBLIC_PER_IP_HOUR` (20) and `CHARTER_PUBLIC_PER_IP_DAY` (240) per address, "
        "the same per e-mail (valid submissions only) and per e-mail and client network.",
        request={
            "application/json": ComplaintSerializer,
            "multipart/form-data": ComplaintSerializer,
        },
        responses={
            201: ComplaintReceiptSerializer,
            400: OpenApiResponse(description="Field errors: `{field: [message, …]}`."),
            413: OpenApiResponse(description="Body or attachment too large."),
            429: LIMITED,
        },
        tags=["public"],
    )
    @catalogue_pinned()
    def post(self, request):
        data = request.data
        if not isinstance(data, Mapping):
            # A JSON list, string, number or null: nothing to read fields from.
            return Response(
                {"detail": _("Send the complaint as a JSON object of its fields.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        verdict = submission_check(
            address=client_address(request), email=str(data.get("email", "") or "")
        )
        if not verdict.allowed:
            return refused(verdict)
        upload = request.FILES.get("attachment")
        if upload is not None and upload.size > settings.CHARTER_ATTACHMENT_MAX_BYTES:
            return Response(
                field_errors(TooLarge()), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        if honeypot_hit(data):
            code = decoy_tracking_code()
            return Response(
                {"tracking_code": code, "track_url": tracking_link(get_language())},
                status=status.HTTP_201_CREATED,
            )
        serializer = ComplaintSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        verdict = email_check(email=serializer.form.cleaned_data["email"])
        if not verdict.allowed:
            return refused(verdict)
        try:
            case = complaint_submit(**serializer.form.submission(), language=get_language())
        except DeskError as error:
            return Response(field_errors(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"tracking_code": case.tracking_code, "track_url": tracking_link(get_language())},
            status=status.HTTP_201_CREATED,
        )


class TrackView(PublicAPIView):
    @extend_schema(
        operation_id="public_track_retrieve",
        summary="A case's public status, by tracking code and the e-mail given",
        description="The same 404 for an unknown code as for a wrong e-mail. What staff told "
        "the customer and the customer's own messages; never internal notes.",
        parameters=[OpenApiParameter("email", str, required=True, description="The e-mail given.")],
        responses={200: PublicCaseSerializer, 404: DetailSerializer, 429: LIMITED},
        tags=["public"],
    )
    def get(self, request, tracking_code: str):
        verdict = lookup_check(address=client_address(request))
        if not verdict.allowed:
            return refused(verdict)
        case = case_find(tracking_code=tracking_code, email=request.query_params.get("email"))
        if case is None:
            return Response(
                {"detail": _("No case with this tracking code and e-mail.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(PublicCaseSerializer(case_public(case)).data)
