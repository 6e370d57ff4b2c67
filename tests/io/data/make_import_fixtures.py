"""Writes the CRM-flavoured CSV fixtures from real LA facilities (HIFLD, public use).

Source: /work/shared/data/accounts/la_metro_healthcare_accounts.csv. Names, addresses, ZIPs and
coordinates are real. There is no revenue in the source: revenue columns hold beds x 100,000, a
made-up size proxy. Owners are fictional rep names.
"""

import csv
from pathlib import Path

SRC = Path(__file__).resolve().parents[4] / "shared/data/accounts/la_metro_healthcare_accounts.csv"
HERE = Path(__file__).parent
rows = list(csv.DictReader(SRC.open(encoding="utf-8")))[:6]
OWNERS = ["Dana Whitfield", "Luis Ortega", "Priya Raman"]


def rev(r: dict) -> str:
    return str(int(float(r["beds"]) * 100_000)) if r["beds"] not in ("", "nan") else ""


def write(name: str, header: list[str], body: list[list[str]], delimiter: str = ",") -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(body)


write("salesforce_accounts.csv",
      ["Account ID", "Account Name", "Type", "Industry", "AnnualRevenue", "BillingStreet",
       "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry", "BillingLatitude",
       "BillingLongitude", "Account Owner", "OwnerId"],
      [[r["account_id"], r["name"], "Customer - Direct", r["subtype"], rev(r), r["address"],
        r["city"], r["state"], r["zip"], "United States", r["lat"], r["lon"],
        OWNERS[i % 3], f"005{i:012d}"] for i, r in enumerate(rows)])

# HubSpot: the last company has no coordinates, only a ZIP (placed approximately).
write("hubspot_companies.csv",
      ["Record ID", "Company name", "Street Address", "City", "State/Region", "Postal Code",
       "Country/Region", "Industry", "Annual Revenue", "Company owner", "Latitude", "Longitude",
       "Create Date"],
      [[str(9000 + i), r["name"], r["address"], r["city"], r["state"], r["zip"],
        "United States", "HOSPITAL_HEALTH_CARE", rev(r), OWNERS[i % 3],
        "" if i == 5 else r["lat"], "" if i == 5 else r["lon"], f"2024-05-0{i + 1} 10:00"]
       for i, r in enumerate(rows)])

write("dynamics_accounts.csv",
      ["accountid", "name", "accountnumber", "address1_line1", "address1_city",
       "address1_stateorprovince", "address1_postalcode", "address1_latitude",
       "address1_longitude", "industrycode", "revenue", "ownerid", "customertypecode"],
      [[f"6f1c2a1e-0000-4000-8000-{i:012d}", r["name"], r["account_id"], r["address"],
        r["city"], r["state"], r["zip"], r["lat"], r["lon"], "Health Care", rev(r),
        OWNERS[i % 3], "Enterprise" if i == 0 else "Customer"] for i, r in enumerate(rows)])

# European-style export: semicolons, decimal commas, tiers and frequencies as words.
freqs = ["weekly", "every 2 weeks", "monthly", "4 per 4 weeks", "2", "twice a month"]
write("generic_semicolon.csv",
      ["id", "name", "lat", "lon", "zip", "tier", "frequency", "visit_minutes", "segment"],
      [[r["account_id"], r["name"], r["lat"].replace(".", ","), r["lon"].replace(".", ","),
        r["zip"], "ABCABC"[i], freqs[i], ["45", "30 min", "1h", "20", "", "0:40"][i],
        r["category"]] for i, r in enumerate(rows)], delimiter=";")
