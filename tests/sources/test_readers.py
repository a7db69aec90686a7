"""The landing readers on their own: encodings, Finnish conventions, strictness and error messages.

Each test writes a tiny file and loads it with `load_raw` into a fresh warehouse;
expectations are the file's own bytes.
"""

import json
from datetime import date, datetime

import duckdb
import pytest

from kuva_pipeline.resources import WarehouseResource
from kuva_pipeline.sources.landing import LandingFileError, detect_encoding
from kuva_pipeline.sources.raw import RawSource, Reader, ShrinkGuard, load_raw, xlsx_to_csv

T0 = datetime(2021, 1, 1, 3, 0)
FIELDS = ("id", "name", "amount")


def source(kind="csv", partitioned=True, **reader) -> RawSource:
    pattern = {"csv": "*.csv", "xlsx": "*.xlsx"}.get(kind, "*.json")
    return RawSource(
        name="t", table="t", folder="t", description="test", fields=FIELDS,
        readers=(Reader(pattern, kind, **reader),), day_expr="NULL", partitioned=partitioned,
    )


@pytest.fixture
def env(tmp_path):
    landing = tmp_path / "landing"
    (landing / "t").mkdir(parents=True)
    wh = WarehouseResource(path=str(tmp_path / "w.duckdb"))

    def load(src, start=date(2021, 1, 1), end=date(2021, 12, 31), at=T0, guard=None):
        with wh.connect() as con:
            result = load_raw(con, src, landing, start, end, at, guard=guard)
            table = con.execute("SELECT * FROM raw.t ORDER BY _source_file, _record_index").fetchall()
        return result, table

    return landing / "t", load


