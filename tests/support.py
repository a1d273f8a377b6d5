"""Material several test modules share: the small articles they brief and the reader of JSON errors.
(Fixtures live in conftest.py; constants used at collection time, in parametrize lists, live here.)"""

from __future__ import annotations

from typing import Any

# A short local-news story: every number, name and time a briefing could drop or invent.
ARTICLE = (
    "The city council of Springfield voted 7 to 2 on Tuesday to build a new library on Main Street. "
    "The library will cost $4.5 million and open in 2027, Mayor Ann Lee said. "
    "Critics said the money should go to road repairs instead. "
    "The council will hold a public hearing on the design in March. "
    "Construction is expected to take eighteen months."
)

# A longer wire story of the kind the service exists for (the sample article's subject, other words).
SYRIA_ARTICLE = " ".join(
    [
        "Rebels captured the city of Hama on Thursday after several days of fighting with government forces.",
        "President Bashar al-Assad had already lost control of Aleppo, a city of two million people, last week.",
        "Thousands of residents of Homs fled south toward the capital, Damascus, in long lines of cars.",
        "The Syrian Observatory for Human Rights said jets struck a bridge between Homs and Hama.",
        "The rebel leader told the people of Homs that their time has come.",
        "Iran said it was ready to send more forces to Syria if the government asked for them.",
        "Russia, another ally of the government, carried out air strikes on rebel positions near Hama.",
        "The United Nations said the fighting had made a dire situation for civilians even worse.",
        "Aid groups warned that food and medicine were running out in the north of the country.",
        "More than 280,000 people have been displaced since the offensive began, the UN said.",
        "The government said its troops had regrouped outside Hama to protect civilians.",
        "Analysts said the fall of Homs would cut the capital off from the coast.",
        "The coast is home to the Alawite minority to which the president belongs.",
        "Residents of Damascus reported long queues at bakeries and petrol stations on Friday.",
        "The rebels said they would not harm members of religious minorities in the cities they took.",
    ]
)


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of a JSON error body, after checking the body has that shape alone."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]
