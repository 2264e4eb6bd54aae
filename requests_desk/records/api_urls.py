from rest_framework.routers import SimpleRouter

from requests_desk.records import api

router = SimpleRouter()
router.register("certificates", api.CertificateViewSet, basename="certificate")

urlpatterns = router.urls
