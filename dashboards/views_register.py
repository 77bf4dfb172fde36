"""The camera register's pages: the public register with its map (no sign-in), the
supervisors' purpose register (edit, review, publish, link cameras), and the annual review
report (page, CSV, PDF). Views parse, call one cctv service or selector, render."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from cctv.choices import LawfulBasis
from cctv.register import selectors as selectors_register
from cctv.review import selectors as selectors_review
from cctv.services import register
from cityplatform.api import ApplicationError, parse_id
from cityplatform.permissions import has_perm
from dashboards.permissions import page_permission
from dashboards.review_render import review_csv, review_pdf, review_summary, review_tables
from dashboards.views import render_page

CHANGE_PURPOSE = "cctv.change_purpose"
PUBLISH_PURPOSE = "cctv.publish_purpose"
REVIEW_REPORT = "cctv.view_review_report"
PUBLIC_CACHE = "public, max-age=300"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class PurposeForm(forms.Form):
    """The purpose's fields as the page sends them; the service validates the rest (unique
    name, review dates in order) and says what is wrong."""

    name = forms.CharField(max_length=200)
    public_description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    lawful_basis = forms.ChoiceField(choices=LawfulBasis.choices, initial=LawfulBasis.PUBLIC_TASK)
    operator = forms.CharField(max_length=200)
    contact = forms.CharField(max_length=200)
    retention_days = forms.IntegerField(
        required=False, min_value=1, max_value=366, help_text="Empty: the platform's policy"
    )
    last_reviewed = forms.DateField(required=False, widget=_date_input())
    next_review = forms.DateField(required=False, widget=_date_input())

    @classmethod
    def of(cls, purpose) -> "PurposeForm":
        return cls(initial={name: getattr(purpose, name) for name in cls.base_fields})


class ReviewForm(forms.Form):
    next_review = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=2000)


def _in_words(error: ApplicationError | ValidationError) -> list[str]:
    if isinstance(error, ValidationError):
        return [f"{f.replace('_', ' ')}: {m}" for f, ms in error.message_dict.items() for m in ms]
    fields = error.extra.get("fields", {})
    return [error.message, *(f"{f.replace('_', ' ')}: {m}" for f, ms in fields.items() for m in ms)]


@require_safe
def camera_register(request: HttpRequest) -> HttpResponse:
    """/cameras/register/: every published camera in service, on a map and in a table."""
    entries = selectors_register.public_register()
    response = render_page(
        request,
        "dashboards/register/public.html",
        {
            "entries": entries,
            "register_map": {
                "tileUrl": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
                "center": [settings.SITE_LATITUDE, settings.SITE_LONGITUDE],
                "cameras": [[e.latitude, e.longitude, e.reference, e.purpose] for e in entries],
            },
        },
    )
    # A signed-in visitor's page carries their navigation: never in a shared cache.
    anonymous = not request.user.is_authenticated
    response["Cache-Control"] = PUBLIC_CACHE if anonymous else "private, no-cache"
    return response


@page_permission(CHANGE_PURPOSE)
def purposes(request: HttpRequest) -> HttpResponse:
    """The purpose register: every purpose, a form to add one."""
    problems: list[str] = []
    form = PurposeForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "cctv.add_purpose"):
            raise PermissionDenied("Your role may not add purposes.")
        if form.is_valid():
            try:
                purpose = register.purpose_create(data=form.cleaned_data, actor=request.user)
            except (ApplicationError, ValidationError) as error:
                problems = _in_words(error)
            else:
                messages.success(request, f"Purpose “{purpose.name}” added (not published).")
                return redirect(reverse("page-purpose", args=[purpose.pk]))
    return render_page(
        request,
        "dashboards/register/purposes.html",
        {
            "purposes": selectors_register.purposes_list(),
            "form": form,
            "problems": problems,
            "may_add": has_perm(request.user, "cctv.add_purpose"),
            "may_review": has_perm(request.user, REVIEW_REPORT),
            "now_year": timezone.localdate().year,
        },
        active="purposes",
    )


def _purpose_action(request: HttpRequest, purpose) -> list[str]:
    """One POST of the purpose page: save, review, publish/unpublish, link/unlink a camera."""
    action = request.POST.get("action", "")
    try:
        if action == "save":
            form = PurposeForm(request.POST)
            if not form.is_valid():
                return [f"{f.replace('_', ' ')}: {m}" for f, ms in form.errors.items() for m in ms]
            register.purpose_update(purpose=purpose, data=form.cleaned_data, actor=request.user)
        elif action in ("publish", "unpublish"):
            if not has_perm(request.user, PUBLISH_PURPOSE):
                raise PermissionDenied("Your role may not publish purposes.")
            register.purpose_publish(
                purpose=purpose, published=action == "publish", actor=request.user
            )
        elif action == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                return ["Give the date of the next review."]
            register.purpose_review(purpose=purpose, actor=request.user, **form.cleaned_data)
        elif action in ("link", "unlink"):
            camera = parse_id(request.POST.get("camera", ""))
            if camera is None:
                return ["Give the camera's number (its asset id)."]
            register.camera_purpose_set(
                camera_id=camera, purpose=purpose if action == "link" else None, actor=request.user
            )
        else:
            return [f"Unknown action “{action[:40]}”."]
    except (ApplicationError, ValidationError) as error:
        return _in_words(error)
    return []


@page_permission(CHANGE_PURPOSE)
def purpose_page(request: HttpRequest, pk: int) -> HttpResponse:
    purpose = selectors_register.purpose_get(pk)
    if purpose is None:
        raise Http404("No such purpose.")
    problems: list[str] = []
    if request.method == "POST":
        problems = _purpose_action(request, purpose)
        if not problems:
            messages.success(request, "Saved.")
            return redirect(reverse("page-purpose", args=[purpose.pk]))
        purpose = selectors_register.purpose_get(pk)
    return render_page(
        request,
        "dashboards/register/purpose.html",
        {
            "purpose": purpose,
            "form": PurposeForm.of(purpose),
            "review_form": ReviewForm(),
            "cameras": selectors_register.camera_purposes(purpose=purpose),
            "may_publish": has_perm(request.user, PUBLISH_PURPOSE),
            "problems": problems,
        },
        active="purposes",
    )


def _report(year: int) -> selectors_review.ReviewReport:
    if not selectors_review.review_years_valid(year):
        raise Http404(f"No review for {year}: a year from 2000 to this one.")
    return selectors_review.review_report(year=year)


@page_permission(REVIEW_REPORT)
@require_safe
def review(request: HttpRequest, year: int) -> HttpResponse:
    """/cctv/review/<year>/: the annual review (Surveillance Camera Code, principle 10)."""
    report = _report(year)
    return render_page(
        request,
        "dashboards/register/review.html",
        {
            "report": report,
            "summary": review_summary(report),
            "tables": review_tables(report)[1:],
            "years": [year - 1, year + 1]
            if selectors_review.review_years_valid(year + 1)
            else [year - 1],
        },
        active="purposes",
    )


@page_permission(REVIEW_REPORT)
@require_safe
def review_csv_file(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(year)
    response = HttpResponse("".join(review_csv(report)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cctv-review-{year}.csv"'
    return response


@page_permission(REVIEW_REPORT)
@require_safe
def review_pdf_file(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(year)
    body = review_pdf(report, title=f"CCTV annual review {year}")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="cctv-review-{year}.pdf"'
    return response
