"""Demo rulebooks: for each demo manufacturer, territories and partner authorizations, a published
rulebook (about 30 route rules, a pricing corridor for every product line and route, deal
registration criteria), a draft with pending changes, and a few exception requests, so a new user
can try explain, lint and simulate at once.

Everything goes through the same services as the console (territories, rule and corridor saves,
publish, the exception workflow), so the demo shows what those produce, audit log included. Each
step first looks for what it would create, so seeding again changes nothing: territories by code,
authorizations by partner, territory and line, the rulebook as soon as it has a version, the
exceptions as soon as the tenant has one. Stored decisions are computed for accounts that have
none yet (after `--scale` added some, for instance).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Account, ProductLine, TargetList
from core.acting import SystemActor
from core.audit import audit_context
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionKind
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    PartnerAuthorization,
    RouteRule,
    RulebookVersion,
    RuleException,
    Territory,
)
from guardrails.services.decisions import recompute_routes
from guardrails.services.exception_requests import request_exception, review_exception
from guardrails.services.pricing import check_discount, record_leakage, save_corridor
from guardrails.services.publish import publish
from guardrails.services.registration import save_criteria
from guardrails.services.rules import move_rule, save_rule
from guardrails.services.territories import save_authorization, save_territory
from guardrails.services.versions import active_version, create_draft
from pipeline.models import Opportunity, OpportunityLine
from tenancy.models import Membership, Partner, Team, Tenant

__all__ = ["seed"]

# --- territories: code, name, description, areas (country, region, postal from, postal to) ------

TERRITORIES: dict[str, list[tuple[str, str, str, list[tuple[str, str, str, str]]]]] = {
    "acme": [
        (
            "dach",
            "DACH",
            "Germany, Austria and Switzerland",
            [("DE", "", "", ""), ("AT", "", "", ""), ("CH", "", "", "")],
        ),
        (
            "de-south",
            "Germany South",
            "Bavaria and Baden-Württemberg",
            [("DE", "DE-BY", "", ""), ("DE", "DE-BW", "", "")],
        ),
        ("bavaria", "Bavaria", "", [("DE", "DE-BY", "", "")]),
        (
            "munich",
            "Munich metro",
            "Munich and its surroundings (postal codes 80–81 and 85)",
            [("DE", "DE-BY", "80", "81"), ("DE", "DE-BY", "85", "")],
        ),
        (
            "stuttgart",
            "Stuttgart metro",
            "Postal codes 70–71",
            [("DE", "DE-BW", "70", "71")],
        ),
        (
            "de-west",
            "Germany West",
            "North Rhine-Westphalia, Hesse and Lower Saxony",
            [("DE", "DE-NW", "", ""), ("DE", "DE-HE", "", ""), ("DE", "DE-NI", "", "")],
        ),
        (
            "rhine-ruhr",
            "Rhine-Ruhr",
            "Düsseldorf, Duisburg, Essen, Bochum, Dortmund (postal codes 40–47)",
            [("DE", "DE-NW", "40", "47")],
        ),
        ("austria", "Austria", "", [("AT", "", "", "")]),
        ("switzerland", "Switzerland", "", [("CH", "", "", "")]),
        (
            "nordics",
            "Nordics",
            "Sweden, Norway, Finland and Denmark",
            [("SE", "", "", ""), ("NO", "", "", ""), ("FI", "", "", ""), ("DK", "", "", "")],
        ),
        (
            "ore-belt",
            "Swedish ore belt",
            "Norrbotten and Västerbotten mining districts",
            [("SE", "SE-BD", "", ""), ("SE", "SE-AC", "", "")],
        ),
        ("poland", "Poland", "", [("PL", "", "", "")]),
        (
            "benelux",
            "Benelux",
            "Expansion market, no distributor appointed yet",
            [("NL", "", "", ""), ("BE", "", "", ""), ("LU", "", "", "")],
        ),
        (
            "uk-ireland",
            "UK and Ireland",
            "Expansion market, no distributor appointed yet",
            [("GB", "", "", ""), ("IE", "", "", "")],
        ),
    ],
    "globex": [
        (
            "great-lakes",
            "Great Lakes",
            "Illinois, Michigan, Ohio and Wisconsin",
            [
                ("US", "US-IL", "", ""),
                ("US", "US-MI", "", ""),
                ("US", "US-OH", "", ""),
                ("US", "US-WI", "", ""),
            ],
        ),
        (
            "chicagoland",
            "Chicagoland",
            "ZIP codes 600–608",
            [("US", "US-IL", "600", "608")],
        ),
        (
            "gulf-coast",
            "Gulf Coast",
            "Texas and Louisiana",
            [("US", "US-TX", "", ""), ("US", "US-LA", "", "")],
        ),
        (
            "houston",
            "Houston metro",
            "ZIP codes 770–775",
            [("US", "US-TX", "770", "775")],
        ),
        (
            "prairie",
            "Prairie states",
            "Kansas, Nebraska and Iowa",
            [("US", "US-KS", "", ""), ("US", "US-NE", "", ""), ("US", "US-IA", "", "")],
        ),
        (
            "us-west",
            "US West",
            "California, Oregon and Washington: direct only",
            [("US", "US-CA", "", ""), ("US", "US-OR", "", ""), ("US", "US-WA", "", "")],
        ),
        (
            "canada",
            "Canada",
            "Expansion market, no distributor appointed yet",
            [("CA", "", "", "")],
        ),
    ],
}

# --- authorizations: partner key, territory, product line (None: every line), start and end -----
# Days relative to today; an end of None is open-ended.

AUTHORIZATIONS: dict[str, list[tuple[str, str, str | None, int, int | None]]] = {
    "acme": [
        ("nordic", "nordics", None, -900, None),
        ("nordic", "ore-belt", "rental", -400, 45),  # up for renewal soon
        ("rhein", "de-west", None, -1200, None),
        ("rhein", "de-south", "hydraulics", -300, 30),  # trial, ends next month
        ("rhein", "benelux", "parts", -60, None),
        ("alpine", "austria", None, -1500, None),
        ("alpine", "switzerland", None, -1500, None),
        ("alpine", "de-south", "parts", -700, None),
        ("alpine", "de-south", "service", -700, None),
        ("alpine", "de-south", "rental", -700, None),
        ("alpine", "munich", None, -200, None),
        ("baltic", "poland", "rental", -500, None),
        ("baltic", "poland", "parts", -500, None),
        ("baltic", "nordics", "rental", -800, -30),  # expired last month
    ],
    "globex": [
        ("greatlakes", "great-lakes", None, -1000, None),
        ("greatlakes", "prairie", "aftermarket", -300, 60),
        ("gulfcoast", "gulf-coast", None, -900, None),
        ("gulfcoast", "houston", "service", -400, None),
        ("prairie", "prairie", None, -700, None),
        ("prairie", "great-lakes", "portable", -100, 20),  # pilot, ends soon
        ("prairie", "gulf-coast", "aftermarket", -600, -10),  # lapsed
    ],
}

# --- rules --------------------------------------------------------------------------------------
# Targets name teams by external id ("T-1"), partners by key ("nordic"), target lists by name;
# conditions are written as in the API with these names resolved at seeding time.


def _c(field: str, op: str, value: Any) -> dict:
    return {"field": field, "op": op, "value": value}


def _upto(band: str) -> dict:
    return {"min": None, "max": band}


def _from(band: str) -> dict:
    return {"min": band, "max": None}


ABM = "ABM 2027: strategic accounts"
MINING = "Mining expansion"

RULES: dict[str, list[dict]] = {
    "acme": [
        {
            "name": "Direct-named accounts",
            "conditions": [_c("named_account", "is", True)],
            "outcome": "direct",
            "target_kind": "owner",
            "rationale": "Named accounts are reserved for their direct account team.",
        },
        {
            "name": "ABM 2027 target accounts",
            "conditions": [_c("target_list", "any", [ABM])],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-1",
            "rationale": "Accounts in the ABM 2027 programme are worked by Strategic Accounts.",
        },
        {
            "name": "Mining expansion in the ore belt",
            "conditions": [
                _c("target_list", "any", [MINING]),
                _c("territory", "in", ["ore-belt"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "Mine operators in Norrbotten buy fleets; Direct Nordics leads them.",
        },
        {
            "name": "Key accounts in the ore belt",
            "conditions": [_c("tier", "in", ["key"]), _c("territory", "in", ["ore-belt"])],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "Mines and smelters in the ore belt buy fleets from Direct Nordics.",
        },
        {
            "name": "Large key accounts, DACH",
            "conditions": [
                _c("tier", "in", ["key"]),
                _c("employee_band", "between", _from("1000-4999")),
                _c("territory", "in", ["dach"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-1",
            "rationale": "Key accounts with 1,000+ employees buy fleets under frame contracts.",
        },
        {
            "name": "Large key accounts, Nordics",
            "conditions": [
                _c("tier", "in", ["key"]),
                _c("employee_band", "between", _from("1000-4999")),
                _c("territory", "in", ["nordics"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "Key accounts with 1,000+ employees buy fleets under frame contracts.",
        },
        {
            "name": "Utilities and oil & gas frame contracts",
            "conditions": [
                _c("segment", "in", ["utilities", "oil-gas"]),
                _c("revenue_band", "between", _from("250M-1B")),
            ],
            "outcome": "direct",
            "target_kind": "owner",
            "rationale": "Large utilities and energy companies buy through central procurement.",
        },
        {
            "name": "Large deals open to both routes",
            "conditions": [_c("deal_size", "between", {"min": 500000, "max": None})],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Deals above 500,000 are open to both routes; deal registration decides.",
        },
        {
            "name": "Rhine-Ruhr hydraulics",
            "conditions": [
                _c("territory", "in", ["rhine-ruhr"]),
                _c("product_line", "any", ["hydraulics"]),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "rhein",
            "rationale": "Rhein Hydraulik is our hydraulics specialist in Rhine-Ruhr.",
        },
        {
            "name": "Munich metro, under 500 employees",
            "conditions": [
                _c("territory", "in", ["munich"]),
                _c("employee_band", "between", _upto("200-499")),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "alpine",
            "rationale": "Alpine Parts & Service covers the Munich area for mid-size companies.",
        },
        {
            "name": "Bavaria spare parts, under 500 employees",
            "conditions": [
                _c("region", "in", ["DE-BY"]),
                _c("employee_band", "between", _upto("200-499")),
                _c("product_line", "any", ["parts"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Spare parts for smaller Bavarian customers come from a local partner.",
        },
        {
            "name": "Service-heavy buyers in the Nordics",
            "conditions": [
                _c("product_mix", "at_least", 75),
                _c("territory", "in", ["nordics"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Parts, service and rental buyers are best served by a local partner.",
        },
        {
            "name": "Service-heavy buyers in DACH",
            "conditions": [
                _c("product_mix", "at_least", 75),
                _c("territory", "in", ["dach"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Parts, service and rental buyers are best served by a local partner.",
        },
        {
            "name": "Stuttgart growth accounts",
            "conditions": [_c("territory", "in", ["stuttgart"]), _c("tier", "in", ["growth"])],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Both routes may work growth accounts around Stuttgart; register deals.",
        },
        {
            "name": "Germany South, under 500 employees",
            "conditions": [
                _c("territory", "in", ["de-south"]),
                _c("employee_band", "between", _upto("200-499")),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Smaller companies in Bavaria and Baden-Württemberg buy from partners.",
        },
        {
            "name": "Germany West, growth and transactional",
            "conditions": [
                _c("territory", "in", ["de-west"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Rhein Hydraulik and other authorized partners cover the west.",
        },
        {
            "name": "Austria, growth and transactional",
            "conditions": [
                _c("territory", "in", ["austria"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Austria is served by our authorized partners.",
        },
        {
            "name": "Switzerland, under 200 employees",
            "conditions": [
                _c("territory", "in", ["switzerland"]),
                _c("employee_band", "between", _upto("50-199")),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Small Swiss customers are served by our authorized partners.",
        },
        {
            "name": "Switzerland, mid-size",
            "conditions": [
                _c("territory", "in", ["switzerland"]),
                _c("employee_band", "between", {"min": "200-499", "max": "500-999"}),
            ],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Mid-size Swiss customers are open to both routes; register deals.",
        },
        {
            "name": "Nordic forestry",
            "conditions": [_c("territory", "in", ["nordics"]), _c("segment", "in", ["forestry"])],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "nordic",
            "rationale": "Nordic Industrial Supply runs our forestry programme.",
        },
        {
            "name": "Nordics, growth and transactional",
            "conditions": [
                _c("territory", "in", ["nordics"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Smaller Nordic customers are served by authorized partners.",
        },
        {
            "name": "Nordic key accounts",
            "conditions": [_c("territory", "in", ["nordics"]), _c("tier", "in", ["key"])],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Nordic key accounts are open to both routes; deal registration decides.",
        },
        {
            "name": "Poland rental and field service",
            "conditions": [
                _c("country", "in", ["PL"]),
                _c("service_need", "any", ["rental", "field_service"]),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "baltic",
            "rationale": "Baltic Machinery Rental runs rental and service in Poland.",
        },
        {
            "name": "Poland, all but key accounts",
            "conditions": [
                _c("country", "in", ["PL"]),
                _c("tier", "not_in", ["key", "strategic"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Poland is a partner market.",
        },
        {
            "name": "Benelux",
            "conditions": [_c("territory", "in", ["benelux"])],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Benelux is covered by authorized partners while we build the market.",
        },
        {
            "name": "UK and Ireland",
            "conditions": [_c("territory", "in", ["uk-ireland"])],
            "outcome": "open",
            "target_kind": "none",
            "rationale": "UK and Ireland are open to both routes until a distributor is appointed.",
        },
        {
            "name": "Rental-only buyers",
            "conditions": [
                _c("product_line", "any", ["rental"]),
                _c("product_line", "none", ["excavators", "loaders"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Customers who only rent are served by rental partners.",
        },
        {
            "name": "Partner-owned accounts stay",
            "conditions": [_c("owner", "is", "partner")],
            "outcome": "partner",
            "target_kind": "owner",
            "rationale": "The partner that owns the account keeps it.",
        },
        {
            "name": "Small unowned prospects",
            "conditions": [
                _c("owner", "is", "none"),
                _c("employee_band", "between", _upto("50-199")),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "New small prospects are developed by authorized partners.",
        },
    ],
    "globex": [
        {
            "name": "Direct-named accounts",
            "conditions": [_c("named_account", "is", True)],
            "outcome": "direct",
            "target_kind": "owner",
            "rationale": "Named accounts are reserved for their key account team.",
        },
        {
            "name": "ABM 2027 target accounts",
            "conditions": [_c("target_list", "any", [ABM])],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-1",
            "rationale": "Accounts in the ABM 2027 programme are worked by Key Accounts East.",
        },
        {
            "name": "Large key accounts, Great Lakes",
            "conditions": [
                _c("tier", "in", ["key"]),
                _c("employee_band", "between", _from("1000-4999")),
                _c("territory", "in", ["great-lakes"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-1",
            "rationale": "Key accounts with 1,000+ employees are served by Key Accounts East.",
        },
        {
            "name": "Large key accounts, south and west",
            "conditions": [
                _c("tier", "in", ["key"]),
                _c("employee_band", "between", _from("1000-4999")),
                _c("territory", "in", ["gulf-coast", "prairie"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "Key accounts with 1,000+ employees are served by Key Accounts West.",
        },
        {
            "name": "Oil & gas key accounts on the Gulf",
            "conditions": [
                _c("segment", "in", ["oil-gas"]),
                _c("tier", "in", ["key"]),
                _c("territory", "in", ["gulf-coast"]),
            ],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "Refineries and platforms buy under master agreements with us directly.",
        },
        {
            "name": "Large deals open to both routes",
            "conditions": [_c("deal_size", "between", {"min": 250000, "max": None})],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Deals above $250,000 are open to both routes; deal registration decides.",
        },
        {
            "name": "Utilities with central procurement",
            "conditions": [
                _c("segment", "in", ["utilities"]),
                _c("revenue_band", "between", _from("250M-1B")),
            ],
            "outcome": "direct",
            "target_kind": "owner",
            "rationale": "Large utilities buy under national agreements with us.",
        },
        {
            "name": "Chicagoland, under 200 employees",
            "conditions": [
                _c("territory", "in", ["chicagoland"]),
                _c("employee_band", "between", _upto("50-199")),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "greatlakes",
            "rationale": "Great Lakes Air Systems covers small plants around Chicago.",
        },
        {
            "name": "Houston aftermarket",
            "conditions": [
                _c("territory", "in", ["houston"]),
                _c("product_line", "any", ["aftermarket"]),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "gulfcoast",
            "rationale": "Gulf Coast Industrial stocks our parts in Houston.",
        },
        {
            "name": "Wisconsin paper and pulp mills",
            "conditions": [_c("region", "in", ["US-WI"]), _c("segment", "in", ["forestry"])],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "greatlakes",
            "rationale": "Great Lakes Air Systems services the mills' compressor rooms.",
        },
        {
            "name": "Texas construction, portable compressors",
            "conditions": [
                _c("region", "in", ["US-TX"]),
                _c("segment", "in", ["construction"]),
                _c("product_line", "any", ["portable"]),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "gulfcoast",
            "rationale": "Gulf Coast Industrial rents and sells portables to Texas contractors.",
        },
        {
            "name": "Plants needing installation",
            "conditions": [
                _c("segment", "in", ["manufacturing"]),
                _c("service_need", "any", ["installation"]),
                _c("tier", "in", ["key", "growth"]),
            ],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "New compressor rooms can be sold by either route; register the deal.",
        },
        {
            "name": "Portable rental needs",
            "conditions": [
                _c("service_need", "any", ["rental"]),
                _c("product_line", "any", ["portable"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Rental fleets of portable compressors are run by partners.",
        },
        {
            "name": "Service-heavy buyers",
            "conditions": [_c("product_mix", "at_least", 75)],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Aftermarket and service buyers are best served by a local partner.",
        },
        {
            "name": "Transactional aftermarket buyers",
            "conditions": [
                _c("tier", "in", ["transactional"]),
                _c("product_line", "any", ["aftermarket"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Small parts orders are fulfilled by the nearest authorized partner.",
        },
        {
            "name": "Prairie agriculture",
            "conditions": [
                _c("territory", "in", ["prairie"]),
                _c("segment", "in", ["agriculture"]),
            ],
            "outcome": "partner",
            "target_kind": "partner",
            "target_partner": "prairie",
            "rationale": "Prairie Pneumatics serves farms and grain elevators.",
        },
        {
            "name": "Great Lakes, growth and transactional",
            "conditions": [
                _c("territory", "in", ["great-lakes"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Smaller customers around the Great Lakes buy from authorized partners.",
        },
        {
            "name": "Gulf Coast, growth and transactional",
            "conditions": [
                _c("territory", "in", ["gulf-coast"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Smaller Gulf Coast customers buy from authorized partners.",
        },
        {
            "name": "Prairie, growth and transactional",
            "conditions": [
                _c("territory", "in", ["prairie"]),
                _c("tier", "in", ["growth", "transactional"]),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "Smaller prairie customers buy from authorized partners.",
        },
        {
            "name": "Key accounts under 1,000 employees",
            "conditions": [
                _c("tier", "in", ["key"]),
                _c("employee_band", "between", _upto("500-999")),
            ],
            "outcome": "open",
            "target_kind": "authorized",
            "rationale": "Mid-size key accounts are open to both routes; register deals.",
        },
        {
            "name": "US West",
            "conditions": [_c("territory", "in", ["us-west"])],
            "outcome": "direct",
            "target_kind": "team",
            "target_team": "T-2",
            "rationale": "No distributor on the West Coast: Key Accounts West serves it.",
        },
        {
            "name": "Canada",
            "conditions": [_c("territory", "in", ["canada"])],
            "outcome": "open",
            "target_kind": "none",
            "rationale": "Canada is open to both routes until a distributor is appointed.",
        },
        {
            "name": "Partner-owned accounts stay",
            "conditions": [_c("owner", "is", "partner")],
            "outcome": "partner",
            "target_kind": "owner",
            "rationale": "The partner that owns the account keeps it.",
        },
        {
            "name": "Small unowned prospects",
            "conditions": [
                _c("owner", "is", "none"),
                _c("employee_band", "between", _upto("50-199")),
            ],
            "outcome": "partner",
            "target_kind": "authorized",
            "rationale": "New small prospects are developed by authorized partners.",
        },
    ],
}
DEFAULT_RULE = {
    "name": "Everyone else",
    "conditions": [],
    "outcome": "direct",
    "target_kind": "owner",
    "rationale": "Accounts no other rule covers stay with their current owner or the direct team.",
    "is_default": True,
}

# Corridors: (product line, route, tier key or None, partner tier or "", min %, max %)
CORRIDORS: dict[str, list[tuple[str, str, str | None, str, int, int]]] = {
    "acme": [
        ("excavators", "direct", None, "", 0, 12),
        ("excavators", "partner", None, "", 0, 15),
        ("excavators", "direct", "strategic", "", 5, 20),
        ("excavators", "partner", None, "platinum", 0, 18),
        ("loaders", "direct", None, "", 0, 12),
        ("loaders", "partner", None, "", 0, 15),
        ("loaders", "direct", "strategic", "", 5, 20),
        ("hydraulics", "direct", None, "", 0, 10),
        ("hydraulics", "partner", None, "", 0, 20),
        ("hydraulics", "partner", None, "gold", 0, 25),
        ("parts", "direct", None, "", 0, 8),
        ("parts", "partner", None, "", 0, 25),
        ("service", "direct", None, "", 0, 10),
        ("service", "partner", None, "", 0, 15),
        ("rental", "direct", None, "", 0, 10),
        ("rental", "partner", None, "", 0, 20),
        ("rental", "partner", "transactional", "", 0, 12),
    ],
    "globex": [
        ("screw", "direct", None, "", 0, 10),
        ("screw", "partner", None, "", 0, 15),
        ("screw", "direct", "strategic", "", 5, 18),
        ("portable", "direct", None, "", 0, 10),
        ("portable", "partner", None, "", 0, 18),
        ("portable", "partner", None, "platinum", 0, 22),
        ("dryers", "direct", None, "", 0, 12),
        ("dryers", "partner", None, "", 0, 18),
        ("aftermarket", "direct", None, "", 0, 5),
        ("aftermarket", "partner", None, "", 0, 25),
        ("service", "direct", None, "", 0, 8),
        ("service", "partner", None, "", 0, 12),
    ],
}
CRITERIA: dict[str, dict] = {
    "acme": {
        "min_amount": "25000",
        "eligible_product_lines": ["excavators", "loaders", "hydraulics", "service"],
        "required_fields": ["contact", "expected_close_on", "products", "competitor"],
        "require_authorization": True,
        "min_partner_tier": "silver",
        "exclude_named_accounts": True,
        "protection_days": 90,
        "max_extensions": 1,
        "extension_days": 30,
    },
    "globex": {
        "min_amount": "15000",
        "eligible_product_lines": ["screw", "portable", "dryers"],
        "required_fields": ["contact", "expected_close_on", "budget"],
        "require_authorization": True,
        "min_partner_tier": "",
        "exclude_named_accounts": True,
        "protection_days": 120,
        "max_extensions": 2,
        "extension_days": 30,
    },
}

# The pending draft: rules changed, added and moved, one corridor widened.
DRAFT_SUMMARY = {
    "acme": "Proposal for next quarter: partners take mid-size Bavarian parts buyers and NRW "
    "hydraulics, Nordic key accounts go to partners, large deals are decided earlier.",
    "globex": "Proposal: partners take every buyer with a service-heavy mix and Chicagoland plants "
    "up to 500 employees; Canada served directly; oil & gas decided first.",
}
DRAFT_CHANGES: dict[str, list[tuple]] = {
    # ("change", rule name, {fields}) | ("add", {rule}, after rule name) | ("move", name, position)
    # | ("corridor", product line, route, tier, partner tier, min, max)
    "acme": [
        (
            "change",
            "Bavaria spare parts, under 500 employees",
            {
                "name": "Bavaria spare parts, under 1,000 employees",
                "conditions": [
                    _c("region", "in", ["DE-BY"]),
                    _c("employee_band", "between", _upto("500-999")),
                    _c("product_line", "any", ["parts"]),
                ],
            },
        ),
        (
            "add",
            {
                "name": "Hydraulics in Germany West",
                "conditions": [
                    _c("territory", "in", ["de-west"]),
                    _c("product_line", "any", ["hydraulics"]),
                    _c("tier", "not_in", ["strategic"]),
                ],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": "rhein",
                "rationale": "Rhein Hydraulik takes hydraulics across North Rhine-Westphalia, "
                "Hesse and Lower Saxony.",
            },
            "Rhine-Ruhr hydraulics",
        ),
        (
            "change",
            "Nordic key accounts",
            {
                "outcome": "partner",
                "target_kind": "authorized",
                "rationale": "Nordic key accounts move to our authorized Nordic partners.",
            },
        ),
        ("move", "Large deals open to both routes", 2),
        ("corridor", "parts", "partner", None, "", 0, 30),
    ],
    "globex": [
        (
            "change",
            "Chicagoland, under 200 employees",
            {
                "name": "Chicagoland, under 500 employees",
                "conditions": [
                    _c("territory", "in", ["chicagoland"]),
                    _c("employee_band", "between", _upto("200-499")),
                ],
            },
        ),
        (
            "change",
            "Canada",
            {
                "outcome": "direct",
                "target_kind": "team",
                "target_team": "T-1",
                "rationale": "Key Accounts East serves Canada from Detroit.",
            },
        ),
        (
            "change",
            "Service-heavy buyers",
            {"conditions": [_c("product_mix", "at_least", 50)]},
        ),
        ("move", "Oil & gas key accounts on the Gulf", 2),
        ("corridor", "aftermarket", "partner", None, "", 0, 28),
    ],
}


@contextmanager
def _quiet_task_log() -> Iterator[None]:
    """Without a broker, queued tasks run in process and each logs a line at INFO; every demo
    territory and authorization saved queues a recompute, which would flood seed_demo's output."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


