"""The ReBound intake endpoints and the push check, composed from the adapters and configuration.

- `REBOUND_WEBHOOK_AUTH` (`endpoint_auth`) authenticates every ReBound webhook: the contract's
  `/webhooks/rebound` and the published `/webhooks/rebound/tracking`.
- Pub/Sub pushes come from Google, not from ReBound: `/events/rebound` and `/events/commercetools`
  are checked by the push token and, when configured, Google's OIDC token (`push_auth`).
- `BACKFLOW_CAPTURE_UNKNOWN=1` keeps refused bodies, quarantined, with their credentials masked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from backflow.adapters.google.oidc import GoogleOidcVerifier
from backflow.adapters.google.push_auth import (
    PushAuthConfig,
    PushAuthConfigError,
    PushAuthenticator,
    PushRefused,
    push_auth_from_env,
)
from backflow.adapters.rebound import sftp_intake, tracking_snapshot
from backflow.adapters.rebound.config import ReboundConfigError
from backflow.adapters.rebound.endpoint_auth import (
    SECRET_VARIABLE,
    AuthenticationFailed,
    AuthScheme,
    EndpointAuth,
    authenticate,
    endpoint_auth_from_env,
)
from backflow.adapters.rebound.pubsub_push import parse_rebound_push
from backflow.adapters.rebound.sftp_config import SftpConfig, sftp_config_from_env
from backflow.adapters.rebound.sftp_intake import make_sftp_store
from backflow.adapters.rebound.sftp_poller import SftpFile, Verdict, run_sftp_poller
from backflow.adapters.rebound.signature import SIGNATURE_HEADER
from backflow.adapters.rebound.tracking import decode_tracking_update
from backflow.adapters.rebound.webhook import Capture as WebhookCapture
from backflow.app.core.settings import ConfigError
from backflow.app.entrypoints.http import rebound_intake
from backflow.app.entrypoints.http.capture import ALWAYS_MASKED, Capture
from backflow.app.entrypoints.http.intake import PushCheck, PushRefusal
from backflow.app.entrypoints.http.rebound_intake import ParsedReboundPush, Unauthenticated
from backflow.app.returns import tracking_intake
from backflow.app.runtime.supervisor import ActorFn
from backflow.app.runtime.wakeup import Nudge
from backflow.ports.clock import Clock
from backflow.ports.inbox import Inbox

# The app names the sources it handles; these are the adapter's, and must stay the same.
assert tracking_snapshot.SOURCE == tracking_intake.TRACKING_SOURCE == rebound_intake.TRACKING_SOURCE
assert sftp_intake.SOURCE == tracking_intake.SFTP_SOURCE
SFTP_INTAKE = "rebound-sftp-poller"


def endpoint_auth(env: Mapping[str, str], secrets: Sequence[str] | None = None) -> EndpointAuth:
    """`REBOUND_WEBHOOK_AUTH` over the given secrets (tests) or `REBOUND_WEBHOOK_SECRET`."""
    if secrets is not None:
        env = {**env, SECRET_VARIABLE: ",".join(secrets)}
    try:
        return endpoint_auth_from_env(env)
    except ReboundConfigError as exc:
        raise ConfigError(str(exc)) from exc


def masked_headers(auth: EndpointAuth) -> frozenset[str]:
    """The credentials a capture masks: the usual ones, the signature, and the configured header."""
    extra = {SIGNATURE_HEADER.lower()}
    if auth.scheme is AuthScheme.HEADER and auth.header_name:
        extra.add(auth.header_name.lower())
    return ALWAYS_MASKED | extra


def tracking_authenticator(auth: EndpointAuth, clock: Clock) -> rebound_intake.Authenticate:
    def check(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        try:
            return dict(authenticate(auth, headers, body, now=clock.now().timestamp()).kept_headers)
        except AuthenticationFailed as failed:
            raise Unauthenticated(failed.reason) from None

    return check


def tracking_dedupe_key(body: bytes) -> str:
    """Raises ValueError (`MalformedTrackingUpdate`) when the body is not a tracking update."""
    return decode_tracking_update(body).dedupe_key


def parse_push(body: bytes, headers: Mapping[str, str]) -> ParsedReboundPush:
    push = parse_rebound_push(body, headers)  # InvalidReboundPush is a ValueError
    return ParsedReboundPush(
        source=push.source, source_id=push.source_id, kind=push.kind, body=push.body, headers=push.headers
    )


def webhook_capture(capture: Capture | None) -> WebhookCapture | None:
    if capture is None:
        return None
    keep = capture

    async def captured(request: web.Request, body: bytes, reason: str) -> None:
        await keep.refused(request.path, request.headers, body, reason)

    return captured


@dataclass(frozen=True)
class PushChecks:
    config: PushAuthConfig
    check: PushCheck | None


async def push_checks(stack: AsyncExitStack, env: Mapping[str, str], token: str | None) -> PushChecks:
    """One check for both push endpoints; None when neither a token nor OIDC is configured."""
    try:
        config = push_auth_from_env(env)
    except PushAuthConfigError as exc:
        raise ConfigError(str(exc)) from exc
    config = PushAuthConfig(token=token, oidc=config.oidc)
    if config.token is None and config.oidc is None:
        return PushChecks(config, None)
    verifier = None
    if config.oidc is not None:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        verifier = GoogleOidcVerifier(config.oidc, session)
    authenticator = PushAuthenticator(config, verifier)

    async def check(headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        try:
            await authenticator.check(headers, query)
        except PushRefused as refused:
            raise PushRefusal(refused.status, refused.reason) from None

    return PushChecks(config, check)


def rebound_endpoints(
    intake: rebound_intake.Intake, auth: EndpointAuth, check: PushCheck | None
) -> tuple[rebound_intake.TrackingIntake, rebound_intake.ReboundPushIntake]:
    tracking = rebound_intake.TrackingIntake(
        intake, tracking_authenticator(auth, intake.clock), tracking_dedupe_key
    )
    return tracking, rebound_intake.ReboundPushIntake(intake, check, parse_push)


def sftp_settings(env: Mapping[str, str]) -> SftpConfig | None:
    """`REBOUND_SFTP_*`, read before anything is opened; None when `REBOUND_SFTP_HOST` is unset."""
    try:
        return sftp_config_from_env(env)
    except ReboundConfigError as exc:
        raise ConfigError(str(exc)) from exc


def sftp_intakes(
    config: SftpConfig | None, inbox: Inbox, clock: Clock, wake: Nudge
) -> list[tuple[str, ActorFn]]:
    """The SFTP poller as a supervised intake: each file committed to the inbox, then moved."""
    if config is None:
        return []
    store = make_sftp_store(inbox, clock)

    async def stored_and_nudged(file: SftpFile) -> Verdict:
        verdict = await store(file)
        wake.nudge()
        return verdict

    return [(SFTP_INTAKE, functools.partial(run_sftp_poller, config, stored_and_nudged))]
