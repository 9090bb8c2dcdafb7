"""The participation dashboard of a consultation (facilitation team)."""

from flask import Blueprint

bp = Blueprint("participation", __name__, url_prefix="/facilitate")
