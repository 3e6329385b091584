from django.urls import include, path

urlpatterns = [
    path("", include("social_django.urls", namespace="social")),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