# The demo's rulebook, territories and stored decisions are seeded by the portal itself; the
# exceptions are requested and reviewed by the demo's people (their memberships act).
SEEDING = SystemActor("guardrails demo")


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    with _quiet_task_log():
        _seed(stdout)


def _seed(stdout: Any) -> None:
    for slug in TERRITORIES:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            admin = (
                Membership.objects.filter(role="revops_admin", is_active=True)
                .select_related("user")
                .order_by("user__email")
                .first()
            )
            with audit_context(source="command"):
                made = _Seeder(tenant, admin).run()
        if stdout is not None:
            stdout.write(
                f"guardrails: {slug}: {made['territories']} territories, "
                f"{made['authorizations']} authorizations, {made['versions']} rulebook versions, "
                f"{made['exceptions']} exceptions created; {made['routed']} of {made['accounts']} "
                "accounts have a stored route"
            )


class _Seeder:
    def __init__(self, tenant: Tenant, admin: Membership | None) -> None:
        self.tenant = tenant
        self.slug = tenant.slug
        self.admin = admin  # reviews the exceptions the demo's people request
        self.acting = SEEDING
        self.today = timezone.localdate()
        self.teams = dict(Team.objects.values_list("external_id", "id"))
        self.partners = {
            key.removeprefix("P-"): pk
            for key, pk in Partner.objects.values_list("external_id", "id")
        }
        self.lists = dict(TargetList.objects.values_list("name", "id"))
        self.made = {
            "territories": 0,
            "authorizations": 0,
            "versions": 0,
            "exceptions": 0,
        }

    def run(self) -> dict[str, int]:
        # Territories and authorizations first: each save recomputes stored decisions once
        # committed, which costs nothing while no version is active.
        self.territories()
        self.authorizations()
        # All or nothing, so a failed run leaves nothing half-made that the next run would skip.
        if not RulebookVersion.objects.exists():
            with transaction.atomic():
                self.rulebook()
        self.routes()
        if not RuleException.objects.exists():
            with transaction.atomic():
                self.exceptions()
        self.made["routed"] = AccountRoute.objects.count()
        self.made["accounts"] = Account.objects.count()
        return self.made

    # --- territories and authorizations ---------------------------------------------------------

    def territories(self) -> None:
        have = set(Territory.objects.values_list("code", flat=True))
        for code, name, description, areas in TERRITORIES[self.slug]:
            if code in have:
                continue
            save_territory(
                self.tenant,
                data={"code": code, "name": name, "description": description},
                areas=[
                    {"country": c, "region": r, "postal_from": f, "postal_to": t}
                    for c, r, f, t in areas
                ],
                acting=self.acting,
            )
            self.made["territories"] += 1

    def authorizations(self) -> None:
        territories = dict(Territory.objects.values_list("code", "id"))
        lines = dict(ProductLine.objects.values_list("code", "id"))
        have = set(
            PartnerAuthorization.objects.values_list(
                "partner_id", "territory_id", "product_line_id"
            )
        )
        for key, territory, line, start, end in AUTHORIZATIONS[self.slug]:
            partner = self.partners.get(key)
            if partner is None or territory not in territories:
                continue
            line_id = lines.get(line) if line else None
            if line and line_id is None:
                continue
            if (partner, territories[territory], line_id) in have:
                continue
            save_authorization(
                self.tenant,
                {
                    "partner": partner,
                    "territory": territories[territory],
                    "product_line": line_id,
                    "valid_from": self.today + dt.timedelta(days=start),
                    "valid_until": None if end is None else self.today + dt.timedelta(days=end),
                },
                acting=self.acting,
            )
            self.made["authorizations"] += 1

    # --- the rulebook ----------------------------------------------------------------------------

    def _rule_data(self, spec: dict) -> dict:
        data = dict(spec)
        if "target_team" in data:
            data["target_team"] = self.teams.get(data["target_team"])
        if "target_partner" in data:
            data["target_partner"] = self.partners.get(data["target_partner"])
        conditions = []
        for condition in data.get("conditions", []):
            if condition["field"] == "target_list":
                ids = [self.lists[n] for n in condition["value"] if n in self.lists]
                if not ids:  # the accounts demo did not make that list: leave the rule out
                    return {}
                condition = {**condition, "value": ids}
            conditions.append(condition)
        data["conditions"] = conditions
        return data

    def rulebook(self) -> None:
        tenant, acting = self.tenant, self.acting
        version = create_draft(
            tenant, acting=acting, summary="First published rulebook: who serves whom, and why."
        )
        default = RouteRule.objects.get(version=version, is_default=True)
        save_rule(version, DEFAULT_RULE, rule=default, acting=self.acting)
        for spec in RULES[self.slug]:
            data = self._rule_data(spec)
            if data:
                save_rule(version, data, acting=self.acting)
        for line, route, tier, partner_tier, low, high in CORRIDORS[self.slug]:
            save_corridor(
                version,
                self._corridor(line, route, tier, partner_tier, low, high),
                acting=self.acting,
            )
        save_criteria(version, CRITERIA[self.slug], acting=self.acting)
        publish(version, acting=acting)
        self.made["versions"] += 1

        draft = create_draft(tenant, acting=acting, summary=DRAFT_SUMMARY[self.slug])
        for change in DRAFT_CHANGES[self.slug]:
            self._apply(draft, change)
        self.made["versions"] += 1

    def _corridor(self, line, route, tier, partner_tier, low, high) -> dict:
        return {
            "product_line": line,
            "route": route,
            "tier": tier,
            "partner_tier": partner_tier,
            "min_discount": Decimal(low),
            "max_discount": Decimal(high),
        }

    def _apply(self, draft: RulebookVersion, change: tuple) -> None:
        rules = {r.name: r for r in RouteRule.objects.filter(version=draft)}
        kind = change[0]
        if kind == "change":
            _, name, fields = change
            rule = rules[name]
            data = {
                "name": rule.name,
                "conditions": rule.conditions,
                "outcome": rule.outcome,
                "target_kind": rule.target_kind,
                "target_team": rule.target_team_id,
                "target_partner": rule.target_partner_id,
                "rationale": rule.rationale,
                "is_default": rule.is_default,
            }
            data.update(self._rule_data(fields) if "conditions" in fields else fields)
            if isinstance(data.get("target_team"), str):
                data["target_team"] = self.teams.get(data["target_team"])
            save_rule(draft, data, rule=rule, acting=self.acting)
        elif kind == "add":
            _, spec, after = change
            data = self._rule_data(spec)
            data["position"] = rules[after].position + 1
            save_rule(draft, data, acting=self.acting)
        elif kind == "move":
            _, name, position = change
            move_rule(rules[name], position, acting=self.acting)
        elif kind == "corridor":
            _, line, route, tier, partner_tier, low, high = change
            corridor = draft.corridors.filter(
                product_line__code=line, route=route, tier__key=tier, partner_tier=partner_tier
            ).first()
            save_corridor(
                draft,
                self._corridor(line, route, tier, partner_tier, low, high),
                corridor=corridor,
                acting=self.acting,
            )

    # --- stored decisions ------------------------------------------------------------------------

    def routes(self) -> None:
        """Decisions for accounts that have none (all of them right after publishing, unless the
        task queue already ran; new ones after a larger --scale)."""
        if active_version(self.tenant) is None:
            return
        missing = list(
            Account.objects.filter(
                ~Exists(AccountRoute.objects.filter(account_id=OuterRef("pk")))
            ).values_list("id", flat=True)
        )
        if missing:
            recompute_routes(self.tenant, missing, acting=self.acting)
        if not DiscountLeakage.objects.exists():
            record_leakage(self.tenant, acting=self.acting)

    # --- exceptions ------------------------------------------------------------------------------

    def exceptions(self) -> None:
        members = {
            m.user.email: m
            for m in Membership.objects.filter(is_active=True).select_related(
                "user", "partner", "team", "tenant"
            )
        }
        make = _acme_exceptions if self.slug == "acme" else _globex_exceptions
        make(self, members)

    def request(self, member: Membership | None, **kwargs: Any) -> RuleException | None:
        if member is None or kwargs.get("account") is None:
            return None
        kwargs.setdefault("ends_on", self.today + dt.timedelta(days=kwargs.pop("days", 90)))
        exc = request_exception(acting=member, **kwargs)
        self.made["exceptions"] += 1
        return exc

    def review(self, exc: RuleException | None, *, approve: bool, comment: str) -> None:
        if exc is None or self.admin is None:
            return
        review_exception(exc, acting=self.admin, approve=approve, comment=comment)
        if approve:
            # The workflow recomputes once the approval commits; do it now as well, so the
            # decision is right even where on-commit hooks do not run (tests) or run later.
            recompute_routes(self.tenant, [exc.account_id], acting=self.acting)
            if exc.opportunity_id:
                record_leakage(self.tenant, [exc.opportunity_id], acting=self.acting)

    def escalate(self, exc: RuleException | None, *, hours: int) -> None:
        """Make a request look overdue and mark it escalated as the periodic sweep would; done in
        place, so seeding sends no escalation email."""
        if exc is None:
            return
        asked = timezone.now() - dt.timedelta(hours=hours)
        RuleException.objects.filter(pk=exc.pk).update(
            created_at=asked, escalated_at=asked + dt.timedelta(hours=48)
        )

    def opportunity_over_corridor(self, member: Membership | None, line: str) -> tuple:
        """An open opportunity the member can see with a `line` discounted above its corridor."""
        if member is None:
            return None, None
        lines = (
            OpportunityLine.objects.filter(
                opportunity__in=Opportunity.objects.visible_to(member),
                opportunity__stage__outcome="open",
                product__product_line__code=line,
            )
            .select_related(
                "opportunity__account__tier", "opportunity__partner", "product__product_line"
            )
            .order_by("-discount_pct", "opportunity__external_id", "id")
        )
        for row in lines[:50]:
            opportunity = row.opportunity
            verdict = check_discount(
                self.tenant,
                product_line=row.product.product_line,
                route=opportunity.route,
                discount_pct=row.discount_pct,
                opportunity=opportunity,
            )
            if not verdict.inside and verdict.outside_by > 0:
                return opportunity, row
        return None, None


