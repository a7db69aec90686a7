"""Synthetic personal data: names, e-mail addresses (example.* domains) and phone numbers.

Raw Varaamo and check-in files carry personal data on purpose, so that the
pipeline's rule "personal data never leaves the raw layer" has something to
bite on. None of it belongs to a real person.
"""

from __future__ import annotations

import numpy as np

from kuva_pipeline.sample.rng import pick, randint

FIRST = (
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Sofia",
    "Onni",
    "Aada",
    "Leevi",
    "Emma",
    "Elias",
    "Linnea",
    "Oliver",
    "Ilona",
    "Juho",
    "Kerttu",
    "Matias",
    "Siiri",
    "Eetu",
    "Venla",
    "Lauri",
    "Anna",
    "Mikko",
    "Liisa",
    "Jari",
    "Päivi",
    "Timo",
    "Sanna",
    "Antti",
    "Hanna",
    "Jussi",
    "Satu",
    "Pekka",
    "Tiina",
    "Ville",
    "Outi",
    "Markku",
)
LAST = (
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
)
_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})


def person(rng: np.random.Generator) -> tuple[str, str, str]:
    """(name, e-mail, phone) of a synthetic person."""
    first, last = pick(rng, FIRST), pick(rng, LAST)
    local = f"{first}.{last}".lower().translate(_ASCII)
    style = randint(rng, 0, 3)
    if style == 1:
        local = f"{first.lower().translate(_ASCII)}{randint(rng, 10, 99)}"
    email = f"{local}@{pick(rng, ('example.com', 'example.net', 'example.org'))}"
    return f"{first} {last}", email, phone(rng)


def phone(rng: np.random.Generator) -> str:
    prefix = pick(rng, ("40", "44", "45", "50"))
    body = f"{randint(rng, 1000000, 10000000):07d}"
    style = randint(rng, 0, 3)
    if style == 0:
        return f"+358 {prefix} {body[:3]} {body[3:]}"
    if style == 1:
        return f"0{prefix} {body}"
    return f"+358{prefix}{body}"
