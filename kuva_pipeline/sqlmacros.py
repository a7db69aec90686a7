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
- may_be_padded(text): false only for a text trim would leave as it is (true may be either):
  lets a search of millions of ids trim only the few that may need it.
- trimmed(text): the same as trim(text), trimming only the texts may_be_padded leaves.
- row_hash(fields): the md5 of a record's source fields (a list of text, a missing one as `\\N`,
  joined by U+001F) as a 128-bit number: tells a changed record from the same one landed again.
  The loader compares a reloaded period with it, and the NPS model a repeated id's records.
"""

import threading

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_ISO_CLOCK = r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
_ZONE = r"(Z|z|[+-]\d{2}(:?\d{2})?)"

MACROS: tuple[str, ...] = (
    r"""CREATE OR REPLACE MACRO {catalog}.main.fi_number_text(s) AS
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
    """CREATE OR REPLACE MACRO {catalog}.main.fi_number(s) AS try_cast(fi_number_text(s) AS DOUBLE)""",
    # Plain digits (almost every value in a feed) are read at once; a regular expression
    # over millions of button presses cost more than the rest of the typing.
    r"""CREATE OR REPLACE MACRO {catalog}.main.fi_integer(s) AS
        CASE WHEN length(s::VARCHAR) BETWEEN 1 AND 18 AND ltrim(s::VARCHAR, '0123456789') = ''
                 THEN s::VARCHAR::BIGINT
             WHEN regexp_full_match(fi_number_text(s), '[+\-]?\d+')
                 THEN try_cast(fi_number_text(s) AS BIGINT) END""",
    f"""CREATE OR REPLACE MACRO {{catalog}}.main.has_zone(s) AS
        coalesce(regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}[T ]{_ISO_CLOCK}\\s*{_ZONE}'), false)""",
    f"""CREATE OR REPLACE MACRO {{catalog}}.main.zoneless_time(s) AS
        coalesce(regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}[T ]{_ISO_CLOCK}')
                 OR regexp_full_match(trim(s::VARCHAR), '\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{4}} {_ISO_CLOCK}'), false)""",
    f"""CREATE OR REPLACE MACRO {{catalog}}.main.helsinki_instant(s) AS
        CASE
            WHEN has_zone(s) THEN try_cast(trim(s::VARCHAR) AS TIMESTAMPTZ)
            WHEN regexp_full_match(trim(s::VARCHAR), '{_ISO_DATE}')
                THEN try_strptime(trim(s::VARCHAR), '%Y-%m-%d') AT TIME ZONE 'Europe/Helsinki'
        END""",
    """CREATE OR REPLACE MACRO {catalog}.main.helsinki_time(s) AS helsinki_instant(s) AT TIME ZONE 'Europe/Helsinki'""",
    """CREATE OR REPLACE MACRO {catalog}.main.helsinki_date(s) AS helsinki_time(s)::DATE""",
    f"""CREATE OR REPLACE MACRO {{catalog}}.main.fi_timestamp_general(s) AS
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
    """CREATE OR REPLACE MACRO {catalog}.main.fi_timestamp(s) AS
        CASE
            WHEN s::VARCHAR LIKE '____-__-__T__:__:__'
                THEN coalesce(try_strptime(s::VARCHAR, '%Y-%m-%dT%H:%M:%S'), fi_timestamp_general(s))
            ELSE fi_timestamp_general(s)
        END""",
    """CREATE OR REPLACE MACRO {catalog}.main.fi_date(s) AS
        coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y'),
                 try_strptime(trim(s::VARCHAR), '%Y-%m-%d'),
                 fi_timestamp(s))::DATE""",
    """CREATE OR REPLACE MACRO {catalog}.main.helsinki_today() AS (now() AT TIME ZONE 'Europe/Helsinki')::DATE""",
    # JSON escapes every C0 control character and nothing else of them, so a text whose JSON
    # string is just its quotes longer holds none but perhaps DEL, looked for directly. Only the
    # rest (a quote, a backslash, a tab, a control) is searched with the regular expression: it
    # cost 1.6 s of CPU on ten million NPS records, the test before it a third of that.
    r"""CREATE OR REPLACE MACRO {catalog}.main.has_control(s) AS
        CASE WHEN strlen(to_json(s::VARCHAR)) = strlen(s::VARCHAR) + 2 AND NOT contains(s::VARCHAR, chr(127))
             THEN false
             ELSE regexp_matches(s::VARCHAR, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]') END""",
    r"""CREATE OR REPLACE MACRO {catalog}.main.control_reason(field, s) AS
        CASE WHEN has_control(s)
             THEN field || ': control character U+'
                  || upper(lpad(format('{:x}', ord(regexp_extract(s::VARCHAR, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]'))), 4, '0'))
                  || ' in the value' END""",
    # Every character DuckDB's trim removes is a space (U+0020) or another Unicode space
    # separator (U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000; tests/sources/
    # test_macros.py asks DuckDB for the list). A text starting with one sorts before '!' or
    # from U+0080 on, one ending with one ends with a space or holds a non-ASCII character:
    # tests DuckDB answers from a column's statistics for most of it, where trim reads every
    # value. Only `ends_with` reads the values.
    r"""CREATE OR REPLACE MACRO {catalog}.main.may_be_padded(s) AS
        s::VARCHAR < '!' OR s::VARCHAR >= chr(128) OR ends_with(s::VARCHAR, ' ')
        OR strlen(s::VARCHAR) <> length(s::VARCHAR)""",
    # trim(s), read from the value itself where may_be_padded says trim would leave it as it
    # is: a trim of each of ten million ids cost the NPS model a third of a second a column.
    r"""CREATE OR REPLACE MACRO {catalog}.main.trimmed(s) AS
        CASE WHEN may_be_padded(s) THEN trim(s::VARCHAR) ELSE s::VARCHAR END""",
    r"""CREATE OR REPLACE MACRO {catalog}.main.row_hash(fields) AS
        md5_number(array_to_string(list_transform(fields, lambda f: coalesce(f, '\N')), chr(31)))""",
)


