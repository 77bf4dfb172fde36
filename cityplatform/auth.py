"""Sign-in for the pages: rate-limited per client address and username (LOGIN_RATE), and the
answer of django-axes' lockout (per username whatever the address, and per address) on the
pages and the API alike."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cityplatform.throttling import SimpleRateThrottle


class LoginThrottle(SimpleRateThrottle):
    """The `login` rate of REST_FRAMEWORK's DEFAULT_THROTTLE_RATES (LOGIN_RATE, default 10/min)."""

    scope = "login"

    def get_cache_key(self, request, view) -> str:
        username = str(request.POST.get("username", "")).strip().lower()[:150]
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{username}",
        }


class ThrottledLoginView(LoginView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            wait = throttle.wait() or 60
            response = self.render_to_response(
                self.get_context_data(form=self.get_form(), throttled_for=int(wait) + 1), status=429
            )
            response["Retry-After"] = str(int(wait) + 1)
            return response
        return super().post(request, *args, **kwargs)


LOCKED_OUT = (
    "Too many failed sign-ins: this account, or this address, is locked for {minutes} minutes. "
    "An administrator can unlock it sooner."
)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; the API's error shape under /api/, the
    sign-in page saying it in words elsewhere (the admin's sign-in too)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = LOCKED_OUT.format(minutes=max(1, round(seconds / 60)))
    if request.path.startswith("/api/"):
        response = JsonResponse({"message": message, "extra": {"retry_after": seconds}}, status=429)
    else:
        form = AuthenticationForm(request, data=None)
        response = render(
            request, "registration/login.html", {"form": form, "locked_out": message}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
