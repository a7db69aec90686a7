"""SQL macros every warehouse connection gets, so models share one reading of Finnish conventions.

- fi_number(text): '1 234,5', '−3,0' (U+2212 minus), '12.5' -> DOUBLE, NULL when unreadable.
- fi_date(text): '31.12.2021', '1.1.2022' or ISO '2021-12-31' -> DATE.
- fi_timestamp(text): '1.3.2024 9:05' (Varaamo statistics) or ISO -> TIMESTAMP (wall clock).
- helsinki_date(text): an ISO 8601 instant ('2021-12-31T22:30:00Z', '+03:00') -> its Helsinki calendar DATE.
- helsinki_time(text): the same instant as Helsinki wall-clock TIMESTAMP.
"""

MACROS: tuple[str, ...] = (
    r"""CREATE OR REPLACE TEMP MACRO fi_number(s) AS
        try_cast(replace(replace(regexp_replace(trim(s::VARCHAR), '[\s\x{00A0}\x{202F}]', '', 'g'),
                                 chr(8722), '-'), ',', '.') AS DOUBLE)""",
    """CREATE OR REPLACE TEMP MACRO fi_date(s) AS
        coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y'),
                 try_strptime(trim(s::VARCHAR), '%Y-%m-%d'))::DATE""",
    """CREATE OR REPLACE TEMP MACRO fi_timestamp(s) AS
        coalesce(try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M'),
                 try_strptime(trim(s::VARCHAR), '%d.%m.%Y %H:%M:%S'),
                 try_strptime(trim(s::VARCHAR), '%Y-%m-%dT%H:%M:%S'),
                 try_strptime(trim(s::VARCHAR), '%Y-%m-%d %H:%M:%S'))""",
    """CREATE OR REPLACE TEMP MACRO helsinki_time(s) AS
        (try_cast(trim(s::VARCHAR) AS TIMESTAMPTZ) AT TIME ZONE 'Europe/Helsinki')""",
    """CREATE OR REPLACE TEMP MACRO helsinki_date(s) AS helsinki_time(s)::DATE""",
)


def install(con) -> None:
    for sql in MACROS:
        con.execute(sql)
