"""Lenient normalisers for lead enrichment and deduplication: pure functions, no Django models.

Unlike core.validators, which rejects bad input with a message for the person typing it, these
functions never raise: anything they cannot read becomes "" so that a lead with a mangled field
still enriches and routes on the fields that are good. Two kinds of output:

- stored values, in the form the models keep: `normalize_email`, `normalize_phone` (E.164),
  `normalize_country` (ISO 3166-1 alpha-2), `normalize_region` (ISO 3166-2),
  `normalize_person_name` (display case), `normalize_postal`, `company_domain`;
- match keys, only for comparing and never shown: `name_key`, `normalize_company`,
  `normalize_address`, `email_match_key`, `phonetic_key`, `first_name_groups`. Keys are
  accent-folded lower-case ASCII, so "Müller", "MULLER" and "Muller" give the same key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
import pycountry

__all__ = [
    "FREE_MAIL_DOMAINS",
    "PLACEHOLDER_COMPANIES",
    "company_domain",
    "email_domain",
    "email_match_key",
    "first_name_groups",
    "fold",
    "fold_digraphs",
    "is_free_mail",
    "is_placeholder_company",
    "is_role_email",
    "name_key",
    "normalize_address",
    "normalize_company",
    "normalize_country",
    "normalize_email",
    "normalize_person_name",
    "normalize_phone",
    "normalize_postal",
    "normalize_region",
    "phonetic_key",
]

# --------------------------------------------------------------------------------------------
# Accent folding


# Letters that NFKD does not decompose into a base letter plus a combining mark.
_FOLD_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII with accents removed ("Åsa Øberg-Müller" → "asa oberg-muller")."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD_SPECIAL))
    return text.encode("ascii", "ignore").decode("ascii").lower()


_DIGRAPHS = re.compile(r"ae|oe|ue|aa")


def fold_digraphs(key: str) -> str:
    """ "ae", "oe", "ue", "aa" → "a", "o", "u", "a" in a folded key: the ASCII spellings of
    ä, ö, ü and å, so "Mueller", "Müller" and "Muller" all give "muller". Only for matching
    keys: it also shortens names that merely contain the pair ("michael" → "michal"), the
    same way on both sides."""
    return _DIGRAPHS.sub(lambda m: m.group(0)[0], key)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _words(text: str) -> list[str]:
    return _NON_ALNUM.sub(" ", fold(text)).split()


# --------------------------------------------------------------------------------------------
# Email and domains

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# Exact free-mail and consumer-ISP domains. Brands that exist under many country TLDs are in
# _FREE_MAIL_BRANDS instead, so "yahoo.co.uk" or "gmx.at" need no entry of their own.
FREE_MAIL_DOMAINS: frozenset[str] = _word_set(
    """
    gmail.com googlemail.com icloud.com me.com mac.com aol.com aim.com msn.com
    proton.me protonmail.com protonmail.ch pm.me tutanota.com tutanota.de tuta.io
    zoho.com zohomail.com zohomail.eu mail.com email.com usa.com post.com inbox.com
    fastmail.com fastmail.fm hushmail.com gmx.com gmx.net mail.ru inbox.ru list.ru bk.ru
    rambler.ru ya.ru qq.com 163.com 126.com yeah.net sina.com sina.cn sohu.com aliyun.com
    foxmail.com naver.com daum.net hanmail.net rediffmail.com
    web.de t-online.de freenet.de arcor.de posteo.de posteo.net mailbox.org online.de
    kabelmail.de vodafone.de 1und1.de unitybox.de ewe.net bluewin.ch sunrise.ch hispeed.ch
    gmx.ch gmx.at aon.at chello.at a1.net
    orange.fr wanadoo.fr free.fr laposte.net sfr.fr neuf.fr bbox.fr numericable.fr club-internet.fr
    libero.it virgilio.it tin.it alice.it tiscali.it fastwebnet.it tim.it
    telefonica.net terra.es
    btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net blueyonder.co.uk tiscali.co.uk
    comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net earthlink.net
    optonline.net frontier.com juno.com netzero.net shaw.ca rogers.com sympatico.ca videotron.ca
    bigpond.com bigpond.net.au optusnet.com.au xtra.co.nz
    telia.com telia.se bredband.net spray.se passagen.se online.no broadband.no
    mail.dk jubii.dk ofir.dk stofanet.dk suomi24.fi luukku.com kolumbus.fi elisanet.fi
    ziggo.nl kpnmail.nl planet.nl home.nl hetnet.nl xs4all.nl chello.nl telenet.be skynet.be
    wp.pl o2.pl onet.pl interia.pl seznam.cz centrum.cz email.cz
    uol.com.br bol.com.br terra.com.br ig.com.br
    """
)
_FREE_MAIL_BRANDS = _word_set(
    """
    yahoo ymail rocketmail hotmail outlook live windowslive msn gmx yandex yandex-team
    """
)
# The part after a brand must look like a (possibly two-level) country or generic TLD.
_TLD_TAIL = re.compile(r"^(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2}|net\.[a-z]{2}|org\.[a-z]{2})$")

# Local parts that name a function, not a person: a shared inbox says little about identity.
_ROLE_LOCAL_PARTS = _word_set(
    """
    info office sales contact kontakt hello hallo mail email admin service support team
    enquiries inquiries marketing buero bureau accounts accounting billing invoice invoices
    orders order post postmaster webmaster noreply no-reply reception empfang vertrieb
    verkauf einkauf purchasing procurement hr jobs careers press media general
    """
)


def normalize_email(raw: str | None) -> str:
    """Trimmed, lower-cased address, or "" when it is not a plausible email address."""
    email = (raw or "").strip().strip("<>").strip().lower()
    email = email.removeprefix("mailto:")
    if len(email) > 254 or not _EMAIL.match(email):
        return ""
    return email


def email_domain(email: str | None) -> str:
    """The domain part of a normalised address ("" if there is none)."""
    _, at, domain = (email or "").rpartition("@")
    return domain if at else ""


# Company values that name no employer: people without one, and the fillers forms and lists
# put in a required company field ("self-employed", "private", "n/a"), in the languages of the
# tenants; matched on the company key (normalize_company).
PLACEHOLDER_COMPANIES: frozenset[str] = _word_set(
    """
    na n none nil null unknown private privat prive privato privado privatperson
    privatkunde privatkunden private_person private_customer individual individuals
    self selfemployed self_employed freelance freelancer freelancers consumer consumers
    homeowner homeowners retired retiree student students unemployed farmer farmers
    einzelunternehmen einzelunternehmer particulier particuliers particular
    test tbd tba xx xxx x no_company nocompany company home household
    """
)


def is_placeholder_company(key: str) -> bool:
    """True for a company key that names no employer ("self employed", "n a", "private
    person", a free-mail brand), so that an address beside it is the person's own."""
    if not key:
        return True
    squeezed = key.replace(" ", "")
    if squeezed in PLACEHOLDER_COMPANIES or key.replace(" ", "_") in PLACEHOLDER_COMPANIES:
        return True
    words = key.split()
    if all(w in PLACEHOLDER_COMPANIES or w in ("person", "customer", "employed") for w in words):
        return True
    return squeezed in _FREE_MAIL_BRANDS or squeezed in ("gmail", "googlemail", "icloud", "aol")


@lru_cache(maxsize=4096)
def is_free_mail(domain: str | None) -> bool:
    """True for consumer mailboxes (gmail.com, yahoo.co.uk, gmx.de, …), which say nothing
    about the employer."""
    domain = (domain or "").strip().lower().rstrip(".")
    if not domain:
        return False
    if domain in FREE_MAIL_DOMAINS:
        return True
    brand, _, tail = domain.partition(".")
    return brand in _FREE_MAIL_BRANDS and bool(_TLD_TAIL.match(tail))


def is_role_email(email: str | None) -> bool:
    """True for shared function inboxes (info@, sales@, kontakt@…)."""
    local = (email or "").partition("@")[0]
    return local in _ROLE_LOCAL_PARTS


def email_match_key(email: str | None) -> str:
    """An address reduced to the mailbox it delivers to: "+tags" dropped everywhere, and dots
    dropped where the provider ignores them (Gmail), so "J.Smith+news@googlemail.com" and
    "jsmith@gmail.com" match."""
    email = normalize_email(email)
    if not email:
        return ""
    local, _, domain = email.rpartition("@")
    local = local.split("+", 1)[0]
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain == "gmail.com":
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else ""


def _host(website: str) -> str:
    text = website.strip().lower()
    if not text:
        return ""
    if "://" not in text:
        text = f"http://{text}"
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    host = re.sub(r"^www\d*\.", "", host)
    return host if _HOST.match(host) else ""


def company_domain(email: str | None, website: str | None = "") -> str:
    """The employer's web domain: from the email unless it is a free-mail address, else from
    the website ("https://www.Acme.de/kontakt" → "acme.de"); "" when neither tells."""
    domain = email_domain(normalize_email(email))
    if domain and not is_free_mail(domain):
        return domain
    host = _host(website or "")
    return "" if is_free_mail(host) else host


# --------------------------------------------------------------------------------------------
# Phone


def normalize_phone(raw: str | None, default_country: str | None = "") -> str:
    """E.164 ("+4989123456"), reading national numbers in `default_country`; "" when the
    number is not valid for its country."""
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("00"):  # international call prefix used across Europe
        text = "+" + text[2:]
    region = (default_country or "").strip().upper() or None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------------------------
# Countries and regions

# English and native names that pycountry's name fields do not carry.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "deutschland": "DE",
    "bundesrepublik deutschland": "DE",
    "brd": "DE",
    "osterreich": "AT",
    "oesterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "svizra": "CH",
    "helvetia": "CH",
    "france": "FR",
    "italia": "IT",
    "espana": "ES",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "belgie": "BE",
    "belgique": "BE",
    "belgien": "BE",
    "luxemburg": "LU",
    "letzebuerg": "LU",
    "sverige": "SE",
    "norge": "NO",
    "noreg": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "island": "IS",
    "eire": "IE",
    "polska": "PL",
    "cesko": "CZ",
    "czechia": "CZ",
    "czech republic": "CZ",
    "slovensko": "SK",
    "magyarorszag": "HU",
    "hrvatska": "HR",
    "slovenija": "SI",
    "portugal": "PT",
    "ellada": "GR",
    "turkey": "TR",
    "turkiye": "TR",
    "russia": "RU",
    "rossiya": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "taiwan": "TW",
    "vietnam": "VN",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "macedonia": "MK",
    "ivory coast": "CI",
    "uae": "AE",
    "emirates": "AE",
    "brasil": "BR",
    "mexico": "MX",
    "nippon": "JP",
    "zhongguo": "CN",
    "prc": "CN",
}


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(" ".join(_words(value)), country.alpha_2)
        index[country.alpha_3.lower()] = country.alpha_2
        index[country.alpha_2.lower()] = country.alpha_2
    index.update(_COUNTRY_ALIASES)
    return index


