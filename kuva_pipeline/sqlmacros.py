"""SQL macros every warehouse connection gets, so loaders and models share one reading of the sources.

They are installed on every loader connection (`WarehouseResource`) and, through
`kuva_pipeline.dbt_plugin`, on every dbt connection: the day a loader files a
record under and the time a staging model types it come from the same parser.

Numbers:
- fi_number_text(text): '1 234,5', '95.497.532,44', '−3,0' (U+2212) -> '1234.5' etc., NULL when unreadable.
- fi_number(text): the same as DOUBLE.
- fi_integer(text): '12', '1 234', '−3' -> BIGINT; '12.5', '8,6', 'n/a' -> NULL (never rounded).

Times (ISO 8601 with `T` or a space, seconds and fractions optional):
- has_zone(text): the text is a date and time carrying `Z` or an offset (`+03:00`, `+0300`, `+03`).
- zoneless_time(text): the text is a date and time without a zone (ISO or Finnish `d.m.yyyy H:MM`).
- fi_timestamp(text): Helsinki wall clock TIMESTAMP from a Finnish time ('1.3.2024 9:05'), an ISO
  local time ('2021-04-01T10:15:30.250') or an instant with a zone (converted to Helsinki).
- fi_timestamp_general(text): the same without the fast path for 'yyyy-mm-ddThh:mm:ss'.
- helsinki_instant(text): the TIMESTAMPTZ of a zoned ISO instant, or of a date-only value
  ('2021-06-12', a day without a time of day) at Helsinki midnight; NULL for a time without a zone,
  which fields whose contract says UTC or an offset reject.
- helsinki_time(text): helsinki_instant as Helsinki wall clock; helsinki_date(text): its DATE.
- fi_date(text): '31.12.2021', '1.1.2022', ISO '2021-12-31', or any time fi_timestamp reads -> DATE.
- helsinki_today(): today's date in Helsinki (future periods are rejected against it).

Text:
- has_control(text): the text holds a C0 control character other than tab, line feed and carriage
  return, or DEL.
- control_reason(field, text): '<field>: control character U+0000 in ...' when has_control; else NULL.
  The dbt macro `control_reasons` (assets/macros/control.sql) asks has_control once for a whole
  record and names the field only for a record that has one.
- row_hash(fields): the md5 of a record's source fields (a list of text, a missing one as `\\N`,
  joined by U+001F) as a 128-bit number: tells a changed record from the same one landed again.
  The loader compares a reloaded period with it, and the NPS model a repeated id's records.
"""

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_ISO_CLOCK = r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_ZONE = r"(Z|z|[+-]\d{2}(:?\d{2})?)"

