from django.urls import include, path

from requests_desk.desk.views import actions, attachments, bulk, detail, entry, lists, queue

app_name = "desk"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("new/", entry.new, name="new"),
    path("customers/search/", entry.customer_search, name="customer-search"),
    path("requests/", lists.request_list, name="request-list"),
    path("requests/bulk/", bulk.bulk_action, name="request-bulk"),
    path("requests/<int:pk>/", detail.request_detail, name="request-detail"),
    path(
        "requests/<int:pk>/clocks/<int:deadline_pk>/explain/",
        detail.clock_explain,
        name="clock-explain",
    ),
    path("requests/<int:pk>/communicate/", actions.communicate, name="communicate"),
    path("requests/<int:pk>/transfer/", actions.transfer, name="transfer"),
    path("requests/<int:pk>/status/", actions.set_status, name="status"),
    path("requests/<int:pk>/dates/", actions.set_dates, name="dates"),
    path("requests/<int:pk>/edit/", actions.edit, name="edit"),
    path("requests/<int:pk>/under-an-hour/", actions.under_an_hour, name="under-an-hour"),
    path("requests/<int:pk>/note/", actions.add_note, name="note"),
    path("requests/<int:pk>/accept-details/", actions.accept_details, name="accept-details"),
    path("requests/<int:pk>/visit/", actions.log_visit, name="visit"),
    path("requests/<int:pk>/callback/", actions.record_callback, name="callback"),
    path("requests/<int:pk>/merge/", actions.merge, name="merge"),
    path("", include("requests_desk.homepage.voice_urls")),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>/",
        attachments.attachment,
        name="attachment",
    ),
]
