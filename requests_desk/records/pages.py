"""The staff pages every record has, written once: list, detail, new, edit, and its actions.

A record's pages are a :class:`RecordPages`: its model, its forms, the services that write it
and the actions its detail page offers (each a form and a service). Access is by division like
requests: the lists show the records of the user's divisions, another division's record is a
404, recording in one a form error."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.common import clock_row, desk_view
from requests_desk.records.common import division_allowed, records_visible

PAGE_SIZE = 25
#: Every record's pages, in the order the records' menu shows them.
REGISTRY: list["RecordPages"] = []


@dataclass
class Link:
    """A line of a record's related list that leads somewhere."""

    label: str
    href: str


@dataclass
class RecordAction:
    """An act on a record, from its detail page: ``run(record, actor=, **cleaned)``. An act
    that sends the customer a message says what it will send: ``preview(record)``, the
    messages (:class:`requests_desk.records.messages.RecordMessage`) shown above its form."""

    slug: str
    label: str
    form: type
    run: Callable
    done: str = ""
    preview: Callable | None = None

    def form_kwargs(self, request) -> dict:
        """Each action's form on the page has its own element ids (several take an ``at``)."""
        return {"user": request.user, "auto_id": f"{self.slug}-%s"}


@dataclass
class RecordPages:
    model: type
    slug: str  # the URL segment, e.g. "certificates"
    title: str  # plural, for the list
    new_form: type
    create: Callable  # create(actor=, **service_arguments)
    edit_form: type | None = None
    update: Callable | None = None  # update(record, actor=, **cleaned)
    columns: list[str] = field(default_factory=list)  # attributes shown in the list
    details: list[str] = field(default_factory=list)  # attributes shown on the detail page
    actions: list[RecordAction] = field(default_factory=list)
    related: Callable | None = None  # record -> [(heading, [str, …])]
    select_related: tuple = ()
    prefetch_related: tuple = ()
    extra_links: list[tuple[str, str]] = field(default_factory=list)  # (url name, label)

    def __post_init__(self) -> None:
        REGISTRY.append(self)

    def name(self, what: str = "") -> str:
        return f"{self.slug}-{what}" if what else self.slug

    def visible(self, user):
        return (
            records_visible(self.model, user)
            .select_related(*self.select_related)
            .prefetch_related(*self.prefetch_related)
        )

    def urls(self) -> list:
        return [
            path(f"{self.slug}/", self.list_view, name=self.name("list")),
            path(f"{self.slug}/new/", self.new_view, name=self.name("new")),
            path(f"{self.slug}/<int:pk>/", self.detail_view, name=self.name()),
            path(f"{self.slug}/<int:pk>/edit/", self.edit_view, name=self.name("edit")),
            path(f"{self.slug}/<int:pk>/<slug:act>/", self.action_view, name=self.name("act")),
        ]

    # --- views ---------------------------------------------------------------------------

    @property
    def list_view(self):
        @desk_view
        def view(request):
            records = self.visible(request.user).order_by(*self.model._meta.ordering)
            page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
            rows = [(record, [_cell(record, name) for name in self.columns]) for record in page]
            return render(
                request,
                "requests_desk/records/list.html",
                {
                    "pages": self,
                    "all_pages": REGISTRY,
                    "page": page,
                    "rows": rows,
                    "headings": [_label(self.model, name) for name in self.columns],
                },
            )

        return view

    @property
    def new_view(self):
        @desk_view
        def view(request):
            form = self.new_form(request.POST or None, request.FILES or None, user=request.user)
            if request.method == "POST" and form.is_valid():
                arguments = form.service_arguments()
                try:
                    division_allowed(request.user, arguments.get("division"))
                    record = self.create(actor=request.user, **arguments)
                except ValidationError as error:
                    add_service_errors(form, error, getattr(form, "ERROR_FIELDS", None))
                else:
                    messages.success(request, _("Recorded."))
                    return redirect(f"desk-records:{self.name()}", pk=record.pk)
            return render(
                request,
                "requests_desk/records/form.html",
                {"pages": self, "all_pages": REGISTRY, "form": form, "heading": _("New")},
                status=400 if request.method == "POST" else 200,
            )

        return view

    def _record(self, user, pk):
        return get_object_or_404(self.visible(user), pk=pk)

    def _render_detail(self, request, record, *, forms=None, status=200):
        forms = forms or {}
        now = timezone.now()
        return render(
            request,
            "requests_desk/records/detail.html",
            {
                "pages": self,
                "all_pages": REGISTRY,
                "record": record,
                "details": [(_label(self.model, n), _cell(record, n)) for n in self.details],
                "clocks": [clock_row(clock, now) for clock in record.clocks()],
                "actions": [
                    (
                        action,
                        forms.get(action.slug) or action.form(**action.form_kwargs(request)),
                        action.preview(record) if action.preview else None,
                    )
                    for action in self.actions
                ],
                "related": self.related(record) if self.related else [],
                "history": record.history.select_related("history_user").order_by("-history_date")[
                    :20
                ],
            },
            status=status,
        )

    @property
    def detail_view(self):
        @desk_view
        def view(request, pk):
            return self._render_detail(request, self._record(request.user, pk))

        return view

    @property
    def edit_view(self):
        @desk_view
        def view(request, pk):
            if self.edit_form is None:
                raise Http404
            record = self._record(request.user, pk)
            initial = {name: getattr(record, name) for name in self.edit_form.base_fields}
            form = self.edit_form(request.POST or None, initial=initial, user=request.user)
            if request.method == "POST" and form.is_valid():
                try:
                    self.update(record, actor=request.user, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect(f"desk-records:{self.name()}", pk=record.pk)
            return render(
                request,
                "requests_desk/records/form.html",
                {
                    "pages": self,
                    "all_pages": REGISTRY,
                    "form": form,
                    "record": record,
                    "heading": _("Edit"),
                },
                status=400 if request.method == "POST" else 200,
            )

        return view

    @property
    def action_view(self):
        @desk_view
        @require_POST
        def view(request, pk, act):
            action = next((a for a in self.actions if a.slug == act), None)
            if action is None:
                raise Http404
            record = self._record(request.user, pk)
            form = action.form(request.POST, request.FILES or None, **action.form_kwargs(request))
            if form.is_valid():
                try:
                    action.run(record, actor=request.user, **form.cleaned_data)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, action.done or _("Recorded."))
                    return redirect(f"desk-records:{self.name()}", pk=record.pk)
            record.refresh_from_db()
            return self._render_detail(request, record, forms={act: form}, status=400)

        return view


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _cell(record, name: str) -> str:
    value = getattr(record, name)
    if hasattr(record, f"get_{name}_display"):
        return getattr(record, f"get_{name}_display")()
    if hasattr(value, "all"):  # many-to-many
        return ", ".join(str(item) for item in value.all())
    if value is None or value == "":
        return "—"
    if hasattr(value, "astimezone"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "name") and not isinstance(value, str) and hasattr(value, "code"):
        return value.name  # a division or service, in the active language
    return str(value)
