"""``requests/bulk/``: one change on many requests, each row checked and reported alone."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response

from requests_desk.cases.bulk import requests_bulk_apply
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import IsDeskUser
from requests_desk.desk.bulk_forms import BulkForm


class BulkSerializer(FormSerializer):
    form_class = BulkForm
    help_texts = {
        "rows": "The requests to change, each as `id:version` (the version you read).",
        "assignee": "A user id (action `reassign`).",
        "team": "A team code (action `move_team`).",
        "status": "The new status (action `set_status`).",
    }

    def form_kwargs(self) -> dict:
        return {"user": self.context["request"].user, "teams_by": "code"}


OUTCOMES = inline_serializer(
    "BulkOutcome",
    {
        "applied": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "rows": inline_serializer(
            "BulkRow",
            {
                "id": serializers.IntegerField(),
                "tracking_code": serializers.CharField(),
                "applied": serializers.BooleanField(),
                "errors": serializers.DictField(child=serializers.ListField()),
            },
            many=True,
        ),
    },
)


class BulkView(generics.GenericAPIView):
    serializer_class = BulkSerializer
    permission_classes = [permissions.IsAuthenticated, IsDeskUser]

    @extend_schema(
        summary="Reassign, move or change the status of many requests",
        description="Each row is checked alone (your divisions, its `version`, the status "
        "flow) in its own transaction: a refused row is listed with its errors and never "
        "blocks the others. Answers 200 with each row's outcome; a bad body is a 400.",
        responses={200: OUTCOMES},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with desk_errors():
            outcomes = requests_bulk_apply(
                actor=request.user, **serializer.form.service_arguments()
            )
        rows = [
            {
                "id": o.request_id,
                "tracking_code": o.tracking_code,
                "applied": o.applied,
                "errors": o.errors,
            }
            for o in outcomes
        ]
        applied = sum(o.applied for o in outcomes)
        return Response({"applied": applied, "refused": len(rows) - applied, "rows": rows})
