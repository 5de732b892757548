"""``python manage.py create_curator EMAIL``: an account that keeps the directory.

A curator is staff (reaches the admin) in the "Curators" group, whose permissions are
the directory's (the hotlines app's) and nothing else: no users, passwords, groups or
permissions, no audit log, and no client (curators are not clinicians). Superusers are
for operators only; never make a curator one.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crisisplan.core.models import User

CURATORS = "Curators"
# The directory's app label: its models (services, contact methods, reports...).
DIRECTORY_APP = "hotlines"


def curators_group() -> Group:
    """The Curators group, with exactly the directory's permissions (set again each time,
    so that a model added to the directory later is included)."""
    group, _created = Group.objects.get_or_create(name=CURATORS)
    group.permissions.set(Permission.objects.filter(content_type__app_label=DIRECTORY_APP))
    return group


class Command(BaseCommand):
    help = (
        "Create a curator: a staff account in the Curators group, with the directory's "
        "permissions only. Asks for the password (or reads one line from standard input)."
    )
    # call_command(..., stdin=...) in tests, as createsuperuser allows.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The curator's email address (their login).")
        parser.add_argument("--name", default="", help="The curator's name.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = User.objects.normalize_email(options["email"].strip()).lower()
        if "@" not in email:
            raise CommandError(f"“{email}” is not an email address.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(
                f"{email} already has an account. A curator has an account of their own, "
                "apart from any therapist's or operator's."
            )
        password = self._password(options.get("stdin") or sys.stdin, email)
        with transaction.atomic():
            user = User.objects.create_user(email, password, name=options["name"], is_staff=True)
            user.groups.add(curators_group())
        self.stdout.write(
            f"Curator {email} created: the admin's directory pages only. They set up "
            "two-step login at their first sign-in."
        )

    def _password(self, stdin: Any, email: str) -> str:
        if stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ: nothing was created.")
        else:
            password = stdin.readline().rstrip("\r\n")
        try:
            validate_password(password, User(email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was created.") from exc
        return password
