"""Pages. Each view checks the role through the platform's one permission layer."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards.navigation import navigation_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/home.html", {"navigation": navigation_for(request.user)})
