"""``certificates/``, ``handovers/``, ``test-windows/``, ``trainings/``, ``deliveries/``: the
records through the API, with the same services and forms as their pages.

Each record's viewset is made by :func:`record_viewset` from its pages (:class:`RecordPages`):
list and read (scoped to the caller's divisions; another division's record is a 404), create
(a 403 in a division the caller does not work in; 400 with field errors), and one ``POST``
endpoint per action of the detail page, reading that action's form. Every representation lists
its ``deadlines`` like a request's."""

from collections import defaultdict

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.models import Deadline
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import IsDeskUser, require_division, scoped
from requests_desk.desk.api.serializers import (
    CustomerInputSerializer,
    CustomerSerializer,
    DeskModelSerializer,
    RequestDeadlineSerializer,
    clocks_shown,
)
from requests_desk.models import (
    Certificate,
    CustomerContact,
    Delivery,
    Handover,
    TestWindow,
    Training,
)
from requests_desk.records.desk import CERTIFICATES, DELIVERIES, HANDOVERS, TEST_WINDOWS, TRAININGS
from requests_desk.records.pages import RecordAction, RecordPages


class RecordSerializer(DeskModelSerializer):
    """A record as the API shows it: its fields and its clocks (read for a whole page at once
    by :func:`attach_record_clocks`)."""

    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deadlines = serializers.SerializerMethodField()

    @extend_schema_field(RequestDeadlineSerializer(many=True))
    def get_deadlines(self, record) -> list[dict]:
        if not hasattr(record, "_api_clocks"):
            attach_record_clocks([record])
        return clocks_shown(self, record._api_clocks)


class WithCustomer(RecordSerializer):
    customer = CustomerSerializer(read_only=True)


def attach_record_clocks(records) -> None:
    records = list(records)
    if not records:
        return
    by_id = defaultdict(list)
    clocks = Deadline.objects.of_subjects(records[0].subject_type, [r.pk for r in records])
    for clock in clocks.order_by("started_at", "pk"):
        by_id[clock.subject_id].append(clock)
    for record in records:
        record._api_clocks = by_id[str(record.pk)]


def record_fields(pages: RecordPages, *extra: str) -> list[str]:
    """A record's fields in the API: what its page shows, and ``extra``."""
    return ["id", "division", *pages.details, *extra, "created_at", "deadlines"]


class CustomerInput(DeskModelSerializer):
    """A new record's customer: a nested ``customer`` (found by e-mail or created) or a
    ``customer_id``."""

    customer = CustomerInputSerializer(required=False)
    customer_id = serializers.PrimaryKeyRelatedField(
        queryset=CustomerContact.objects.all(), required=False
    )

    def validate(self, attrs):
        if ("customer" in attrs) == ("customer_id" in attrs):
            raise serializers.ValidationError(
                {"customer": [_("Give either a customer or a customer_id.")]}
            )
        return attrs


def _action_serializer(pages: RecordPages, act: RecordAction) -> type[FormSerializer]:
    return type(
        f"{pages.model.__name__}{act.slug.title().replace('-', '')}Serializer",
        (FormSerializer,),
        {"form_class": act.form, "__doc__": str(act.label)},
    )


