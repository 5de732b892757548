"""The one way a view reaches a client record."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from clients.models import Client, CrisisEvent, FollowUp


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


def get_follow_up_for_user(request: HttpRequest, client_pk: uuid.UUID, pk: uuid.UUID) -> FollowUp:
    """Follow-up ``pk`` of client ``client_pk``, if the logged-in user is the client's
    therapist; Http404 otherwise, as get_client_for_user. Comes with its client and the
    client's data key (one query)."""
    follow_up = (
        FollowUp.objects.for_therapist(request.user)
        .select_related("client__data_key")
        .filter(pk=pk, client_id=client_pk)
        .first()
    )
    if follow_up is None:
        raise Http404("No such follow-up.")
    return follow_up


def get_crisis_event_for_client(client: Client, pk: uuid.UUID | None) -> CrisisEvent | None:
    """Crisis event ``pk`` of ``client`` (already reached through get_client_for_user),
    or None when ``pk`` is None; Http404 when the client has no such event."""
    if pk is None:
        return None
    event = CrisisEvent.objects.filter(pk=pk, client=client).first()
    if event is None:
        raise Http404("No such crisis event.")
    event.client = client
    return event
