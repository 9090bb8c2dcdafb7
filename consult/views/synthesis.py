"""The synthesis of a consultation: drafted and published by the facilitation team, read by
the members."""

from flask import Blueprint

bp = Blueprint("synthesis", __name__, url_prefix="/facilitate")
members = Blueprint("synthesis_members", __name__, url_prefix="/consultations")