@lru_cache(maxsize=4096)
def normalize_country(raw: str | None) -> str:
    """ISO 3166-1 alpha-2 from a code, an alpha-3 code or a common English or native name
    ("Deutschland" → "DE", "U.S.A." → "US"); "" when unknown."""
    key = " ".join(_words(raw or ""))
    if not key:
        return ""
    found = _country_index().get(key)
    if found is None and "".join(key.split()) != key:
        found = _country_index().get("".join(key.split()))  # "U. S. A." → "usa"
    return found or ""


# English exonyms of subdivisions that pycountry lists under their local names.
_REGION_ALIASES = {
    "DE": {
        "bavaria": "BY",
        "lower saxony": "NI",
        "north rhine westphalia": "NW",
        "rhineland palatinate": "RP",
        "saxony": "SN",
        "saxony anhalt": "ST",
        "thuringia": "TH",
        "hesse": "HE",
        "mecklenburg western pomerania": "MV",
        "mecklenburg vorpommern": "MV",
        "baden wuerttemberg": "BW",
        "nordrhein westfalen": "NW",
        "nrw": "NW",
    },
    "AT": {
        "vienna": "9",
        "lower austria": "3",
        "upper austria": "4",
        "styria": "6",
        "carinthia": "2",
        "tyrol": "7",
        "salzburg": "5",
        "vorarlberg": "8",
        "burgenland": "1",
    },
    "CH": {"zurich": "ZH", "geneva": "GE", "lucerne": "LU", "grisons": "GR", "bern": "BE"},
    "IT": {
        "lombardy": "25",
        "tuscany": "52",
        "piedmont": "21",
        "sicily": "82",
        "sardinia": "88",
        "apulia": "75",
        "aosta valley": "23",
    },
    "ES": {"catalonia": "CT", "andalusia": "AN", "basque country": "PV", "valencia": "VC"},
    "BE": {"flanders": "VLG", "wallonia": "WAL", "brussels": "BRU"},
    "FR": {"brittany": "BRE", "normandy": "NOR", "corsica": "20R", "paris region": "IDF"},
    "SE": {"stockholm": "AB", "skane": "M", "scania": "M", "gothenburg": "O"},
}


