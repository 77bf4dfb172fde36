"""Every choice of the lighting app, in one place."""

from django.db import models


class StepTrigger(models.TextChoices):
    """What starts a programme step: a fixed local time, or a sun event (plus an offset)."""

    TIME = "time", "Fixed local time"
    SUNSET = "sunset", "Sunset"
    SUNRISE = "sunrise", "Sunrise"
    DUSK = "dusk", "Civil dusk"
    DAWN = "dawn", "Civil dawn"


class RuleKind(models.TextChoices):
    """A calendar rule: what dates it matches (the date a lighting night starts, noon to noon)."""

    DATE = "date", "A date"
    DATE_RANGE = "date_range", "A date range"
    WEEKDAYS = "weekdays", "Weekdays"
    NTH_WEEKDAY = "nth_weekday", "The Nth (or last) weekday of the month"
    # Every year on the month and day of date_from (to date_to's, if given: a span such as
    # 24–26 December, which may run over the new year); the years of the dates are ignored.
    YEARLY = "yearly", "Every year on a date"


class Operation(models.TextChoices):
    """How an override combines with the level below it (TALQ effects Set, Max, Min)."""

    SET = "set", "Set"
    MAX = "max", "At least (max)"
    MIN = "min", "At most (min)"


class ScopeKind(models.TextChoices):
    LIGHTS = "lights", "Listed lights"
    GROUP = "group", "A light group"
    ZONE = "zone", "A zone (and the zones within it)"
    RADIUS = "radius", "A radius around a point"
    CITY = "city", "The whole city"


class OverrideState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class Priority(models.IntegerChoices):
    """BACnet-style: 1 wins over 2 … over 16. Named levels; any 1–16 is allowed."""

    EMERGENCY = 1, "1 — emergency (life safety)"
    SECURITY = 4, "4 — security response"
    OPERATOR = 8, "8 — manual operator"
    LOWEST = 16, "16 — lowest"


class EnergyMethod(models.TextChoices):
    METERED = "metered", "Metered (energy counter)"
    POWER = "power", "From reported power"
    ESTIMATED = "estimated", "Estimated (rated power × level × burn time)"
    NO_DATA = "no_data", "No data (nothing reported or commanded that day)"