def record_viewset(
    pages: RecordPages, *, output: type[RecordSerializer], create: type[serializers.Serializer]
) -> type[viewsets.GenericViewSet]:
    """The viewset of one record: list, read, create, and the actions of its pages."""
    name = str(pages.model._meta.verbose_name)

    def get_queryset(self):
        records = pages.model.objects.select_related(
            "division", *pages.select_related
        ).prefetch_related(*pages.prefetch_related)
        return scoped(records.order_by(*pages.model._meta.ordering), self.request)

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            args = (list(args[0]), *args[1:])
            attach_record_clocks(args[0])
        return output(*args, **kwargs)

    def answer(self, record, code=status.HTTP_200_OK):
        return Response(output(self.get_queryset().get(pk=record.pk)).data, code)

    @extend_schema(
        summary=f"Record a {name}; its clocks start", request=create, responses={201: output}
    )
    def create_view(self, request, *args, **kwargs):
        body = create(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        require_division(request, data.get("division"))
        with desk_errors():
            record = pages.create(actor=request.user, **data)
        return self.answer(record, status.HTTP_201_CREATED)

    members = {
        "permission_classes": [permissions.IsAuthenticated, IsDeskUser],
        "serializer_class": output,
        "queryset": pages.model.objects.none(),
        "get_queryset": get_queryset,
        "get_serializer": get_serializer,
        "answer": answer,
        "create": create_view,
        "__doc__": f"{pages.title}",
    }
    for act in pages.actions:
        members[act.slug.replace("-", "_")] = _action_view(pages, act, output)
    viewset = type(
        f"{pages.model.__name__}ViewSet",
        (mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet),
        members,
    )
    return extend_schema_view(
        list=extend_schema(summary=f"{pages.title} of your divisions"),
        retrieve=extend_schema(summary=f"One {name} with its clocks"),
    )(viewset)


def _action_view(pages: RecordPages, act: RecordAction, output):
    body_class = _action_serializer(pages, act)

    def view(self, request, pk=None):
        record = self.get_object()
        body = body_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with desk_errors():
            act.run(record, actor=request.user, **body.validated_data)
        return self.answer(record)

    view.__name__ = act.slug.replace("-", "_")
    view = action(detail=True, methods=["post"], url_path=act.slug, url_name=act.slug)(view)
    return extend_schema(summary=str(act.label), request=body_class, responses={200: output})(view)


# --- the records -----------------------------------------------------------------------------


class CertificateSerializer(WithCustomer):
    class Meta:
        model = Certificate
        fields = record_fields(CERTIFICATES)
        read_only_fields = fields


class CertificateCreateSerializer(CustomerInput):
    class Meta:
        model = Certificate
        fields = [
            "division",
            "customer",
            "customer_id",
            "product",
            "serial",
            "expires_on",
            "language",
        ]
        validators = []  # the service refuses a duplicate serial with a field error


CertificateViewSet = record_viewset(
    CERTIFICATES, output=CertificateSerializer, create=CertificateCreateSerializer
)


class HandoverSerializer(RecordSerializer):
    class Meta:
        model = Handover
        fields = record_fields(HANDOVERS)
        read_only_fields = fields


class HandoverCreateSerializer(DeskModelSerializer):
    class Meta:
        model = Handover
        fields = [
            "division",
            "outgoing",
            "incoming",
            "services",
            "parallel_from",
            "parallel_until",
            "target_minutes",
        ]


class TestWindowSerializer(RecordSerializer):
    customer = CustomerSerializer(read_only=True, allow_null=True)
    report_file = serializers.SerializerMethodField()

    class Meta:
        model = TestWindow
        fields = record_fields(TEST_WINDOWS, "report_file")
        read_only_fields = fields

    def get_report_file(self, window) -> str:
        """The report file's name ("" when none); staff download it from the desk page."""
        return window.report_file.name.rsplit("/", 1)[-1] if window.report_file else ""


class TestWindowCreateSerializer(CustomerInput):
    class Meta:
        model = TestWindow
        fields = [
            "division",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "owner",
            "customer",
            "customer_id",
        ]

    def validate(self, attrs):  # a test window names a customer only if it wants to
        return attrs


class TrainingSerializer(WithCustomer):
    reschedules = serializers.SerializerMethodField()

    class Meta:
        model = Training
        fields = record_fields(TRAININGS, "request", "reschedules")
        read_only_fields = fields

    def get_reschedules(self, training) -> list[dict]:
        """Each move of the promised day: from, to, who asked and why."""
        return [
            {
                "previous_on": change.previous_on.isoformat(),
                "promised_on": change.promised_on.isoformat(),
                "asked_by": change.asked_by,
                "reason": change.reason,
            }
            for change in training.reschedules.all()
        ]


class TrainingCreateSerializer(CustomerInput):
    class Meta:
        model = Training
        fields = [
            "division",
            "customer",
            "customer_id",
            "request",
            "topic",
            "requested_at",
            "promised_on",
        ]

    def validate(self, attrs):  # a training asked for by a request names its customer
        return attrs if attrs.get("request") else super().validate(attrs)


class DeliverySerializer(WithCustomer):
    inquiries = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = record_fields(DELIVERIES, "inquiries")
        read_only_fields = fields

    def get_inquiries(self, delivery) -> list[int]:
        """The requests opened by questions on this delivery."""
        return [inquiry.request_id for inquiry in delivery.inquiries.all()]


class DeliveryCreateSerializer(CustomerInput):
    class Meta:
        model = Delivery
        fields = ["division", "customer", "customer_id", "material", "delivered_by", "delivered_on"]


HandoverViewSet = record_viewset(
    HANDOVERS, output=HandoverSerializer, create=HandoverCreateSerializer
)
TestWindowViewSet = record_viewset(
    TEST_WINDOWS, output=TestWindowSerializer, create=TestWindowCreateSerializer
)
TrainingViewSet = record_viewset(
    TRAININGS, output=TrainingSerializer, create=TrainingCreateSerializer
)
DeliveryViewSet = record_viewset(
    DELIVERIES, output=DeliverySerializer, create=DeliveryCreateSerializer
)
