"""The ceiling: a minimal Flask + SQLAlchemy app that does one INSERT per request.

Same stack as eventnet in the benchmark (gunicorn with the same settings, psycopg 3, the same
PostgreSQL server and pool settings, a JSON body of the same shape), so its throughput is the
most a registration endpoint could reach here. Run by benchmarks/load/run.py:

    CEILING_DATABASE_URI=postgresql+psycopg://... gunicorn -c python:eventnet.ops.gunicorn_conf \
        benchmarks.load.ceiling_app:app
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "ceiling_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    payload: Mapped[dict] = mapped_column(sa.JSON)  # type: ignore[type-arg]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CEILING_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_size": 5,
        "max_overflow": 5,
        "pool_pre_ping": True,
        "pool_recycle": 1800,
    }
    db.init_app(app)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.post("/insert")
    def insert():  # type: ignore[no-untyped-def]
        data = request.get_json(force=True)
        row = Row(email=str(data["email"]), payload=data, created_at=datetime.now(UTC))
        db.session.add(row)
        db.session.commit()
        return jsonify(id=row.id), 201

    return app


def create_schema(uri: str) -> None:
    engine = sa.create_engine(uri)
    Base.metadata.create_all(engine)
    engine.dispose()


app = create_app() if os.environ.get("CEILING_DATABASE_URI") else None
