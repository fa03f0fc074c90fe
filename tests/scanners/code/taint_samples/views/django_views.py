# ruff: noqa
# fmt: off
"""Django views: the request parameter's GET/POST/COOKIES/body are client data."""

from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe


def search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM books WHERE title LIKE '%%%s%%'" % term)  # expect: taint-sql-injection
        cursor.execute("SELECT id FROM books WHERE title LIKE %s", ["%" + term + "%"])
    return HttpResponse(mark_safe("<i>" + term + "</i>"))  # expect: taint-xss


def login_done(request):
    nxt = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    return HttpResponseRedirect(nxt)


def leave(request):
    return redirect(request.POST["to"])  # expect: taint-open-redirect


def show(request):
    return HttpResponse(request.GET["msg"], content_type="text/plain")


def theme(request):
    return HttpResponse("<body class='%s'>" % request.COOKIES.get("theme"))  # expect: taint-xss