@lru_cache(maxsize=256)
def _region_index(country: str) -> dict[str, str]:
    index: dict[str, str] = {}
    # Top-level subdivisions first, so a region wins over a department of the same name.
    subdivisions = sorted(
        pycountry.subdivisions.get(country_code=country) or [],
        key=lambda s: (s.parent_code is not None, s.code),
    )
    for sub in subdivisions:
        index.setdefault(sub.code.lower(), sub.code)
        index.setdefault(sub.code.split("-", 1)[1].lower(), sub.code)
        for name in _subdivision_names(sub.name):
            index.setdefault(name, sub.code)
    for alias, suffix in _REGION_ALIASES.get(country, {}).items():
        index.setdefault(alias, f"{country}-{suffix}")
    return index


def _subdivision_names(name: str) -> list[str]:
    """The ways people write a subdivision's name: as ISO names it, without its annotation
    ("Västra Götalands län [SE-14]"), and without the Swedish county word and its genitive
    ("Västra Götaland", "Stockholm")."""
    plain = " ".join(_words(re.sub(r"\[.*?\]|\(.*?\)", " ", name)))
    names = [plain]
    if plain.endswith(" lan"):  # _words folds "län" to "lan"
        county = plain[: -len(" lan")]
        names += [county, county[:-1]] if county.endswith("s") else [county]
    return names