def _first_account(**filters: Any) -> Account | None:
    return Account.objects.filter(**filters).order_by("external_id").first()


def _acme_exceptions(s: _Seeder, members: dict[str, Membership]) -> None:
    alpine = members.get("rep@alpine.example")
    nordic = members.get("admin@nordic.example")
    rhein = members.get("admin@rhein.example")
    ravi = members.get("rep@acme.example")
    nina = members.get("rep2@acme.example")
    # Pending: a partner asks to work a named account in Bavaria.
    s.request(
        alpine,
        kind=ExceptionKind.WORK_ACCOUNT,
        account=_first_account(named_account=True, region="DE-BY"),
        justification="We have maintained their crawler fleet at the Regensburg quarry for eight "
        "years and hold the service contract; they asked us to quote the replacement excavators.",
        days=120,
    )
    # Approved: a Nordic partner works a direct key account for a mine expansion.
    exc = s.request(
        nordic,
        kind=ExceptionKind.WORK_ACCOUNT,
        account=_first_account(tier__key="key", country="SE", owner_partner__isnull=True),
        justification="The customer's new Kiruna site is four hours from the nearest direct "
        "service engineer; our Luleå branch can deliver parts the same day.",
        days=180,
    )
    s.review(
        exc, approve=True, comment="Approved for the site expansion; Nina stays informed weekly."
    )
    # Denied: a partner asks for a strategic account.
    exc = s.request(
        rhein,
        kind=ExceptionKind.WORK_ACCOUNT,
        account=_first_account(tier__key="strategic", region="DE-NW"),
        justification="We already supply their hydraulic cylinders and would like to offer the "
        "full fleet renewal.",
        days=60,
    )
    s.review(
        exc,
        approve=False,
        comment="A strategic account stays with the direct team; register the hydraulics deal "
        "and we will protect it.",
    )
    # Approved: a direct rep needs a deeper excavator discount to beat a competitor.
    opportunity, line = s.opportunity_over_corridor(ravi, "excavators")
    if opportunity is not None:
        exc = s.request(
            ravi,
            kind=ExceptionKind.DISCOUNT,
            account=opportunity.account,
            opportunity=opportunity,
            product_line=line.product.product_line,
            requested_discount=line.discount_pct,
            justification="Competitor quoted 20% below list with a trade-in; this keeps the "
            "fleet on our machines for another five years.",
            days=60,
        )
        s.review(exc, approve=True, comment="Approved once; the trade-in is valued separately.")
    # Pending and escalated: nobody reviewed it in time.
    for code in ("loaders", "parts", "service", "rental", "hydraulics"):
        opportunity, line = s.opportunity_over_corridor(nina, code)
        if opportunity is not None:
            exc = s.request(
                nina,
                kind=ExceptionKind.DISCOUNT,
                account=opportunity.account,
                opportunity=opportunity,
                product_line=line.product.product_line,
                requested_discount=line.discount_pct,
                justification="Multi-year framework with a municipal fleet; the tender caps our "
                "price, so the discount has to absorb it.",
                days=45,
            )
            s.escalate(exc, hours=72)
            break


