"""Finance: cost, outputs and budget per service area and year, as Finnish Excel CSV.

`;` separated with decimal commas, UTF-8 with BOM or cp1252, one file per
year. Unpartitioned: each run reloads every year's file, so a corrected file
replaces its year. No personal data.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

FINANCE = RawSource(
    name="finance",
    table="finance",
    folder="finance",
    description="Cost, outputs and budget per service area and year, exactly as exported.",
    fields=(
        "vuosi",
        "palvelualue",
        "kustannukset_eur",
        "suoritteet",
        "talousarvio_eur",
        "suoritteen_laji",
    ),
    readers=(Reader("*.csv", "csv", delim=";"),),
    day_expr="make_date(try_cast(fi_integer(vuosi) AS INTEGER), 1, 1)",
    partitioned=False,
    field_descriptions={
        "vuosi": "Year.",
        "palvelualue": "Service area: a code of kind service_area or common in reference/service_areas.csv, any case (KIR, KULP, LIIKU, NUP, hallinto).",
        "kustannukset_eur": "Cost in euros (decimal comma; a correction may be negative with U+2212).",
        "suoritteet": "Outputs (suoritteet) of the row.",
        "talousarvio_eur": "Budget in euros; empty on correction rows.",
        "suoritteen_laji": "What the outputs are, or 'oikaisu: ...' on a correction.",
    },
)

FINANCE_SOURCE = Source(
    name="finance",
    title="Finance",
    raw=(FINANCE,),
    freshness_days=400,
    freshness_note="one file per year, after the books close",
)
