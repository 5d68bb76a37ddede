"""Change stamps: one counter per named set of rows, raised by every write to those rows."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db


class ChangeStamp(db.Model):
    """How often the rows watched under ``name`` have changed; ``token`` tells databases apart.

    ``token`` is drawn at random when the row is first written, so a counter that starts again
    in a recreated database never matches what a process remembered from the old one.
    """

    __tablename__ = "change_stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    token: Mapped[int] = mapped_column(BigInteger)