@lru_cache(maxsize=4096)
def normalize_region(raw: str | None, country: str | None) -> str:
    """ISO 3166-2 from a code ("BY", "DE-BY") or a subdivision name in the local language or
    English ("Bayern", "Bavaria" → "DE-BY"), within `country`; "" when unresolvable."""
    country = normalize_country(country)
    text = (raw or "").strip()
    if not country or not text:
        return ""
    index = _region_index(country)
    key = text.lower() if "-" in text and len(text) <= 6 else " ".join(_words(text))
    return index.get(key) or index.get(" ".join(_words(text)), "")


# --------------------------------------------------------------------------------------------
# Person names

# Name particles stay lower-case inside a name ("Ludwig van Beethoven", "Anna von der Heide").
_PARTICLES = _word_set(
    "van von der den de del della di da das dos du le la zu zum zur ten ter af av y e"
)
_SPACES = re.compile(r"\s+")


def _cap(part: str) -> str:
    return part[:1].upper() + part[1:].lower() if part else part


def _title_token(token: str, *, first: bool) -> str:
    if not first and token.lower() in _PARTICLES:
        return token.lower()
    if token != token.lower() and token != token.upper():
        return token  # deliberate mixed case such as "DeVito" or "MacArthur"
    low = token.lower()
    if low.startswith("mc") and len(low) > 3:
        return "Mc" + _cap(low[2:])
    # Capitalise each part of "jean-luc", "o'brien", "d'angelo".
    return re.sub(r"[^\W\d_]+", lambda m: _cap(m.group(0)), low)


def normalize_person_name(raw: str | None) -> str:
    """Trimmed, single-spaced and sensibly capitalised: "  mcdonald " → "McDonald",
    "JEAN-LUC" → "Jean-Luc", "van der berg" → "van der Berg"; mixed case is kept as typed."""
    text = _SPACES.sub(" ", (raw or "").strip().strip(",;")).strip()
    if not text:
        return ""
    tokens = text.split(" ")
    if len(tokens) > 1 and all(t.lower() in _PARTICLES for t in tokens[:-1]):
        # A bare surname with particles ("van der Berg"): the particles stay lower-case.
        return " ".join([t.lower() for t in tokens[:-1]] + [_title_token(tokens[-1], first=True)])
    return " ".join(_title_token(t, first=(i == 0)) for i, t in enumerate(tokens))


