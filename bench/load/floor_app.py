"""The stack's floor: the least a vote through a card can cost with Palabre's own libraries.

A Flask application of one screen, written for `bench/load/floor.py` and nothing else: members
sign in, read a card (a form with its CSRF token), vote on it, and land on the next card, with
the same URLs and forms as Palabre's card pages, so that the load test's voters drive both
unchanged. It keeps what every request of Palabre's costs in any case — werkzeug's ProxyFix,
a signed session cookie, Flask-Login's member loaded from the database, Flask-WTF's CSRF check,
a Jinja template, SQLAlchemy's pool (with its ping) on PostgreSQL through psycopg — and drops
everything Palabre adds on top: the ORM, the consultation's rules, the audit log's chain, the
translations, the security headers and the layout. A vote is two INSERTs (the vote and an event
row) in one transaction, refused by the database's unique key when it is a second one.

Whatever this application serves per second on a machine is more than Palabre can serve there
with the same libraries: it is the ceiling against which Palabre's figure is read.
"""

from __future__ import annotations

import os

from flask import Flask, abort, flash, get_flashed_messages, redirect, render_template, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_member (id SERIAL PRIMARY KEY, email TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS floor_card (id SERIAL PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS floor_vote (
    id SERIAL PRIMARY KEY, member_id INTEGER NOT NULL REFERENCES floor_member(id),
    card_id INTEGER NOT NULL REFERENCES floor_card(id), value INTEGER NOT NULL,
    UNIQUE (member_id, card_id));
CREATE TABLE IF NOT EXISTS floor_event (
    id SERIAL PRIMARY KEY, kind TEXT NOT NULL, object_id TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now());
"""

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>
{% for message in messages %}<p class="message message-error">{{ message }}</p>{% endfor %}
{% if card %}
<h1>Carte {{ card.id }}</h1><blockquote>{{ card.text }}</blockquote>
<form method="post" action="/consultations/contributions/{{ card.id }}/vote">
<input id="csrf_token" name="csrf_token" type="hidden" value="{{ csrf_token() }}">
{% for value, label in [(1, "D'accord"), (0, "Passer"), (-1, "Pas d'accord")] %}
<button name="value" value="{{ value }}">{{ label }}</button>{% endfor %}
</form>
{% elif login %}
<form method="post" action="/login">
<input id="csrf_token" name="csrf_token" type="hidden" value="{{ csrf_token() }}">
<label>Courriel <input name="email"></label><label>Mot de passe
<input name="password" type="password"></label><button>Se connecter</button></form>
{% else %}<p>Plus de carte.</p>{% endif %}
</main></body></html>"""


class Member(UserMixin):
    def __init__(self, member_id: int):
        self.id = member_id


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=os.environ["FLOOR_SECRET_KEY"],
                      SESSION_COOKIE_NAME="palabre_session", SESSION_COOKIE_SECURE=True,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.jinja_loader = DictLoader({"page.html": PAGE})  # compiled once, as Palabre's templates
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    CSRFProtect(app)
    engine = create_engine(os.environ["FLOOR_DATABASE_URL"], pool_pre_ping=True)
    app.extensions["floor_engine"] = engine
    logins = LoginManager(app)

    @logins.user_loader
    def load_member(member_id: str):
        with engine.connect() as connection:
            found = connection.execute(text("SELECT id FROM floor_member WHERE id = :id"),
                                       {"id": int(member_id)}).scalar()
        return Member(found) if found else None

    def page(**context):
        return render_template("page.html", messages=get_flashed_messages(), title="Palabre",
                                      **context)

    @app.get("/health")
    def health():
        return "ok"

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            with engine.connect() as connection:
                found = connection.execute(text("SELECT id FROM floor_member WHERE email = :e"),
                                           {"e": request.form.get("email", "")}).scalar()
            if found is None:
                abort(403)
            login_user(Member(found))
            return redirect("/consultations/1/vote")
        return page(login=True)

    @app.get("/consultations/<int:_consultation>/vote")
    @login_required
    def card(_consultation: int):
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT id, text FROM floor_card c WHERE NOT EXISTS (SELECT 1 FROM floor_vote v "
                "WHERE v.member_id = :m AND v.card_id = c.id) ORDER BY id LIMIT 1"),
                {"m": current_user.id}).first()
        return page(card=row)

    @app.post("/consultations/contributions/<int:card_id>/vote")
    @login_required
    def vote(card_id: int):
        value = request.form.get("value", type=int)
        if value not in (-1, 0, 1):
            abort(400)
        try:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO floor_vote (member_id, card_id, value) "
                                        "VALUES (:m, :c, :v)"),
                                   {"m": current_user.id, "c": card_id, "v": value})
                connection.execute(text("INSERT INTO floor_event (kind, object_id) "
                                        "VALUES ('vote', :o)"), {"o": str(card_id)})
        except IntegrityError:
            flash("Vote déjà enregistré.")
        return redirect("/consultations/1/vote")

    return app


def seed(database_url: str, emails: list[str], cards: int) -> None:
    """The floor's tables, emptied, with these members and `cards` cards."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS floor_event, floor_vote, floor_card, "
                                   "floor_member")
        connection.exec_driver_sql(SCHEMA)
        connection.execute(text("INSERT INTO floor_member (email) VALUES (:e)"),
                           [{"e": email} for email in emails])
        connection.execute(text("INSERT INTO floor_card (text) VALUES (:t)"),
                           [{"t": f"Contribution {n} : l'outil reste une aide."}
                            for n in range(cards)])
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def count_votes(database_url: str) -> tuple[int, int]:
    """(votes, events) stored."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        votes = connection.execute(text("SELECT count(*) FROM floor_vote")).scalar()
        events = connection.execute(text("SELECT count(*) FROM floor_event")).scalar()
    engine.dispose()
    return votes, events
