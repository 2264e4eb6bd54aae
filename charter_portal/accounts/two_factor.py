"""The second factor: enrolment (a QR code for an authenticator app, then one code to confirm
it) and the code step after the password. Until a user who owes it has passed, every page
sends them to that step, and the API (by session) answers 403."""

import base64
import io
from base64 import b32encode
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from charter_portal.accounts.rules import ENROL, VERIFY, pending_step

# Pages a user who owes the second factor may still open.
OPEN_DURING_SIGN_IN = {ENROL, VERIFY, "logout", "set_language", "healthz"}
DEVICE_NAME = "authenticator"
# This session's user was found to owe nothing: not asked again on every request.
CLEARED_KEY = "charter_two_factor_cleared"


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not (token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("Enter the six digits your app shows."))
        return token


def next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an inline SVG image (no external service sees the secret)."""
    image = io.BytesIO()
    write_qrcode_image(device.config_url, image)
    return "data:image/svg+xml;base64," + base64.b64encode(image.getvalue()).decode()


@never_cache
@login_required
def enrol(request):
    """Set up an authenticator app: scan the code, type the first code it shows."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(next_page(request))
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "qr": qr_data_uri(device),
            "secret": b32encode(device.bin_key).decode(),
            "next": next_page(request),
        },
    )


@never_cache
@login_required
def verify(request):
    """The code step after the password."""
    if pending_step(request.user) != VERIFY:
        return redirect(next_page(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_page(request))
        form.add_error("token", _("That code is not right, or was used already."))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": next_page(request)}
    )


class TwoFactorMiddleware:
    """Sends a signed-in user who owes the second factor to its step (after django-otp's
    ``OTPMiddleware``, which tells whether this session passed it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_DURING_SIGN_IN:
            return None
        user = request.user
        if not user.is_authenticated or request.session.get(CLEARED_KEY) == user.pk:
            return None
        step = pending_step(user)
        if step is None:
            request.session[CLEARED_KEY] = user.pk
            return None
        if request.path.startswith("/api/"):
            message = _("Finish signing in with your second factor first.")
            return JsonResponse({"detail": message}, status=403)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