@lru_cache(maxsize=65536)
def name_key(name: str | None) -> str:
    """Accent-folded lower-case ASCII words, for matching ("Jean-Luc  Lévêque" → "jean luc
    leveque")."""
    return " ".join(_words(name or ""))


# Nickname groups: each line is the full name first, then forms that stand for it. A form may
# belong to several groups ("chris"), and spelling variants sit in the same group.
_NICKNAMES = """
william bill billy will willy wilhelm willi
robert bob bobby rob robbie bert
richard rick ricky rich dick
james jim jimmy jamie
michael mike mick mickey micha michi
thomas tom tommy thom
joseph joe joey josef sepp jupp
david dave davey
daniel dan danny
christopher chris kit topher christoph
christian chris
christina chris tina christine kristina kristin
katherine kate katie kathy cathy catherine kat katharina kathrin katrin kathi
elizabeth liz lizzy beth betty eliza elisabeth lisa else
jennifer jen jenny
susan sue susie susanne susanna
margaret maggie meg peggy margarethe grete greta
alexander alex sasha sascha alejandro
alexandra alex sandra
samuel sam sammy
samantha sam
benjamin ben benny
nicholas nick nicky nikolaus klaus niklas nicolas nico
anthony tony antonio anton toni
steven steve stephen stefan stephan
andrew andy drew andreas andre
matthew matt matthias mathias
patrick pat paddy
patricia pat patty tricia
edward ed eddie ted teddy
gregory greg
john jon jack johnny jonny johann johannes hans hannes jo
johanna jo hanna hanne
josephine jo josie
friedrich fritz fred frederic frederick
alfred fred alf
frederic fred
ulrich uli ulli
sebastian basti seb sebastien
florian flo
emmanuel manu
magdalena lena leni
helena lena
stefanie steffi stephanie
lars lasse
karl kalle carl
per pelle
olof olle olav ola
jan janne
bo bosse
gustav gus gosta
""".strip().splitlines()


@lru_cache(maxsize=1)
def _nickname_index() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for line in _NICKNAMES:
        canonical, *forms = (fold_digraphs(name) for name in line.split())
        for form in (canonical, *forms):
            groups.setdefault(form, set()).add(canonical)
    return {form: frozenset(canon) for form, canon in groups.items()}


@lru_cache(maxsize=65536)
def first_name_groups(first_name_key: str) -> frozenset[str]:
    """The full names a first-name key may stand for ("bill" → {"william"}), as
    digraph-folded keys; a name outside the table stands for itself."""
    key = fold_digraphs(first_name_key)
    return _nickname_index().get(key, frozenset((key,)))


# --------------------------------------------------------------------------------------------
# Phonetic key (a lite Metaphone: enough to make blocking keys survive vowel and
# double-letter typos and the common German/English spelling variants)

_PHONETIC_RULES = [
    (re.compile(r"^(kn|gn|pn|wr|ps)"), lambda m: m.group(0)[1]),
    (re.compile(r"^x"), lambda m: "s"),
    (re.compile(r"tsch|tch"), lambda m: "c"),
    (re.compile(r"sch"), lambda m: "s"),
    (re.compile(r"ph"), lambda m: "f"),
    (re.compile(r"th"), lambda m: "t"),
    (re.compile(r"ck|ch|q"), lambda m: "k"),
    (re.compile(r"c(?=[eiy])"), lambda m: "s"),
    (re.compile(r"c"), lambda m: "k"),
    (re.compile(r"x"), lambda m: "ks"),
    (re.compile(r"tz|z"), lambda m: "s"),
    (re.compile(r"dt|d"), lambda m: "t"),
    (re.compile(r"[vw]"), lambda m: "f"),
    (re.compile(r"mb$"), lambda m: "m"),
]


