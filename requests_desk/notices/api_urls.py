from rest_framework.routers import SimpleRouter

from requests_desk.notices.api import AnnouncementViewSet, SuspensionViewSet

router = SimpleRouter()
router.register("suspensions", SuspensionViewSet, basename="suspension")
router.register("announcements", AnnouncementViewSet, basename="announcement")

urlpatterns = router.urls