def test_bom_utf8_and_cp1252_read_the_same(env):
    folder, load = env
    text = "id;name;amount\n1;Käpylä;1234,50\n2;Östersundom;\u22120,6\n"
    (folder / "a_2021-01.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (folder / "b_2021-02.csv").write_bytes(text.replace("\u2212", "-").encode("cp1252"))
    assert detect_encoding(folder / "a_2021-01.csv") == "utf-8-sig"
    assert detect_encoding(folder / "b_2021-02.csv") == "cp1252"
    result, table = load(source(delim=";"))
    assert result.rows == 4
    assert [r[:3] for r in table] == [
        ("1", "Käpylä", "1234,50"), ("2", "Östersundom", "\u22120,6"),
        ("1", "Käpylä", "1234,50"), ("2", "Östersundom", "-0,6"),
    ]
    # Raw keeps the text; the Finnish readings are the staging macros'.
    import duckdb

    from kuva_pipeline import sqlmacros

    con = duckdb.connect()
    sqlmacros.install(con)
    assert con.execute("SELECT fi_number('1234,50'), fi_number('\u22120,6'), fi_date('1.1.2022'), "
                       "fi_date('31.12.2021'), fi_timestamp('1.3.2024 9:05')").fetchone() == (
        1234.5, -0.6, date(2022, 1, 1), date(2021, 12, 31), datetime(2024, 3, 1, 9, 5))
    con.execute("SET TimeZone = 'Europe/Helsinki'")
    assert con.execute("SELECT helsinki_date('2021-12-31T22:30:00Z'), helsinki_date('2021-12-31T21:59:00Z')"
                       ).fetchone() == (date(2022, 1, 1), date(2021, 12, 31))



def test_only_a_chunk_duckdb_cannot_read_as_utf8_is_decoded_in_python(env, monkeypatch):
    """UTF-8 files (with or without a byte order mark) go to DuckDB as they are; a chunk holding
    a Windows-1252 page is read again transcoded, and its pages are counted once."""
    from kuva_pipeline.sources import landing, raw

    decoded: list[str] = []
    real = landing.detect_encoding
    monkeypatch.setattr(landing, "detect_encoding", lambda path, *a: decoded.append(path.name) or real(path, *a))
    folder, load = env
    _pages(folder, 1, [[{"id": 1, "name": "Käpylä"}], [{"id": 2, "name": "Töölö"}]])
    bom = folder / "a_2021-01_p002.json"
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    result, table = load(source("json_pages", count_key="count"))
    assert decoded == []
    assert [(r[0], r[1]) for r in table] == [("1", "Käpylä"), ("2", "Töölö")]
    # February's second page comes from a Windows tool: ä is the single byte 0xE4.
    _pages(folder, 2, [[{"id": 3, "name": "Kallio"}], [{"id": 4, "name": "Pasila"}, {"id": 5}]])
    cp = folder / "a_2021-02_p002.json"
    cp.write_bytes(cp.read_text(encoding="utf-8").replace("Pasila", "Hämeentie").encode("cp1252"))
    # Two pages a statement: January's are read and counted before February's fail.
    monkeypatch.setattr(raw, "PAGE_BATCH", 2)
    result, table = load(source("json_pages", count_key="count"), at=datetime(2021, 3, 1))
    assert [(r[0], r[1]) for r in table] == [
        ("1", "Käpylä"), ("2", "Töölö"), ("3", "Kallio"), ("4", "Hämeentie"), ("5", None)]
    # The whole range is one chunk here: all four pages were decoded for the second reading.
    assert sorted(decoded) == ["a_2021-01_p001.json", "a_2021-01_p002.json",
                               "a_2021-02_p001.json", "a_2021-02_p002.json"]
    # Each page counted once: read twice, January's would hold 4 records against count 2.
    assert result.page_count_mismatches == []
    assert result.rows_by_file == {"t/a_2021-01_p001.json": 1, "t/a_2021-01_p002.json": 1,
                                   "t/a_2021-02_p001.json": 1, "t/a_2021-02_p002.json": 2}


def test_a_header_that_is_not_utf8_is_read_transcoded(env):
    folder, load = env
    (folder / "a_2021-01.csv").write_bytes("id;name;amount;määrä\n1;Käpylä;2;3\n".encode("cp1252"))
    result, table = load(source(delim=";"))
    assert [r[:3] for r in table] == [("1", "Käpylä", "2")]
    assert result.extra_columns == {"t/a_2021-01.csv": ["määrä"]}

def test_quoted_fields_crlf_and_short_rows(env):
    folder, load = env
    (folder / "a_2021-01.csv").write_bytes(
        b'"id","name","amount"\r\n"1","Sirkus; ""Hyppy""","3"\r\n"2","Kallio"\r\n'
    )
    _, table = load(source(delim=","))
    # The short row is kept with its missing field NULL; staging rejects it with the reason.
    assert [r[:3] for r in table] == [("1", 'Sirkus; "Hyppy"', "3"), ("2", "Kallio", None)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1;a;2\n2;b;3;4\n", "a_2021-01.csv: line 3: field 4 (after amount): 4 fields where the header has 3"),
        ('1;a;2\n2;"b;3\n3;c;4\n', "a_2021-01.csv: line 3: field name: a quoted value is never closed"),
    ],
)
def test_unreadable_csv_names_file_line_and_field(env, body, message):
    folder, load = env
    (folder / "a_2021-01.csv").write_text("id;name;amount\n" + body, encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load(source(delim=";"))
    assert str(err.value).startswith("t/" + message)


def test_bytes_that_are_no_encoding_name_line_and_field(env):
    folder, load = env
    # 0x81 is undefined in cp1252 and not UTF-8.
    (folder / "a_2021-01.csv").write_bytes(b"id;name;amount\n1;ok;2\n2;bad\x81;3\n")
    with pytest.raises(LandingFileError) as err:
        load(source(delim=";"))
    assert str(err.value) == "t/a_2021-01.csv: line 3: field name: byte 0x81 is neither UTF-8 nor Windows-1252"


def test_missing_and_extra_columns(env):
    folder, load = env
    (folder / "a_2021-01.csv").write_text("id;name\n1;a\n", encoding="utf-8")
    with pytest.raises(LandingFileError, match=r"t/a_2021-01.csv: line 1: field amount: missing from the header"):
        load(source(delim=";"))
    (folder / "a_2021-01.csv").write_text("id;name;amount;note\n1;a;2;x\n", encoding="utf-8")
    result, table = load(source(delim=";"))
    assert result.extra_columns == {"t/a_2021-01.csv": ["note"]}
    assert [r[:3] for r in table] == [("1", "a", "2")]


def test_malformed_json_names_line_and_column(env):
    folder, load = env
    (folder / "a_2021-01.json").write_text('[\n {"id": 1, "name": "a"},\n {"id": 2, "name": }\n]', encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load(source("json_array"))
    assert str(err.value) == "t/a_2021-01.json: line 3, column 20: field name: Expecting value"


def test_pages_need_their_records_list_and_add_up_to_their_count(env):
    folder, load = env
    page = {"count": 3, "next": None, "previous": None, "results": [{"id": 1}, {"id": 2}]}
    (folder / "a_2021-01_p001.json").write_text(json.dumps(page), encoding="utf-8")
    result, table = load(source("json_pages", count_key="count"))
    assert [r[0] for r in table] == ["1", "2"]
    assert result.page_count_mismatches == [
        "t/a_2021-01.json: the pages say count 3 but hold 2 records in 1 page(s)"
    ]
    (folder / "a_2021-01_p001.json").write_text(json.dumps({"count": 0, "detail": "error"}), encoding="utf-8")
    with pytest.raises(LandingFileError, match="t/a_2021-01_p001.json: line 1: field results: missing"):
        load(source("json_pages", count_key="count"))


def _pages(folder, month, pages):
    """Write a month's API pages as the Varaamo API serves them; returns their names."""
    names = []
    for n, records in enumerate(pages, start=1):
        name = f"a_2021-{month:02d}_p{n:03d}.json"
        body = {"count": sum(len(p) for p in pages), "next": None, "previous": None, "results": records}
        (folder / name).write_text(json.dumps(body), encoding="utf-8")
        names.append(name)
    return names


def test_many_pages_load_together_with_their_own_record_numbers(env):
    folder, load = env
    _pages(folder, 1, [[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], [{"id": 3}], []])
    _pages(folder, 2, [[{"id": 4, "amount": "5"}], [{"id": 5}, {"id": 6}, {"id": 7}]])
    # A page holding two documents (newline-delimited) is numbered across both, as one file.
    (folder / "a_2021-03_p001.json").write_text(
        json.dumps({"count": 3, "results": [{"id": 8}, {"id": 9}]}) + "\n"
        + json.dumps({"count": 3, "results": [{"id": 10}]}) + "\n",
        encoding="utf-8",
    )
    result, table = load(source("json_pages", count_key="count"))
    assert [(r[3], r[4], r[0], r[1], r[2]) for r in table] == [
        ("t/a_2021-01_p001.json", 1, "1", "a", None),
        ("t/a_2021-01_p001.json", 2, "2", "b", None),
        ("t/a_2021-01_p002.json", 1, "3", None, None),
        ("t/a_2021-02_p001.json", 1, "4", None, "5"),
        ("t/a_2021-02_p002.json", 1, "5", None, None),
        ("t/a_2021-02_p002.json", 2, "6", None, None),
        ("t/a_2021-02_p002.json", 3, "7", None, None),
        ("t/a_2021-03_p001.json", 1, "8", None, None),
        ("t/a_2021-03_p001.json", 2, "9", None, None),
        ("t/a_2021-03_p001.json", 3, "10", None, None),
    ]
    assert result.rows_by_file == {
        "t/a_2021-01_p001.json": 2, "t/a_2021-01_p002.json": 1, "t/a_2021-02_p001.json": 1,
        "t/a_2021-02_p002.json": 3, "t/a_2021-03_p001.json": 3,
    }
    assert result.page_count_mismatches == []
    # The empty third page of January was read too: its count is part of the month's.
    assert result.files[:3] == ["t/a_2021-01_p001.json", "t/a_2021-01_p002.json", "t/a_2021-01_p003.json"]


def test_a_broken_page_among_many_is_named_and_nothing_is_loaded(env):
    folder, load = env
    _pages(folder, 1, [[{"id": 1}], [{"id": 2}], [{"id": 3}]])
    result, _ = load(source("json_pages", count_key="count"))
    assert result.rows == 3
    (folder / "a_2021-01_p002.json").write_text('{"count": 3,\n "results": [{"id": 2, "name": }]}', encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load(source("json_pages", count_key="count"), at=datetime(2021, 2, 1))
    assert str(err.value).startswith("t/a_2021-01_p002.json: line 2, column ")
    # The failed load changed nothing: the three records of the first load are still there.
    with duckdb.connect(str(folder.parent.parent / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT id, _loaded_at FROM raw.t ORDER BY id").fetchall() == [
            ("1", T0), ("2", T0), ("3", T0)]
    _pages(folder, 1, [[{"id": 1}], [{"id": 2}], [{"id": 3}]])
    (folder / "a_2021-01_p003.json").write_text(json.dumps({"count": 3, "detail": "error"}), encoding="utf-8")
    with pytest.raises(LandingFileError, match="t/a_2021-01_p003.json: line 1: field results: missing"):
        load(source("json_pages", count_key="count"), at=datetime(2021, 2, 1))


def test_many_csv_files_load_together_each_numbered_and_a_broken_one_is_named(env):
    folder, load = env
    for day in range(1, 6):
        rows = "".join(f"{day}{n};r{n};{n}\n" for n in range(1, day + 1))
        (folder / f"a_2021-01-{day:02d}.csv").write_text("id;name;amount\n" + rows, encoding="utf-8")
    result, table = load(source(delim=";"))
    # Day d's file holds d records, numbered 1..d within the file.
    assert result.rows_by_file == {f"t/a_2021-01-{d:02d}.csv": d for d in range(1, 6)}
    assert [(r[3], r[4], r[0]) for r in table if r[3].endswith("03.csv")] == [
        ("t/a_2021-01-03.csv", 1, "31"), ("t/a_2021-01-03.csv", 2, "32"), ("t/a_2021-01-03.csv", 3, "33")]
    # A quote never closed on the fourth file's line 3 stops the load, which is rolled back whole.
    (folder / "a_2021-01-04.csv").write_text('id;name;amount\n41;r1;1\n42;"r2;2\n', encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load(source(delim=";"), at=datetime(2021, 2, 1))
    assert str(err.value) == "t/a_2021-01-04.csv: line 3: field name: a quoted value is never closed"
    with duckdb.connect(str(folder.parent.parent / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), max(_loaded_at) FROM raw.t").fetchone() == (15, T0)


def test_xlsx_first_sheet_dates_numbers_and_blank_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "name", "amount"])
    ws.append([1, datetime(2021, 12, 31), 40.0])
    ws.append([None, None, None])
    ws.append([2, "x", 0.5])
    wb.create_sheet("Other").append(["ignored"])
    wb.save(tmp_path / "a.xlsx")
    out = xlsx_to_csv(tmp_path / "a.xlsx", tmp_path, "a.xlsx")
    assert out.read_text(encoding="utf-8") == "id,name,amount\n1,2021-12-31,40\n2,x,0.5\n"
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(LandingFileError, match=r"^broken.xlsx: line 1: not a readable .xlsx workbook"):
        xlsx_to_csv(tmp_path / "broken.xlsx", tmp_path, "broken.xlsx")


def test_partitions_replace_only_their_days_and_keep_loaded_at(env):
    folder, load = env
    (folder / "a_2021-01-05.csv").write_text("id;name;amount\n1;a;1\n", encoding="utf-8")
    (folder / "a_2021-02-05.csv").write_text("id;name;amount\n2;b;2\n", encoding="utf-8")
    _, first = load(source(delim=";"))
    # A corrected January file, loaded later for January only: February is untouched,
    # and an unchanged row would keep its first _loaded_at.
    (folder / "a_2021-01-05.csv").write_text("id;name;amount\n1;a;1\n3;c;3\n", encoding="utf-8")
    later = datetime(2021, 3, 1)
    _, second = load(source(delim=";"), date(2021, 1, 1), date(2021, 1, 31), at=later)
    assert [(r[0], r[-1]) for r in second] == [("1", T0), ("3", later), ("2", T0)]
    assert first[-1] == second[-1]


def test_an_unpartitioned_source_reloads_every_file(env):
    folder, load = env
    (folder / "a_2020.csv").write_text("id;name;amount\n1;a;1\n", encoding="utf-8")
    (folder / "a_2021.csv").write_text("id;name;amount\n2;b;2\n", encoding="utf-8")
    result, table = load(source(delim=";", partitioned=False), date(2021, 6, 1), date(2021, 6, 30))
    assert result.files == ["t/a_2020.csv", "t/a_2021.csv"] and len(table) == 2
    (folder / "a_2020.csv").unlink()
    # A year whose file is gone is emptied only when that is explicitly allowed.
    result, table = load(source(delim=";", partitioned=False), guard=ShrinkGuard(allow=True))
    assert [r[0] for r in table] == ["2"] and result.deleted == ["2020: 1 -> 0 rows"]


def test_reference_files_fail_with_line_and_field(tmp_path):
    import duckdb

    from kuva_pipeline.defs.reference import REFERENCE_TABLES, load_reference_csv

    ref = next(r for r in REFERENCE_TABLES if r.name == "ref_varaamo_resources")
    path = tmp_path / "varaamo_resources.csv"
    header = "resource_id,name,unit,type,service_area,for_sale,for_sale_from\n"
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    # The known areas are those of the service areas table, loaded first (as the asset graph does).
    areas = tmp_path / "service_areas.csv"
    areas.write_text(
        "code,name_fi,name_en,kind\nKUVA,Toimiala,Division,division\nNUP,Nuoriso,Youth,service_area\n"
        "KULP,Kulttuuri,Culture,service_area\nKIR,Kirjasto,Library,service_area\n"
        "LIIKU,Liikunta,Sports,service_area\nHALLINTO,Hallinto,Administration,common\n",
        encoding="utf-8",
    )
    load_reference_csv(con, next(r for r in REFERENCE_TABLES if r.name == "ref_service_areas"), areas)
    path.write_text(header + "r1,A,U,room,KIR,true,2021-15-01\n", encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load_reference_csv(con, ref, path)
    assert str(err.value) == "reference/varaamo_resources.csv: line 2: field for_sale_from: '2021-15-01' is not a DATE"
    path.write_text(header + "r1,A,U,room,KIR,false,\nr2,B,U,room,XYZ,false,\nr1,C,U,room,NUP,false,\n",
                    encoding="utf-8")
    with pytest.raises(LandingFileError) as err:
        load_reference_csv(con, ref, path)
    assert str(err.value) == (
        "reference/varaamo_resources.csv: lines 2, 4: resource_id r1 appears more than once; "
        "line 3: service_area is not KIR, KULP, LIIKU or NUP"
    )


def test_a_month_larger_than_a_row_group_loads_whole(env):
    # DuckDB 2.0 scans a table made by `CREATE ... AS ... LIMIT 0` and then filled with more
    # than a row group (122,880 rows) inside a transaction as empty; the loader must not.
    folder, load = env
    n = 130_000
    (folder / "a_2021-01.csv").write_text(
        "id;name;amount\n" + "".join(f"{i};n{i};{i}\n" for i in range(n)), encoding="utf-8"
    )
    result, table = load(source(delim=";"))
    assert result.rows == n == len(table)
    assert result.rows_by_file == {"t/a_2021-01.csv": n}


def _md5_number(*fields: str | None) -> int:
    """The row hash worked out in Python: md5 of the fields joined by U+001F (a missing
    field as \\N), read as a little-endian 128-bit number, as DuckDB's md5_number reads it."""
    text = "\x1f".join("\\N" if f is None else f for f in fields)
    import hashlib

    return int.from_bytes(hashlib.md5(text.encode("utf-8")).digest(), "little")


def test_the_row_hash_is_the_md5_of_the_fields_as_a_number():
    con = duckdb.connect()
    from kuva_pipeline import sqlmacros

    sqlmacros.install(con)
    # A missing field is hashed as \N; an empty one is not the same record.
    assert con.execute("SELECT row_hash(['1', 'Käpylä', '12,5']), row_hash(['2', NULL, NULL]), "
                       "row_hash(['2', '', NULL])").fetchone() == (
        _md5_number("1", "Käpylä", "12,5"), _md5_number("2", None, None), _md5_number("2", "", None))


def test_a_reload_keeps_loaded_at_of_unchanged_records_and_drops_a_stored_hash(env, tmp_path):
    folder, load = env
    (folder / "a_2021-01.csv").write_text("id;name;amount\n1;a;1\n2;b;2\n3;;3\n", encoding="utf-8")
    # The table as an older loader left it: the md5 stored as 32 hex digits, loaded at T0.
    import hashlib

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.t (id VARCHAR, name VARCHAR, amount VARCHAR, _source_file VARCHAR NOT NULL, "
            "_record_index BIGINT NOT NULL, _row_hash VARCHAR NOT NULL, _partition_date DATE NOT NULL, "
            "_loaded_at TIMESTAMP NOT NULL)"
        )
        for n, (i, name) in enumerate([("1", "a"), ("2", "b"), ("3", None)], start=1):
            hex_hash = hashlib.md5("\x1f".join([i, name or "\\N", i]).encode()).hexdigest()
            con.execute(
                "INSERT INTO raw.t VALUES (?, ?, ?, 't/a_2021-01.csv', ?, ?, DATE '2021-01-01', ?)",
                [i, name, i, n, hex_hash, T0],
            )
    # Record 2 changes before the next load; records 1 and 3 (a missing name) do not.
    (folder / "a_2021-01.csv").write_text("id;name;amount\n1;a;1\n2;B;2\n3;;3\n", encoding="utf-8")
    later = datetime(2021, 2, 1)
    result, table = load(source(delim=";"), at=later)
    assert [(r[0], r[1], r[6]) for r in table] == [("1", "a", T0), ("2", "B", later), ("3", None, T0)]
    assert result.new_rows == 1
    # The same files again: nothing is new.
    result, table = load(source(delim=";"), at=datetime(2021, 3, 1))
    assert [r[6] for r in table] == [T0, later, T0] and result.new_rows == 0
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position"
        ).fetchall() == [(c,) for c in (
            "id", "name", "amount", "_source_file", "_record_index", "_partition_date", "_loaded_at")]


def test_json_fields_read_as_text_whatever_their_json_type(env):
    """Each record is parsed once into its fields; the text of each is what the export holds."""
    folder, load = env
    (folder / "a_2021-01_p001.json").write_text(
        '{"count": 6, "results": ['
        '{"id": 7, "name": {"fi": "Käpylä", "sv": null}, "amount": 1.50}, '
        '{"id": "x\\"y", "name": [1, "a"], "amount": true}, '
        '{"id": null, "amount": 1e3}, '
        '5, '
        '{"ID": 1, "id": "first", "id": "second"}, '
        '{"name": "", "amount": -0}'
        ']}',
        encoding="utf-8",
    )
    result, table = load(source("json_pages", count_key="count"))
    assert result.rows == 6 and result.page_count_mismatches == []
    assert [r[:3] for r in table] == [
        ("7", '{"fi":"Käpylä","sv":null}', "1.5"),
        ('x"y', '[1,"a"]', "true"),
        (None, None, "1000.0"),
        (None, None, None),  # a record that is not an object: counted, every field missing
        ("first", None, None),  # names are case-sensitive; the first of a repeated name
        (None, "", "0"),
    ]
    assert [r[4] for r in table] == [1, 2, 3, 4, 5, 6]  # record numbers in page order