@lru_cache(maxsize=65536)
def phonetic_key(word: str) -> str:
    """A short sound-alike code ("Schmidt", "Schmitt", "Schmid" → "SMT"; "Meyer", "Maier" →
    "MR"), used only for blocking, never for display."""
    text = "".join(ch for ch in fold(word) if "a" <= ch <= "z")
    if not text:
        return ""
    for pattern, repl in _PHONETIC_RULES:
        text = pattern.sub(repl, text)
    head = "A" if text[0] in "aeiouy" else text[0].upper()
    code = [head]
    for ch in text[1:]:
        if ch in "aeiouyh":
            continue
        if ch.upper() != code[-1]:
            code.append(ch.upper())
    return "".join(code)[:6]


# --------------------------------------------------------------------------------------------
# Company names

# Legal forms, as word sequences after folding, punctuation removal and joining runs of single
# letters ("S.p.A." → "spa", "A/S" → "as", "sp. z o.o." → "sp zoo").
_LEGAL_FORMS = [
    tuple(form.split())
    for form in """
    gmbh and co kg | gmbh and co kgaa | gmbh and co ohg | ag and co kg | se and co kg
    gmbh | mbh | ggmbh | ag | kgaa | kg | ohg | ug haftungsbeschrankt | ug | ek | ev | se | gbr
    ltd | limited | llc | l l c | inc | incorporated | corp | corporation | co | company | plc
    llp | lp | pllc | pc | pty ltd | pty | pte ltd | pte
    sa | sas | sasu | sarl | eurl | sca | snc | spa | srl | sapa | sl | slu | sau | scs
    bv | nv | cv | vof | bvba | sprl | cvba
    ab | publ | asa | as | aps | hf | oy | oyj
    ltda | sro | sp zoo | kft | zrt | nyrt | doo | ooo | oao | pao
    kk | bhd | sdn bhd | pvt ltd | pvt
    group | holding | holdings
    """.replace("|", "\n").split("\n")
    if form.strip()
]
_LEGAL_FORMS.sort(key=len, reverse=True)  # longest first: "gmbh and co kg" before "kg"


