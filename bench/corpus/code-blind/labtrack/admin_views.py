"""Staff admin area (Django views mounted under /staff/)."""
import logging
import os
import shutil
import subprocess

from django.contrib.auth.decorators import login_required, permission_required
from django.db import connection
from django.http import FileResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from labtrack import partners, security, settings
from labtrack.reports import render as reports

log = logging.getLogger("labtrack.admin")

MAINTENANCE_TASKS = {
    "vacuum": ["labtrack-db", "vacuum", "--analyze"],
    "rotate-logs": ["logrotate", "-f", "/etc/logrotate.d/labtrack"],
    "rebuild-index": ["labtrack-reindex", "--full"],
}


@login_required
def audit_log(request):
    actor = request.GET.get("actor", "")
    action = request.GET.get("action", "")
    with connection.cursor() as cursor:
        if actor:
            cursor.execute("SELECT ts, actor, action, detail FROM audit_log WHERE actor = '%s' ORDER BY ts DESC LIMIT 500" % actor)
        else:
            cursor.execute("SELECT ts, actor, action, detail FROM audit_log WHERE action = %s ORDER BY ts DESC LIMIT 500", [action])
        rows = cursor.fetchall()
    return render(request, "staff/audit.html", {"rows": rows, "actor": actor, "action": action})


@login_required
@require_POST
def sample_note(request, sample_id):
    note = request.POST.get("note", "")
    status = request.POST.get("status", "")
    note_html = mark_safe(f"<div class='note'>{note}</div>")
    badge = format_html("<span class='badge badge-{}'>{}</span>", status.lower(), status)
    return render(request, "staff/note.html", {"note_html": note_html, "badge": badge, "sample_id": sample_id})


@login_required
@require_POST
def run_maintenance(request):
    task = request.POST.get("task")
    if task not in MAINTENANCE_TASKS:
        return HttpResponseBadRequest("unknown task")
    subprocess.run(MAINTENANCE_TASKS[task], check=True, timeout=1800)
    return JsonResponse({"ok": True, "task": task})


@login_required
@require_POST
def purge_export(request):
    name = request.POST["name"]
    shutil.rmtree(os.path.join(settings.EXPORT_DIR, name))
    log.info("export %s purged by %s", name, request.user.username)
    return JsonResponse({"deleted": name})


def _qc_rule_violated(expression, value, mean, sd):
    return bool(eval(expression, {"__builtins__": {}, "abs": abs}, {"value": value, "mean": mean, "sd": sd}))


@login_required
@require_POST
def test_qc_rule(request):
    """Lets a supervisor try a Westgard-style rule such as 'abs(value - mean) > 2 * sd'."""
    expression = request.POST["expression"]
    value, mean, sd = (float(request.POST[k]) for k in ("value", "mean", "sd"))
    return JsonResponse({"violated": _qc_rule_violated(expression, value, mean, sd)})


@login_required
def download_report(request):
    return FileResponse(open(reports.report_file(request.GET["name"]), "rb"), content_type="application/pdf")


def staff_login_done(request):
    target = request.GET.get("next", "/staff/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("/staff/")


@login_required
def probe_partner(request):
    return JsonResponse(partners.probe_endpoint(request.GET["url"]))


@login_required
def switch_site(request):
    return HttpResponseRedirect(request.GET.get("site", "/staff/"))


@login_required
@require_POST
def reset_operator_password(request, username):
    temporary = security.api_token()[:12]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE operators SET password_hash = %s, must_change = true WHERE username = %s", [security.hash_password(temporary), username])
    log.info("password reset for %s by %s; temporary password %s", username, request.user.username, temporary)
    return JsonResponse({"username": username, "temporary_password": temporary})


@login_required
@require_POST
def change_own_password(request):
    new = request.POST["new_password"]
    request.user.set_password(new)
    request.user.save()
    log.info("password changed for %s", request.user.username)
    return JsonResponse({"ok": True})


@login_required
def impersonate(request, user_id):
    assert request.user.is_superuser, "impersonation requires a superuser"
    request.session["impersonate_id"] = int(user_id)
    return redirect("/staff/")


@login_required
@require_POST
def watermark_report(request, report_id):
    pdf_path = os.path.join(settings.REPORT_DIR, f"{int(report_id)}.pdf")
    reports.watermark(pdf_path, request.POST.get("text", "PRELIMINARY"))
    return JsonResponse({"ok": True})


@login_required
@permission_required("labtrack.change_site")
@require_POST
def preview_footer(request):
    html = reports.render_site_footer(request.POST["footer"], {"site": settings.SITE_CODE})
    return JsonResponse({"html": html})
