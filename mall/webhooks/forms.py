"""Webhook endpoint form: the URL, the events, an optional secret and the active switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mall.webhooks.models import EVENTS


class EventsField(SelectMultipleField):
    """The events as check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    """An endpoint's settings; the operation judges them (the API applies the same rules)."""

    url = StringField(_l("URL"), description=_l("A public https:// address that accepts POST requests."))
    events = EventsField(_l("Events to receive"), validators=[Optional()], validate_choice=False,
                         choices=[SelectChoice(code, label) for code, label in EVENTS.items()])
    secret = StringField(_l("Secret"), validators=[Optional()],
                         description=_l("16 to 100 characters. Leave empty to have one made (or to keep the "
                                        "current one)."))
    is_active = BooleanField(_l("Send events to this endpoint"), default=True)

    def values(self) -> dict:
        """The form's values as the operation takes them."""
        return {"url": self.url.data or "", "events": self.events.data or [], "secret": self.secret.data or "",
                "is_active": bool(self.is_active.data)}
