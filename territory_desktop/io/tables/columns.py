"""CRM column specs: the fields of accounts and reps, and guessing which column holds which.

The guesses know Salesforce, HubSpot, Dynamics 365 and generic names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Column mapping


@dataclass(frozen=True)
class FieldSpec:
    """A target field, its label for the mapping dialog, and column names that mean it."""

    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


_LAT = ("latitude", "lat", "billinglatitude", "shippinglatitude", "address1latitude",
        "geolatitude", "geolat", "locationlatitude", "y")
_LON = ("longitude", "lon", "lng", "long", "billinglongitude", "shippinglongitude",
        "address1longitude", "geolongitude", "geolon", "geolng", "locationlongitude", "x")
_POSTAL = ("postalcode", "postcode", "zip", "zipcode", "zippostalcode", "billingpostalcode",
           "billingzip", "billingzippostalcode", "address1postalcode", "address1zippostalcode",
           "shippingpostalcode", "shippingzippostalcode", "plz", "postleitzahl", "zcta2010")
_STREET = ("address", "streetaddress", "street", "billingstreet", "address1line1",
           "address1street1", "addressline1", "address1", "street1", "shippingstreet")
_CITY = ("city", "billingcity", "address1city", "town", "shippingcity")
_STATE = ("state", "stateregion", "stateprovince", "province", "region", "billingstate",
          "billingstateprovince", "address1stateorprovince", "address1stateprovince")
_COUNTRY = ("country", "countryregion", "countrycode", "billingcountry", "address1country",
            "address1countryregion")

ACCOUNT_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Account ID", ("id", "accountid", "recordid", "companyid", "customerid",
                                   "customernumber", "customerno", "accountnumber", "accountno",
                                   "externalid", "number"), required=True),
    FieldSpec("name", "Name", ("name", "accountname", "companyname", "company", "customername",
                               "customer", "businessname", "organization", "organisation",
                               "account", "displayname"), required=True),
    FieldSpec("lat", "Latitude", _LAT),
    FieldSpec("lon", "Longitude", _LON),
    FieldSpec("postal_code", "Postal code", _POSTAL),
    FieldSpec("address", "Street address", _STREET),
    FieldSpec("city", "City", _CITY),
    FieldSpec("state", "State / region", _STATE),
    FieldSpec("country", "Country", _COUNTRY),
    FieldSpec("segment", "Segment", ("segment", "customersegment", "accountsegment", "type",
                                     "accounttype", "companytype", "customertype",
                                     "customertypecode", "category", "channel")),
    FieldSpec("industry", "Industry", ("industry", "industrycode", "sector", "vertical",
                                       "subtype")),
    FieldSpec("potential", "Potential / revenue", ("potential", "salespotential",
                                                   "annualpotential", "annualrevenue",
                                                   "revenue", "annualsales", "sales",
                                                   "turnover", "value", "volume")),
    FieldSpec("score", "Score", ("score", "accountscore", "leadscore", "hubspotscore",
                                 "priorityscore")),
    FieldSpec("tier", "Tier (A/B/C)", ("tier", "accounttier", "customertier", "abc",
                                       "abcclass", "abcclassification", "abcsegment", "class",
                                       "classification", "accountclass", "priority")),
    FieldSpec("frequency", "Visit frequency", ("frequency", "visitfrequency", "callfrequency",
                                               "visits", "visitsper4weeks", "calls",
                                               "callsper4weeks", "cadence")),
    FieldSpec("every_weeks", "Weeks between visits", ("everyweeks", "visitintervalweeks",
                                                      "intervalweeks", "cycleweeks",
                                                      "weeksbetweenvisits")),
    FieldSpec("visit_minutes", "Visit minutes", ("visitminutes", "callminutes", "visitduration",
                                                 "callduration", "durationminutes", "duration",
                                                 "visitlength", "minutes")),
    FieldSpec("owner", "Owner", ("owner", "accountowner", "companyowner", "ownername",
                                 "ownerid", "salesrep", "rep", "accountmanager", "assignedto",
                                 "hubspotowner")),
    FieldSpec("notes", "Notes", ("notes", "note", "description", "comments", "comment",
                                 "remarks")),
)

REP_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id", "Rep ID", ("id", "repid", "userid", "employeeid", "employeenumber",
                               "salesrepid", "recordid", "ownerid"), required=True),
    FieldSpec("name", "Name", ("name", "repname", "fullname", "username", "salesrep", "rep",
                               "displayname", "employeename"), required=True),
    FieldSpec("first_name", "First name", ("firstname", "givenname", "forename")),
    FieldSpec("last_name", "Last name", ("lastname", "surname", "familyname")),
    FieldSpec("lat", "Home latitude", ("homelatitude", "homelat", *_LAT)),
    FieldSpec("lon", "Home longitude", ("homelongitude", "homelon", "homelng", *_LON)),
    FieldSpec("postal_code", "Home postal code", ("homepostalcode", "homezip",
                                                  "homepostcode", *_POSTAL)),
    FieldSpec("country", "Country", _COUNTRY),
    FieldSpec("weekly_hours", "Weekly hours", ("weeklyhours", "hoursperweek", "hours",
                                               "weeklycapacity", "capacityhours", "capacity")),
    FieldSpec("skills", "Skills", ("skills", "skill", "specialties", "specialities",
                                   "competencies", "products")),
)

# (field key, required) pairs for the column-mapping dialog; labels are in the *_SPECS.
ACCOUNT_FIELDS: tuple[tuple[str, bool], ...] = tuple(
    (s.key, s.required) for s in ACCOUNT_FIELD_SPECS)
REP_FIELDS: tuple[tuple[str, bool], ...] = tuple((s.key, s.required) for s in REP_FIELD_SPECS)
REQUIRED_HELP = "id, name, and latitude + longitude or a postal code"


def _guess(columns: Iterable[str], fields: tuple[FieldSpec, ...]) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for spec in fields:
        for alias in spec.aliases:
            found = by_norm.get(alias)
            if found is not None and found not in used:
                col = found
                mapping[spec.key] = col
                used.add(col)
                break
    # Looser second pass for coordinates: any column ending in "latitude"/"longitude".
    for key, suffixes in (("lat", ("latitude",)), ("lon", ("longitude",))):
        if key in mapping or not any(s.key == key for s in fields):
            continue
        for norm_name, col in by_norm.items():
            if col not in used and norm_name.endswith(suffixes):
                mapping[key] = col
                used.add(col)
                break
    return mapping


def guess_account_mapping(columns: Iterable[str]) -> dict[str, str]:
    """Field -> column for the account fields recognised in ``columns``."""
    return _guess(columns, ACCOUNT_FIELD_SPECS)


def guess_rep_mapping(columns: Iterable[str]) -> dict[str, str]:
    """Field -> column for the rep fields recognised in ``columns``."""
    return _guess(columns, REP_FIELD_SPECS)


def _usable_mapping(
    mapping: Mapping[str, str] | None, columns: list[str], fields: tuple[FieldSpec, ...]
) -> dict[str, str]:
    if mapping is None:
        return _guess(columns, fields)
    known = {s.key for s in fields}
    return {k: v for k, v in mapping.items() if k in known and v in columns}


def _missing(mapping: Mapping[str, str]) -> list[str]:
    missing = [key for key in ("id", "name") if key not in mapping]
    has_coords = "lat" in mapping and "lon" in mapping
    if not has_coords and "postal_code" not in mapping:
        missing.append("location")
    return missing
