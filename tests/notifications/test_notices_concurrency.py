"""Two people publish the same notice at once, each on their own database connection
(committed data: ``committed_charter`` uses ``transactional_db``, and the charter is seeded
again after the flush): it is published once and each message written once."""

from notifications.models import Notification
from notifications.notices.models import SuspensionRecipient, SuspensionState
from notifications.notices.services import Addressee, NoticeError, suspension_publish
from tests.factories import UserFactory
from tests.notifications.notice_factories import planned
from tests.notifications.test_sweep_concurrency import in_threads
from tests.seoul import at, kst

AUDIENCE = [Addressee("email", "kim@example.com"), Addressee("sms", "010-1234-5678")]


def test_two_publishers_at_once_publish_the_notice_once(committed_charter):
    planner = UserFactory(username="concurrent-planner")
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))

        def publish():
            try:
                return suspension_publish(plan, audience=AUDIENCE, actor=planner)
            except NoticeError as refused:
                return refused

        outcomes = in_threads(publish, publish)

    refused = [o for o in outcomes if isinstance(o, NoticeError)]
    assert len(refused) == 1
    plan.refresh_from_db()
    assert plan.state == SuspensionState.PUBLISHED
    assert SuspensionRecipient.objects.filter(plan=plan).count() == 2
    assert Notification.objects.filter(subject_type="suspension", step="notice").count() == 2
