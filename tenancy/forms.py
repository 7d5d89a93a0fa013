from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from core.http import client_ip
from tenancy.models import User
from tenancy.services import login_throttle
from tenancy.signals import record_login_failure

GENERIC_LOGIN_ERROR = "Email or password is incorrect."


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=256, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        self.throttled = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        by_email, by_ip = login_throttle()
        ip = client_ip(self.request) or ""
        if by_email.is_blocked(email) or by_ip.is_blocked(ip):
            self.throttled = True
            record_login_failure(email, self.request, reason="throttled")
            minutes = by_email.window_seconds // 60
            raise forms.ValidationError(
                f"Too many failed sign-ins. Wait {minutes} minutes or reset your password.",
                code="throttled",
            )
        user = authenticate(self.request, username=email.lower(), password=password)
        if user is None:
            by_email.add_failure(email)
            by_ip.add_failure(ip)
            raise forms.ValidationError(GENERIC_LOGIN_ERROR, code="invalid_login")
        by_email.reset(email)
        self.user = user
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'Salesforce sync'.")