CATALOG = "kuva_macros"
"""The in-memory database the macros live in, attached once to each DuckDB instance."""

SEARCH_PATH = f"SET search_path = 'main,{CATALOG}.main'"

_installing = threading.Lock()


def install(con) -> None:
    """Make the macros callable on `con` (a connection or a cursor) by their bare names.

    They are created once per DuckDB instance, in an in-memory database attached to it
    (`CATALOG`), which every connection and cursor of the instance shares; each connection
    then only puts it on its search path. Temporary macros belong to the connection that
    made them: dbt-duckdb opens a cursor for every model and test, and creating the fifteen
    macros on each took 11 ms, some 1.5 s of a refresh. Nothing is written to the warehouse.
    An instance opened read-only cannot attach an in-memory database: there the macros are
    temporary ones of `con`.
    """
    attached = "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?"
    if con.execute(attached, [CATALOG]).fetchone()[0]:
        # Made already for this instance (every call but the first): a cursor's whole cost.
        con.execute(SEARCH_PATH)
        return
    if con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only":
        for sql in MACROS:
            con.execute(sql.replace("MACRO {catalog}.main.", "TEMP MACRO "))
        return
    with _installing:
        # On a cursor of its own, outside any transaction `con` has open (which may already
        # write to the warehouse, and a transaction writes to one database only).
        maker = con.cursor()
        try:
            if not maker.execute(attached, [CATALOG]).fetchone()[0]:
                maker.execute(f"ATTACH ':memory:' AS {CATALOG}")
                # The macros call each other by their bare names, resolved when they are made.
                maker.execute(SEARCH_PATH)
                for sql in MACROS:
                    maker.execute(sql.replace("{catalog}", CATALOG))
        finally:
            maker.close()
    con.execute(SEARCH_PATH)
