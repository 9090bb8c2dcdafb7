"""The theme explorer and the facilitator's corrections of the themes."""

from flask import Blueprint

bp = Blueprint("themes", __name__, url_prefix="/facilitate")
