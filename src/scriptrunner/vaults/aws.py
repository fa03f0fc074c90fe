"""AWS Secrets Manager secrets, through boto3.

Region: ``?region=`` in the reference, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``,
else the profile's.  Endpoint: ``AWS_ENDPOINT_URL_SECRETS_MANAGER``, else
``AWS_ENDPOINT_URL`` (botocore reads these too; they are read here from the environment
the backend was given, so that mapping is the only source).  Credentials: boto3's usual
chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``,
``AWS_PROFILE``, SSO, instance roles...).

A binary secret (``SecretBinary``) is an error rather than silently base64-encoded: an
environment variable cannot hold arbitrary bytes, and a script expecting the raw value
would misbehave quietly.  Store such secrets as base64 text in ``SecretString``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from scriptrunner.errors import SecretError
from scriptrunner.vaults.base import SecretRef, json_field

#: Error codes that mean "these credentials cannot do this", not "no such secret".
_AUTH_CODES = (
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
)


class AwsSecretsManager:
    """``aws-sm://`` references (see the module docstring for configuration)."""

    scheme = "aws-sm"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.endpoint = (
            environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or environ.get("AWS_ENDPOINT_URL")
        ) or None
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[str | None, Any] = {}

    def _client(self, region: str | None) -> Any:
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            client = self._clients.get(region)
            if client is None:
                import boto3
                from botocore.config import Config

                if self._session is None:
                    env = self.environ
                    self._session = boto3.session.Session(
                        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
                        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
                        aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
                        profile_name=env.get("AWS_PROFILE") or None,
                    )
                config = Config(
                    connect_timeout=5,
                    read_timeout=15,
                    retries={"max_attempts": 2, "mode": "standard"},
                )
                client = self._session.client(
                    "secretsmanager",
                    region_name=region,
                    endpoint_url=self.endpoint,
                    config=config,
                )
                self._clients[region] = client
            return client

    def fetch(self, ref: SecretRef) -> str:
        region = (
            ref.params.get("region")
            or self.environ.get("AWS_REGION")
            or self.environ.get("AWS_DEFAULT_REGION")
            or None
        )
        kwargs: dict[str, str] = {"SecretId": ref.path}
        if "version-id" in ref.params:
            kwargs["VersionId"] = ref.params["version-id"]
        if "version-stage" in ref.params:
            kwargs["VersionStage"] = ref.params["version-stage"]
        try:
            response = self._client(region).get_secret_value(**kwargs)
        except Exception as exc:
            raise SecretError(f"{ref}: {self._cause(exc, region)}") from None
        text = response.get("SecretString")
        if text is None:
            raise SecretError(
                f"{ref}: the secret is binary (SecretBinary); an environment variable cannot "
                "hold arbitrary bytes, so store it as text (e.g. base64) in SecretString"
            )
        return json_field(ref, text)

    def _cause(self, exc: Exception, region: str | None) -> str:
        from botocore import exceptions as bx

        where = self.endpoint or f"Secrets Manager in {region or 'the default region'}"
        if isinstance(exc, bx.NoRegionError):
            return "no AWS region: add ?region=..., or set AWS_REGION"
        if isinstance(exc, bx.NoCredentialsError):
            return "no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE...)"
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
            return f"cannot connect to {where} (is it reachable? AWS_ENDPOINT_URL)"
        if isinstance(exc, bx.ClientError):
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "?"), " ".join(error.get("Message", "").split())
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            message = message[:200]
            if code == "ResourceNotFoundException":
                return f"not found in {where} ({message})"
            if code in _AUTH_CODES or status in (401, 403):
                return f"access denied by {where}: {code} ({message}); check the AWS credentials"
            return f"{code}: {message}"
        return f"{type(exc).__name__}: {exc}"