def _globex_exceptions(s: _Seeder, members: dict[str, Membership]) -> None:
    lake = members.get("admin@greatlakes.example")
    carlos = members.get("rep@gulfcoast.example")
    hank = members.get("rep@globex.example")
    s.request(
        lake,
        kind=ExceptionKind.WORK_ACCOUNT,
        account=_first_account(named_account=True, region__in=["US-IL", "US-MI", "US-OH", "US-WI"]),
        justification="We run their compressed-air audit every year and were asked to size the "
        "new plant's compressors.",
        days=90,
    )
    exc = s.request(
        carlos,
        kind=ExceptionKind.WORK_ACCOUNT,
        account=_first_account(tier__key="key", region="US-TX", owner_partner__isnull=True),
        justification="Hurricane recovery: the plant needs rental compressors this week and we "
        "have them in our Houston yard.",
        days=30,
    )
    s.review(exc, approve=True, comment="Approved for the recovery period only.")
    opportunity, line = s.opportunity_over_corridor(hank, "screw")
    if opportunity is not None:
        exc = s.request(
            hank,
            kind=ExceptionKind.DISCOUNT,
            account=opportunity.account,
            opportunity=opportunity,
            product_line=line.product.product_line,
            requested_discount=line.discount_pct,
            justification="Three-plant standardisation deal; the customer's procurement asks for "
            "a volume discount.",
            days=45,
        )
        s.escalate(exc, hours=60)
