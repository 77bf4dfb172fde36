"""Sign-in for the pages, rate-limited per client address and username (brute force)."""

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import SimpleRateThrottle


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
