"""HTTP services: the Flask app (intake, webhooks) and the FastAPI app (samples API)."""
import os

from fastapi import FastAPI
from flask import Flask

from labtrack import settings


def create_flask_app():
    from labtrack.api import intake, webhooks

    app = Flask("labtrack")
    app.config["SECRET_KEY"] = os.environ["LABTRACK_FLASK_SECRET"]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.config["DEBUG"] = settings.DEBUG
    app.register_blueprint(intake.bp)
    app.register_blueprint(webhooks.bp)
    return app


def create_fastapi_app():
    from labtrack.api import samples

    api = FastAPI(title="labtrack samples API", version="2.4", debug=settings.DEBUG)
    api.include_router(samples.router)
    return api
