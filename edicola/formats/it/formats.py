"""Italian date formats as Italian newspapers write them: "8 dicembre 2026, 07:05", no leading
zero on the day (Django's own pads it: "08 Dicembre")."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
