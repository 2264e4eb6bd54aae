from rest_framework.routers import DefaultRouter

from commitments.api import CommitmentViewSet

router = DefaultRouter()
router.register("commitments", CommitmentViewSet, basename="commitment")

urlpatterns = router.urls
