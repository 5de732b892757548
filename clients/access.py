"""The one way a view reaches a client record."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from clients.models import Client


def get_client_for_user(request: HttpRequest, pk: uuid.UUID) -> Client:
    """The client ``pk`` if the logged-in user is its therapist; Http404 otherwise.

    A missing client and another therapist's client answer alike, so ids cannot be
    probed. Curators (staff) are not clinicians: they too get 404 for anyone's client but
    their own. The data key is fetched with the client (one query, ready to decrypt).
    """
    client = (
        Client.objects.for_therapist(request.user).select_related("data_key").filter(pk=pk).first()
    )
    if client is None:
        raise Http404("No such client.")
    return client
