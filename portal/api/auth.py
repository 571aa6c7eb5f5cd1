"""Token login and logout for API clients: hashed, expiring tokens (django-rest-knox)."""

import hashlib

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            email=attrs["email"],
            password=attrs["password"],
        )
        if user is None:
            # One message for an unknown address and a wrong password: no account probing.
            raise serializers.ValidationError(
                _("Unable to log in with the e-mail address and password provided."),
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class LoginEmailThrottle(SimpleRateThrottle):
    """Attempts per e-mail address, whatever the address they come from: slows down
    password guessing spread over many machines."""

    scope = "login_email"

    def get_cache_key(self, request, view):
        email = str(request.data.get("email", "")).strip().lower()
        if not email:
            return None
        digest = hashlib.sha256(email.encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class TokenLoginView(APIView):
    """Exchange an e-mail address and password for an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle, LoginEmailThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        tags=["auth"],
        summary="Obtain an API token",
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = get_token_model().objects.create(
            user=user, expiry=knox_settings.TOKEN_TTL
        )
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenResponseSerializer({"token": token, "expiry": instance.expiry}).data)


class TokenLogoutView(KnoxLogoutView):
    """Revoke the token this request was made with."""

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked.")},
        tags=["auth"],
        summary="Revoke the current API token",
    )
    def post(self, request, format=None):
        return super().post(request, format)
