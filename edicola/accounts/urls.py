"""Reader accounts: log in by e-mail, sign up, confirm the e-mail address, log out."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_view, name="account"),
    path("accedi/", views.login_view, name="login"),
    path("registrati/", views.signup_view, name="signup"),
    path("esci/", views.logout_view, name="logout"),
    path("conferma/", views.send_confirmation_view, name="send_confirmation"),
    path("conferma/<str:token>/", views.confirm_view, name="confirm"),
]
