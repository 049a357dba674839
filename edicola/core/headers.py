"""Security headers every response carries, beside Django's own SecurityMiddleware.

The Content-Security-Policy itself is Django's (`ContentSecurityPolicyMiddleware`, enforced with
SECURE_CSP from settings.py): one policy without nonces, so a page served from the shared page
cache carries the same header as a fresh one. Our pages load only our own scripts; JSON-LD is a
data block, which the policy does not govern. The Wagtail admin keeps a few inline scripts and
styles of its own, so paths under ADMIN_CSP_PREFIXES get ADMIN_CSP instead (still enforced).

This middleware also sends Permissions-Policy (PERMISSIONS_POLICY), and marks every cookie
Secure while HTTPS is on, whichever view or middleware set it. It sits inside the CSP
middleware (the admin choice must be made before that one writes the header) and outside the
session, CSRF and messages middleware (so it sees their cookies).
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if request.path.startswith(tuple(settings.ADMIN_CSP_PREFIXES)) and not hasattr(
            response, "_csp_config"
        ):
            response._csp_config = settings.ADMIN_CSP
        if settings.HTTPS:
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
