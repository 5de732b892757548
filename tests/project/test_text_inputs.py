"""Every text input refuses NUL and the Unicode bidi controls (U+202A to U+202E, U+2066
to U+2069) with a clear message, and keeps what was typed.

The walk is generic: every form class the project defines or uses (our packages' forms,
the admin's form for every registered model and its inlines, Django's auth forms), every
text field of each. A form added later is walked without changing this test."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

import clients
import crisisplan
import hotlines
from clients.models import Client
from crisisplan.core.models import User
from crisisplan.core.text import UNSAFE_TEXT_CODE, UNSAFE_TEXT_MESSAGE
from crisisplan.plans.models import Plan
from hotlines.models import OutdatedReport, Service
from tests.factory import editor_form_data, full_content, make_client, make_plan, make_service

UNSAFE = ["\x00", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
OUR_PACKAGES = (crisisplan, clients, hotlines)


def _import_every_module() -> None:
    for package in OUR_PACKAGES:
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in module.name or module.name.endswith(("settings", "wsgi", "asgi")):
                continue
            importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def _admin_forms() -> set[type]:
    """The admin's form (and inline forms) of every registered model, as a superuser
    gets them."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    made: set[type] = set()
    for model_admin in admin.site._registry.values():
        made.add(model_admin.get_form(request))
        for inline in model_admin.get_inline_instances(request):
            made.add(inline.get_formset(request).form)
    return made


def every_form_class() -> list[type]:
    _import_every_module()
    classes = _subclasses(forms.BaseForm) | _admin_forms()
    return sorted(classes, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _fields(form_class: type) -> dict[str, forms.Field]:
    """The form's fields: of an instance where the form can be made without arguments
    (fields added in __init__ included), else the declared ones."""
    try:
        return dict(form_class().fields)
    except Exception:  # a form that needs arguments (a user, a place)
        return dict(form_class.base_fields)


@pytest.mark.django_db
def test_every_text_field_of_every_form_refuses_nul_and_bidi_controls() -> None:
    walked_forms, walked_fields = set(), 0
    for form_class in every_form_class():
        if "base_fields" not in dir(form_class):
            continue  # BaseForm, BaseModelForm: no fields of their own
        for name, field in _fields(form_class).items():
            if not isinstance(field, forms.CharField):
                continue  # choices, dates, numbers, files: only their own values pass
            for character in UNSAFE:
                with pytest.raises(forms.ValidationError) as refused:
                    field.clean(f"Ab{character}c")
                codes = [error.code for error in refused.value.error_list]
                assert codes == [UNSAFE_TEXT_CODE], (form_class, name, hex(ord(character)))
            walked_fields += 1
            walked_forms.add(form_class)
    ours = {
        cls.__name__
        for cls in walked_forms
        if cls.__module__.startswith(("crisisplan", "clients", "hotlines"))
    }
    # The forms people type into, among others: a walk that found them.
    assert {
        "ClientForm",
        "CheckInForm",
        "CrisisEventForm",
        "RecordFollowUpForm",
        "ChangeNoteForm",
        "LinkForm",
        "PinForm",
        "ServiceAdminForm",
        "ContactMethodForm",
        "OutdatedReportForm",
        "LoginCodeForm",
        "TwoFactorSetupForm",
        "ConfirmPasswordForm",
    } <= ours
    assert {cls.__name__ for cls in walked_forms} >= {"AuthenticationForm", "PasswordResetForm"}
    assert walked_fields > 80


def test_ordinary_text_still_passes() -> None:
    field = forms.CharField()
    for text in [
        "Rana",
        "رنا حداد",
        "\u200f\u200e+961 3 123 456",
        "Zoë \u2013 quoted",
        "line\nbreak",
    ]:
        assert field.clean(text) == text.strip()


# --- through the pages: the message beside the field, nothing saved, nothing lost ------


@pytest.mark.django_db
def test_the_client_form_says_what_is_wrong_and_keeps_the_text(
    alice_client: HttpClient,
) -> None:
    name = "Rana\u202eahsim"  # shows as "Ranamisha"
    response = alice_client.post(
        reverse("clients:add"),
        {"preferred_name": name, "country": "LB", "notes": "Prefers\x00 evenings"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert str(UNSAFE_TEXT_MESSAGE) in page.replace("&#x27;", "'")
    assert page.count('class="errorlist') >= 2 or page.count(str(UNSAFE_TEXT_MESSAGE)[:40]) >= 2
    assert "ahsim" in page and "evenings" in page  # what was typed is still there
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_plan_editor_says_what_is_wrong_and_keeps_the_text(
    alice_client: HttpClient, alice: User
) -> None:
    plan = make_plan(make_client(alice, preferred_name="Robin"), full_content(1))
    data = editor_form_data(full_content(1), base=1)
    data["warning_signs-0-text"] = "Not sleeping\u2067 at all"
    response = alice_client.post(reverse("plans:edit", args=[plan.client.pk]), data)
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert str(UNSAFE_TEXT_MESSAGE)[:60] in page.replace("&#x27;", "'")
    assert "at all" in page
    assert Plan.objects.get().current_number == 1  # nothing saved


@pytest.mark.django_db
def test_the_report_form_and_the_admin_refuse_them_too(
    alice_client: HttpClient, alice: User
) -> None:
    service = make_service("Samaritans", country="GB", phone="116 123")
    response = alice_client.post(
        reverse("hotlines:report", args=[service.pk]), {"what_is_wrong": "Closed\u202a now"}
    )
    assert str(UNSAFE_TEXT_MESSAGE)[:60] in response.content.decode().replace("&#x27;", "'")
    assert not OutdatedReport.objects.exists()
    root = User.objects.create_superuser("root@example.com", "a long admin password")
    operator = HttpClient()
    operator.force_login(root)
    page = operator.get(reverse("admin:hotlines_service_change", args=[service.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = field.prepare_value(value) if value is not None else ""
    data["name"] = "Samaritans\u202e"
    response = operator.post(reverse("admin:hotlines_service_change", args=[service.pk]), data)
    assert str(UNSAFE_TEXT_MESSAGE)[:60] in response.content.decode().replace("&#x27;", "'")
    assert Service.objects.get().name == "Samaritans"