def _join_initials(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        if run:
            out.append("".join(run))
            run = []
        if token:
            out.append(token)
    return out


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    stripped = True
    while stripped and len(tokens) > 1:
        stripped = False
        for form in _LEGAL_FORMS:
            if len(tokens) > len(form) and tuple(tokens[-len(form) :]) == form:
                tokens = tokens[: -len(form)]
                stripped = True
                break
        while len(tokens) > 1 and tokens[-1] == "and":  # "Smith & Co." leaves "smith and"
            tokens = tokens[:-1]
    return tokens


@lru_cache(maxsize=65536)
def normalize_company(raw: str | None) -> str:
    """A company-name key: accent-folded, lower-case, punctuation and legal forms dropped
    ("The Müller GmbH & Co. KG" → "muller", "ACME, Inc." → "acme")."""
    text = fold(raw or "").replace("&", " and ").replace("+", " and ")
    tokens = _join_initials(_NON_ALNUM.sub(" ", text.replace("'", "")).split())
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    return " ".join(_strip_legal_forms(tokens))


# --------------------------------------------------------------------------------------------
# Addresses

# Street words and their abbreviations, each mapped to one token so "St", "St." and "Street"
# (and "Str.", "Straße", "strasse") compare equal.
_STREET_WORDS = {
    "street": "st",
    "st": "st",
    "str": "st",
    "strasse": "st",
    "strase": "st",
    "avenue": "ave",
    "ave": "ave",
    "av": "ave",
    "avda": "ave",
    "avenida": "ave",
    "road": "rd",
    "rd": "rd",
    "boulevard": "blvd",
    "blvd": "blvd",
    "bd": "blvd",
    "bvd": "blvd",
    "drive": "dr",
    "dr": "dr",
    "lane": "ln",
    "ln": "ln",
    "court": "ct",
    "ct": "ct",
    "place": "pl",
    "pl": "pl",
    "platz": "pl",
    "plaza": "pl",
    "square": "sq",
    "sq": "sq",
    "highway": "hwy",
    "hwy": "hwy",
    "parkway": "pkwy",
    "pkwy": "pkwy",
    "terrace": "ter",
    "ter": "ter",
    "circle": "cir",
    "cir": "cir",
    "way": "way",
    "wy": "way",
    "weg": "weg",
    "allee": "allee",
    "gasse": "gasse",
    "chaussee": "chaussee",
    "ring": "ring",
    "ufer": "ufer",
    "damm": "damm",
    "chemin": "ch",
    "ch": "ch",
    "route": "rte",
    "rte": "rte",
    "impasse": "imp",
    "imp": "imp",
    "gatan": "gatan",
    "gata": "gatan",
    "straat": "st",
    "laan": "laan",
    "vagen": "vagen",
    "vag": "vagen",
    "veien": "veien",
    "vn": "veien",
    "vei": "veien",
    "vej": "vej",
    "gade": "gade",
    "katu": "katu",
    "tie": "tie",
    "north": "n",
    "n": "n",
    "south": "s",
    "s": "s",
    "east": "e",
    "e": "e",
    "west": "w",
    "w": "w",
    "suite": "ste",
    "ste": "ste",
    "apartment": "apt",
    "apt": "apt",
    "floor": "fl",
    "fl": "fl",
}
# Words dropped outright: house-number markers carry nothing once the number is kept.
_STREET_NOISE = frozenset(["no", "nr", "number", "nummer", "numero", "num"])
# German and Nordic compounds glue the street word to the name ("Hauptstraße", "Hauptstr.",
# "Storgatan"): split it off so "Haupt-Straße 5", "Hauptstr. 5" and "Hauptstrasse 5" agree.
_COMPOUND_SUFFIXES = [
    ("strasse", "st"),
    ("strase", "st"),
    ("str", "st"),
    ("straat", "st"),
    ("gatan", "gatan"),
    ("gata", "gatan"),
    ("laan", "laan"),
    ("vagen", "vagen"),
    ("veien", "veien"),
    ("vn", "veien"),
    ("vej", "vej"),
    ("gade", "gade"),
    ("katu", "katu"),
    ("allee", "allee"),
    ("gasse", "gasse"),
    ("platz", "pl"),
    ("weg", "weg"),
    ("ring", "ring"),
    ("damm", "damm"),
]
# "5 A" → "5a"; not n, s, e, w, which after a number are compass points ("1 N Main St").
_HOUSE_LETTER = re.compile(r"\b(\d+) ([a-df-mo-rt-vx-z])\b")


# Compass quarters written as one word or two ("NW", "N.W.", "North West").
_QUARTERS = {
    word: [word[0], abbr[1]]
    for abbr, word in (
        ("ne", "northeast"),
        ("nw", "northwest"),
        ("se", "southeast"),
        ("sw", "southwest"),
    )
    for word in (abbr, word)
}


def _street_token(token: str) -> list[str]:
    if token in _QUARTERS:
        return _QUARTERS[token]
    if token in _STREET_WORDS:
        return [_STREET_WORDS[token]]
    if token in _STREET_NOISE:
        return []
    for suffix, canonical in _COMPOUND_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return [token[: -len(suffix)], canonical]
    return [token]


@lru_cache(maxsize=65536)
def normalize_address(street: str | None) -> str:
    """A street-address key: folded, lower-case, punctuation gone, street words and their
    abbreviations reduced to one token each ("12 Main Street" and "12 main st." → "12 main st";
    "Hauptstraße 5a" and "Haupt-Str. 5 A" → "haupt st 5a")."""
    words = _NON_ALNUM.sub(" ", fold(street or "")).split()
    tokens = [part for word in words for part in _street_token(word)]
    return _HOUSE_LETTER.sub(r"\1\2", " ".join(tokens))


_POSTAL_PREFIX = re.compile(r"^[A-Z]{1,3}-(?=\d)")  # old European style: "D-80331", "CH-8001"


def normalize_postal(raw: str | None, country: str | None = "") -> str:
    """Upper-case postal code without spaces or separators ("sw1a 1aa" → "SW1A1AA",
    "D-80331" → "80331"); a US ZIP+4 becomes the five-digit ZIP."""
    text = (raw or "").strip().upper()
    text = _POSTAL_PREFIX.sub("", text)
    text = re.sub(r"[^0-9A-Z]", "", fold(text).upper())
    if (country or "").upper() == "US" and len(text) == 9 and text.isdigit():
        return text[:5]
    return text
