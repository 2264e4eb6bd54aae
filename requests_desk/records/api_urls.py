from rest_framework.routers import SimpleRouter

from requests_desk.records import api

router = SimpleRouter()
router.register("certificates", api.CertificateViewSet, basename="certificate")
router.register("handovers", api.HandoverViewSet, basename="handover")
router.register("test-windows", api.TestWindowViewSet, basename="test-window")
router.register("trainings", api.TrainingViewSet, basename="training")
router.register("deliveries", api.DeliveryViewSet, basename="delivery")

urlpatterns = router.urls