MACROS: tuple[str, ...] = (
    r"""CREATE OR REPLACE TEMP MACRO fi_number_text(s) AS
        CASE
            WHEN regexp_full_match(regexp_replace(trim(s::VARCHAR), '[\s\x{00A0}\x{202F}]', '', 'g'),
                                   '[+\-\x{2212}]?\d{1,3}(\.\d{3})+(,\d+)?')
                 AND (strpos(s::VARCHAR, ',') > 0
                      OR length(regexp_replace(s::VARCHAR, '[^.]', '', 'g')) > 1)
                -- dots as thousands separators ('95.497.532,44', '1.234.567'): drop them
                THEN replace(replace(replace(regexp_replace(trim(s::VARCHAR), '[\s\x{00A0}\x{202F}]', '', 'g'),
                                             '.', ''), chr(8722), '-'), ',', '.')
            WHEN regexp_full_match(regexp_replace(trim(s::VARCHAR), '[\s\x{00A0}\x{202F}]', '', 'g'),
                                   '[+\-\x{2212}]?(\d+([.,]\d*)?|[.,]\d+)')
                THEN replace(replace(regexp_replace(trim(s::VARCHAR), '[\s\x{00A0}\x{202F}]', '', 'g'),
                                     chr(8722), '-'), ',', '.')
        END""",
    """CREATE OR REPLACE TEMP MACRO fi_number(s) AS try_cast(fi_number_text(s) AS DOUBLE)""",
    # Plain digits (almost every value in a feed) are read at once; a regular expression
    # over millions of button presses cost more than the rest of the typing.
    r"""CREATE OR REPLACE TEMP MACRO fi_integer(s) AS
        CASE WHEN length(s::VARCHAR) BETWEEN 1 AND 18 AND ltrim(s::VARCHAR, '0123456789') = ''
                 THEN s::VARCHAR::BIGINT
             WHEN regexp_full_match(fi_number_text(s), '[+\-]?\d+')
                 THEN try_cast(fi_number_text(s) AS BIGINT) END""",
    f"""CREATE OR REPLACE TEMP MACRO has_zone(s) AS
        coalesce(regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}[T ]{_ISO_CLOCK}\\s*{_ZONE}'), false)""",
    f"""CREATE OR REPLACE TEMP MACRO zoneless_time(s) AS
        coalesce(regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}[T ]{_ISO_CLOCK}')
                 OR regexp_full_match(trim(s::VARCHAR), '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}} {_ISO_CLOCK}'), false)""",
    f"""CREATE OR REPLACE TEMP MACRO helsinki_instant(s) AS
        CASE
            WHEN has_zone(s) THEN try_cast(trim(s::VARCHAR) AS TIMESTAMPTZ)
            WHEN regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}')
                THEN try_strptime(trim(s::VARCHAR), '%Y-%m-%d') AT TIME ZONE 'Europe/Helsinki'
        END""",
    """CREATE OR REPLACE TEMP MACRO helsinki_time(s) AS helsinki_instant(s) AT TIME ZONE 'Europe/Helsinki'""",
    """CREATE OR REPLACE TEMP MACRO helsinki_date(s) AS helsinki_time(s)::DATE""",
    f"""CREATE OR REPLACE TEMP MACRO fi_timestamp_general(s) AS
        CASE
            WHEN has_zone(s) THEN helsinki_time(s)
            WHEN regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}[T ]{_ISO_CLOCK}')
                THEN try_cast(trim(s::VARCHAR) AS TIMESTAMP)
            ELSE coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M'),
                          try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M:%S'))
        END""",
    # The common shape first, without regular expressions: exactly 'yyyy-mm-ddThh:mm:ss'
    # (every separator where it belongs, so each number has its full width) is what the
    # ISO branch of the general rules would read too. Parsed once: what it cannot read
    # ('...T24:00:00', the end of the day) goes to the general rules (a second parse of
    # every value cost 0.4 s of one core per ten million).
    """CREATE OR REPLACE TEMP MACRO fi_timestamp(s) AS
        CASE
            WHEN s::VARCHAR LIKE '____-__-__T__:__:__'
                THEN coalesce(try_strptime(s::VARCHAR, '%Y-%m-%dT%H:%M:%S'), fi_timestamp_general(s))
            ELSE fi_timestamp_general(s)
        END""",
    """CREATE OR REPLACE TEMP MACRO fi_date(s) AS
        coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y'),
                 try_strptime(trim(s::VARCHAR), '%Y-%m-%d'),
                 fi_timestamp(s))::DATE""",
    """CREATE OR REPLACE TEMP MACRO helsinki_today() AS (now() AT TIME ZONE 'Europe/Helsinki')::DATE""",
    r"""CREATE OR REPLACE TEMP MACRO has_control(s) AS
        regexp_matches(s::VARCHAR, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]')""",
    r"""CREATE OR REPLACE TEMP MACRO control_reason(field, s) AS
        CASE WHEN has_control(s)
             THEN field || ': control character U+'
                  || upper(lpad(format('{:x}', ord(regexp_extract(s::VARCHAR, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]'))), 4, '0'))
                  || ' in the value' END""",
    r"""CREATE OR REPLACE TEMP MACRO row_hash(fields) AS
        md5_number(array_to_string(list_transform(fields, lambda f: coalesce(f, '\N')), chr(31)))""",
)


def install(con) -> None:
    for sql in MACROS:
        con.execute(sql)
