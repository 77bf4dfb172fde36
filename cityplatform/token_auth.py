"""The API's token authentication (REST_FRAMEWORK's first class): django-rest-knox's, which
keeps only a hash of each token and refuses expired ones, answering `Authorization: Token …`.

Its own module: DRF imports it while loading its settings, before cityplatform.tokens can be.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox import auth as knox_auth
from rest_framework import exceptions


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's authentication, with a header that is not UTF-8 refused (401) rather than a 500."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's name and description of it, as before knox: `tokenAuth`, prefix "Token"."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        prefix = self.target.authenticate_header(None)  # knox's AUTH_HEADER_PREFIX: "Token"
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=prefix)
