"""Reader accounts: log in by e-mail, sign up, confirm the e-mail address, log out, set a
password by mailed link."""

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
    path("password/", views.password_link_view, name="password_link"),
    path("password/<str:uidb64>/<str:token>/", views.set_password_view, name="set_password"),
]
