"""Imports every feature's models so SQLAlchemy and Alembic see the whole schema."""

from webapp.accounts import models as accounts_models  # noqa: F401
from webapp.classes import models as classes_models  # noqa: F401
from webapp.entitlement import models as entitlement_models  # noqa: F401
from webapp.learners import models as learners_models  # noqa: F401
from webapp.lessons import models as lessons_models  # noqa: F401
from webapp.listening import models as listening_models  # noqa: F401
from webapp.mail import models as mail_models  # noqa: F401
from webapp.organisations import models as organisations_models  # noqa: F401
from webapp.practice import models as practice_models  # noqa: F401
from webapp.recordings import models as recordings_models  # noqa: F401
from webapp.reminders import models as reminders_models  # noqa: F401
from webapp.seats import models as seats_models  # noqa: F401
from webapp.studytime import models as studytime_models  # noqa: F401
from webapp.teaching import models as teaching_models  # noqa: F401
