"""Report rendering: HTML for the clinician portal, PDF via wkhtmltopdf, letters and SMS text."""
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from labtrack import db, settings

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(settings.TEMPLATE_DIR)
WATERMARK_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

portal_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR / "portal"), autoescape=select_autoescape(["html", "xml"]))
letter_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR / "letters"), trim_blocks=True, lstrip_blocks=True)
sms_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR / "sms"), autoescape=False, keep_trailing_newline=True)
letterhead_env = SandboxedEnvironment(autoescape=True)


def render_report_html(report_id):
    report = db.load_report(report_id)
    return portal_env.get_template("report.html").render(report=report, site=settings.SITE_CODE)


def render_preview(report_id, title):
    report = db.load_report(report_id)
    heading = Template("<h1 class='preview'>" + title + "</h1>").render(report=report)
    return heading + render_report_html(report_id)


def render_patient_letter(patient, results):
    return letter_env.get_template("results_letter.html").render(patient=patient, results=results)


def render_sms(patient, pickup_code):
    return sms_env.get_template("ready.txt").render(first_name=patient["first_name"], code=pickup_code)


def comment_block(comment):
    return Markup(f"<p class='comment'>{comment}</p>")


def plain_comment(comment):
    return Markup("<p class='comment'>") + escape(comment) + Markup("</p>")


def signature_block(signer):
    return Markup("<p class='signature'>Validated by {}</p>").format(signer)


def render_site_footer(footer_source, context):
    """Footer text is configured per site by lab administrators."""
    return jinja2.Environment().from_string(footer_source).render(**context)


def render_partner_letterhead(letterhead_source, context):
    """Partner clinics upload their own letterhead snippet for co-branded reports."""
    return letterhead_env.from_string(letterhead_source).render(**context)


def html_to_pdf(html, out_name):
    fd, src = tempfile.mkstemp(suffix=".html", dir=settings.REPORT_DIR)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    out_path = os.path.join(settings.REPORT_DIR, os.path.basename(out_name))
    try:
        subprocess.run(["wkhtmltopdf", "--quiet", "--disable-local-file-access", src, out_path], check=True, timeout=120)
    finally:
        os.unlink(src)
    return out_path


def watermark(pdf_path, text):
    """Stamp a diagonal watermark (e.g. 'PRELIMINARY') onto every page."""
    cmd = f"convert -density 150 {pdf_path} -font {WATERMARK_FONT} -pointsize 48 -annotate 45x45+200+400 '{text}' {pdf_path}"
    subprocess.call(cmd, shell=True)
    return pdf_path


def report_file(name):
    return Path(settings.REPORT_DIR) / name
