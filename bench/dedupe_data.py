"""Generated people and companies for the deduplication benchmark, with known true duplicates.

The world: companies in eleven countries (German, French, Nordic, Dutch, British and US names,
legal forms, street formats, postal codes and phone plans), whose employees share the
company's address, web domain, switchboard number and sometimes a role inbox (info@…), so
colleagues are the hard "different people" cases. Company sizes are long-tailed: a few have
hundreds of employees, most a handful; some people have no company (free-mail address, home
address).

A duplicate is another record of the same person, made the way CRMs and lead forms make them:
typos (insertion, deletion, substitution, transposition), fields left out, first and last name
swapped, a nickname or an initial for the first name, accents dropped or transliterated,
the legal form dropped or written differently, the street word abbreviated (St/Street,
Str./Straße), the phone in national instead of international format, another email (a private
one, another address pattern) or none, another phone or none. About a third of the duplicates
share neither an email nor a phone with their original.

Everything comes from `random.Random(seed)`: the same arguments give the same records.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

__all__ = ["Dataset", "ImportSet", "generate", "generate_import"]

# --------------------------------------------------------------------------------------------
# Name stock

_GERMAN_FIRST = """
Alexander Andreas Anna Anja Bernd Birgit Christian Christina Claudia Daniel Dieter Elke Elisabeth
Florian Frank Friedrich Gabriele Hans Heike Helmut Ingrid Jan Jens Johannes Jörg Josef Julia Jürgen
Karin Katharina Klaus Lena Lukas Manfred Maria Markus Martin Matthias Michael Monika Nicole Petra
Ralf Sabine Sandra Sebastian Stefan Stefanie Susanne Thomas Tobias Ulrich Ursula Uwe Werner Wolfgang
Sven Jonas Leonie Franziska Magdalena Dominik Philipp Björn Günter Renate Sören Till Carsten Volker
"""
_GERMAN_LAST = """
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer
Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt
Werner Krause Lehmann Köhler Herrmann König Walter Kaiser Fuchs Peters Lang Scholz Möller Weiß
Jung Hahn Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke
Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto
Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Dietrich Ziegler Kuhn Kühn Pohl Engel Horn
von Weber Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Müller-Lüdenscheidt Oberhuber
Gruber Huber Steiner Moser Brunner Egger Pichler Leitner Baumgartner Hofer
"""
_FRENCH_FIRST = """
Jean Pierre Michel André Philippe Nicolas Christophe François Laurent Éric Frédéric Sébastien
Emmanuel Julien Olivier Thierry Stéphane Pascal Guillaume Vincent Antoine Mathieu Jérôme Benoît
Marie Nathalie Isabelle Sylvie Catherine Sophie Valérie Christine Sandrine Céline Aurélie Hélène
Camille Chloé Élodie Juliette Margaux Manon Léa Émilie Jean-Luc Jean-Marc Marie-Claire Anne-Sophie
Yannick Gaël Loïc Hervé Brigitte Agnès Océane Mélanie
"""
_FRENCH_LAST = """
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre
Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont
Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel
Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez
Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier
Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez
de la Tour Le Gall Le Roux d'Arcy
"""
_SWEDISH_FIRST = """
Lars Anders Johan Per Karl Erik Mikael Nils Jan Hans Peter Björn Magnus Fredrik Mats Stefan Olof
Gustav Henrik Jonas Maria Anna Margareta Elisabeth Eva Kristina Birgitta Karin Lena Sara Emma
Ingrid Malin Linnea Åsa Maja Sofia Annika Helena Jenny Ebba Agnes Astrid Linda
"""
_SWEDISH_LAST = """
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson
Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson Lindström Lindqvist
Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson
Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Lundin Håkansson Björk
Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson
Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Åström Mårtensson Sundberg Ekström
"""
_NORWEGIAN_FIRST = """
Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Thomas Hans Geir Tor Morten Terje Odd Erik Rune Trond
Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida
Nora Sigrid Ragnhild Tone Silje Håkon Eirik Øystein Sindre Vegard
"""
_NORWEGIAN_LAST = """
Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen
Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen Henriksen Lund
Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen
Bakken Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård
Bakke Kristensen Fredriksen Holm Lien Hauge Christensen Andresen Nielsen Knudsen Evensen Sæther
Aas Myhre Hanssen Ahmed Haugland Thomassen Sivertsen Simonsen Danielsen Berntsen Sandvik Rønning
"""
_DANISH_FIRST = """
Peter Jens Lars Michael Henrik Søren Thomas Jan Niels Morten Anders Jesper Rasmus Martin Christian
Mads Ole Hans Kim Frederik Anne Kirsten Hanne Mette Anna Helle Susanne Lene Maria Marianne Lone
Camilla Pia Louise Charlotte Bente Tina Gitte Inge Sofie Freja Ida Emma Signe Astrid
"""
_DANISH_LAST = """
Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen
Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Knudsen Jakobsen
Jacobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Schmidt Eriksen Holm Kristiansen
Clausen Simonsen Svendsen Andreasen Iversen Østergaard Jeppesen Vestergaard Nissen Lauridsen
Kjær Jepsen Mogensen Nørgaard Jessen Søndergaard Bertelsen Dahl Kjeldsen Bach Lindholm Skov
Overgaard Bruun Friis Thygesen Dalgaard Juhl Kristoffersen
"""
_FINNISH_FIRST = """
Juha Timo Matti Kari Mikko Jari Antti Jukka Mika Markku Pekka Hannu Heikki Seppo Sami Janne Ville
Tuomas Ari Petri Anne Tuula Päivi Sari Leena Marja Pirjo Minna Riitta Tiina Satu Anna Johanna
Eeva Laura Elina Kaisa Hanna Maarit Aino Helmi Siiri Veera Saara Iida
"""
_FINNISH_LAST = """
Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen
Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen Tuominen
Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Hiltunen Leinonen Hirvonen
Kärkkäinen Miettinen Räsänen Aaltonen Pitkänen Lappalainen Manninen Anttila Kettunen Laaksonen
Toivonen Ojala Väisänen Peltonen Kallio Ström Huttunen Leppänen Kauppinen Nurmi Seppälä Honkanen
"""
_DUTCH_FIRST = """
Jan Johannes Cornelis Hendrik Willem Pieter Gerrit Jacob Dirk Thomas Daan Sem Lucas Bram Ruud
Joost Maarten Sander Bas Wouter Maria Johanna Anna Cornelia Elisabeth Wilhelmina Sanne Lotte
Femke Eva Anouk Lisa Fleur Sophie Marieke Ingrid Annemiek Esther Inge Ilse
"""
_DUTCH_LAST = """
de Jong Jansen de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer de Boer Mulder
de Groot Bos Vos Peters Hendriks van Leeuwen Dekker Brouwer de Wit Dijkstra Smits de Graaf
van der Meer van der Linden Kok Jacobs de Haan Vermeulen van den Heuvel van der Veen van den Broek
de Bruijn de Bruin van der Heijden Schouten van Beek Willems van Vliet van de Ven Hoekstra Maas
Verhoeven Koster van Dam van der Wal Prins Blom Huisman Peeters de Jonge Kuipers van Wijk
"""
_ENGLISH_FIRST = """
James John Robert Michael William David Richard Joseph Thomas Christopher Charles Daniel Matthew
Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward
Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin
Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Mary Patricia
Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley
Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura
Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine
Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Priya Wei Mohammed Aisha
Siobhan Declan Niamh Callum Fiona Hamish
"""
_ENGLISH_LAST = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
McDonald MacLeod O'Brien O'Connor McCarthy Fitzgerald Sullivan Walsh Byrne Ryan Kennedy Lynch
Patterson Jenkins Perry Powell Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez
Simmons Graham Marshall Owens Harrison Fernandez McKenzie Wallace Griffin West Cole Hayes Chen Wang
Singh Khan Ali Shah Murray Ford Hamilton Graham Sutherland Davies Hughes Owen Jones Lloyd Price
"""

# Compound surnames built from parts: short lists of common surnames make two colleagues
# share a surname several times more often than real name diversity does, which would make
# the benchmark about coincidences rather than duplicates.
_SURNAME_PARTS = {
    "german": (
        "Hoff Berg Schön Wald Stein Rosen Kirch Linden Brunn Feld Hahn Kolb Alt Neu Groß Weiß "
        "Roth Grün Eich Buch Lind Sonn Mühl Ober Unter Hoch",
        "mann er feld berg hof haus bach meier huber inger stetter hausen mayr brand",
    ),
    "french": (
        "Beau Bel Bon Cham Dela Du Fon Gar Lam Mar Mont Ro Ver Ville Saint Cour Val Roch",
        "mont champ lieu court ville val rive fort ier aud",
    ),
    "swedish": (
        "Berg Lind Holm Sjö Ek Ahl Dahl Ny Lund Sand Fors Öst Väst Björk Gran Hag Ros Al Ström",
        "ström gren qvist berg lund dahl man holm blad stedt ell in hed",
    ),
    "norwegian": (
        "Haug Berg Lie Dal Nord Strand Vik Holm Sol Moe Lund Øde Fjell Bakk Hus Skog Myr Tveit",
        "en stad land vik heim by rud set bø nes berg li vold",
    ),
    "danish": (
        "Bach Dal Holm Lund Skov Bjerg Kjær Mølle Vester Øster Nør Sønder Hav Lyng Mose Sand",
        "gaard holm berg lund bo strup dal sted høj skov",
    ),
    "finnish": (
        "Mäki Järvi Koski Lahti Niemi Salo Virta Kallio Lehto Harju Ranta Korpi Aho Hakala "
        "Kivi Suo Vuori Hiet Kant Lepp",
        "nen la mäki niemi järvi salo koski aho vaara oja",
    ),
    "dutch": (
        "Berg Meer Linden Veen Wal Heide Bosch Brink Kamp Molen Hoeven Velde Beek Dijk Laan "
        "Akker Weide Haar Broek Burg",
        "van der|van den|de|van de|ter|",
    ),
    "english": (
        "Ash Black Brad Cart Chester Clay Crom Dun Fair Hart Hay Hol Kings Lang Mar Mid Nor Pem "
        "Red Rad Stan Wal West Whit Wood Shel Bur Sand Brook Haw",
        "ford ley ton well wood field by worth man croft more den ham ridge wick",
    ),
}


def _compound_surnames(language: str) -> list[str]:
    stems, endings = _SURNAME_PARTS[language]
    if language == "dutch":  # one particle per stem, in front: "van der Molen"
        particles = endings.split("|")
        return [f"{particles[i % len(particles)]} {s}".strip() for i, s in enumerate(stems.split())]
    return [stem + ending for stem in stems.split() for ending in endings.split()]


def _surnames(common: str, *languages: str) -> list[str]:
    names = set(_split_names(common))
    for language in languages:
        names.update(_compound_surnames(language))
    return sorted(names)


_NICKNAMES = {
    "William": ["Bill", "Will"],
    "Robert": ["Bob", "Rob"],
    "Richard": ["Rick", "Rich"],
    "James": ["Jim", "Jamie"],
    "Michael": ["Mike"],
    "Thomas": ["Tom"],
    "Joseph": ["Joe"],
    "David": ["Dave"],
    "Daniel": ["Dan", "Danny"],
    "Christopher": ["Chris"],
    "Christian": ["Chris"],
    "Katherine": ["Kate", "Katie"],
    "Catherine": ["Cathy", "Kate"],
    "Elizabeth": ["Liz", "Beth"],
    "Jennifer": ["Jen", "Jenny"],
    "Susan": ["Sue"],
    "Margaret": ["Maggie", "Peggy"],
    "Alexander": ["Alex", "Sascha"],
    "Samuel": ["Sam"],
    "Samantha": ["Sam"],
    "Benjamin": ["Ben"],
    "Nicholas": ["Nick"],
    "Anthony": ["Tony"],
    "Steven": ["Steve"],
    "Stephen": ["Steve"],
    "Andrew": ["Andy", "Drew"],
    "Matthew": ["Matt"],
    "Patrick": ["Pat"],
    "Patricia": ["Pat", "Patty"],
    "Edward": ["Ed", "Ted"],
    "Gregory": ["Greg"],
    "Jonathan": ["Jon"],
    "Johannes": ["Hans", "Jo"],
    "Josef": ["Sepp"],
    "Friedrich": ["Fritz"],
    "Katharina": ["Kathi"],
    "Ulrich": ["Uli"],
    "Sebastian": ["Basti"],
    "Florian": ["Flo"],
    "Stefanie": ["Steffi"],
    "Magdalena": ["Lena"],
    "Emmanuel": ["Manu"],
    "Nicolas": ["Nico"],
    "Frédéric": ["Fred"],
    "Sébastien": ["Seb"],
    "Lars": ["Lasse"],
    "Karl": ["Kalle"],
    "Per": ["Pelle"],
    "Olof": ["Olle"],
    "Andreas": ["Andi"],
    "Matthias": ["Matze"],
    "Elisabeth": ["Lisa", "Liz"],
}


def _word_list(text: str) -> list[str]:
    return text.split()


def _split_names(text: str) -> list[str]:
    """Names, one per word, except multi-word surnames joined by the particles they start with."""
    particles = {"de", "van", "von", "der", "den", "la", "le"}
    names: list[str] = []
    pending: list[str] = []
    for word in text.split():
        pending.append(word)
        if word.lower() in particles:
            continue
        names.append(" ".join(pending))
        pending = []
    return sorted(set(names))


# --------------------------------------------------------------------------------------------
# Countries


@dataclass(frozen=True)
class _City:
    name: str
    postal_prefix: str
    phone_area: str
    subscriber_len: int = 0  # 0: the country's usual length


@dataclass(frozen=True)
class _Country:
    code: str
    spellings: tuple[str, ...]  # how people write the country
    first: list[str]
    last: list[str]
    cities: tuple[_City, ...]
    postal_len: int
    street_words: tuple[str, ...]
    street_forms: tuple[tuple[str, str], ...]  # (full, abbreviated) street word templates
    number_first: bool
    calling_code: str
    trunk: str  # national call prefix ("0"), "" where none
    subscriber_len: int
    mobile_prefixes: tuple[str, ...]
    mobile_len: int
    legal_forms: tuple[tuple[str, ...], ...]  # each: spellings of one legal form
    tld: str
    company_words: tuple[str, ...]
    free_mail: tuple[str, ...]


_DE_STREETS = _word_list(
    "Haupt Bahnhof Goethe Schiller Linden Berg Garten Industrie Kirch Mozart Wald Feld Mühlen "
    "Schul Post Markt Ring Rosen Birken Eichen Friedrich Wilhelm Kaiser Königs Bismarck Park Sonnen"
)
_DE_WORDS = _word_list(
    "Technik Systeme Maschinenbau Logistik Antriebe Elektronik Werkzeug Automation Hydraulik "
    "Medizintechnik Software Energie Anlagenbau Stahlbau Kunststoff Verpackung Sensorik Optik"
)

COUNTRIES: dict[str, _Country] = {}


def _register(country: _Country) -> None:
    COUNTRIES[country.code] = country


_register(
    _Country(
        code="DE",
        spellings=("DE", "Germany", "Deutschland", "DEU", "germany"),
        first=_split_names(_GERMAN_FIRST),
        last=_surnames(_GERMAN_LAST, "german"),
        cities=(
            _City("München", "80", "89"),
            _City("Berlin", "10", "30"),
            _City("Hamburg", "20", "40"),
            _City("Köln", "50", "221"),
            _City("Frankfurt am Main", "60", "69"),
            _City("Stuttgart", "70", "711"),
            _City("Düsseldorf", "40", "211"),
            _City("Nürnberg", "90", "911"),
            _City("Leipzig", "04", "341"),
            _City("Hannover", "30", "511"),
            _City("Bremen", "28", "421"),
            _City("Dresden", "01", "351"),
        ),
        postal_len=5,
        street_words=tuple(_DE_STREETS),
        street_forms=(("{w}straße", "{w}str."), ("{w}weg", "{w}weg"), ("{w}allee", "{w}allee")),
        number_first=False,
        calling_code="49",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("151", "160", "170", "171", "176"),
        mobile_len=8,
        legal_forms=(
            ("GmbH", "G.m.b.H.", "Gmbh"),
            ("AG", "Aktiengesellschaft"),
            ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG"),
            ("SE",),
            ("KG",),
        ),
        tld="de",
        company_words=tuple(_DE_WORDS),
        free_mail=("gmail.com", "web.de", "gmx.de", "t-online.de", "gmx.net", "outlook.de"),
    )
)
_register(
    _Country(
        code="AT",
        spellings=("AT", "Austria", "Österreich", "AUT", "Oesterreich"),
        first=_split_names(_GERMAN_FIRST),
        last=_surnames(_GERMAN_LAST, "german"),
        cities=(
            _City("Wien", "1", "1"),
            _City("Graz", "8", "316"),
            _City("Linz", "4", "732"),
            _City("Salzburg", "5", "662"),
            _City("Innsbruck", "6", "512"),
        ),
        postal_len=4,
        street_words=tuple(_DE_STREETS),
        street_forms=(("{w}straße", "{w}str."), ("{w}gasse", "{w}gasse"), ("{w}weg", "{w}weg")),
        number_first=False,
        calling_code="43",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("664", "660", "676", "699"),
        mobile_len=7,
        legal_forms=(("GmbH", "Ges.m.b.H.", "Gmbh"), ("AG",), ("KG",)),
        tld="at",
        company_words=tuple(_DE_WORDS),
        free_mail=("gmail.com", "gmx.at", "aon.at", "chello.at", "outlook.com"),
    )
)
_register(
    _Country(
        code="CH",
        spellings=("CH", "Switzerland", "Schweiz", "Suisse", "CHE"),
        first=_split_names(_GERMAN_FIRST + _FRENCH_FIRST),
        last=_surnames(_GERMAN_LAST + _FRENCH_LAST, "german", "french"),
        cities=(
            _City("Zürich", "80", "44"),
            _City("Genève", "12", "22"),
            _City("Basel", "40", "61"),
            _City("Bern", "30", "31"),
            _City("Lausanne", "10", "21"),
        ),
        postal_len=4,
        street_words=tuple(_DE_STREETS),
        street_forms=(("{w}strasse", "{w}str."), ("{w}weg", "{w}weg"), ("{w}gasse", "{w}gasse")),
        number_first=False,
        calling_code="41",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("79", "78", "76", "77"),
        mobile_len=7,
        legal_forms=(("AG", "SA"), ("GmbH", "Sàrl", "Sarl"), ("SA", "S.A.")),
        tld="ch",
        company_words=tuple(_DE_WORDS),
        free_mail=("gmail.com", "bluewin.ch", "gmx.ch", "hotmail.ch", "sunrise.ch"),
    )
)
_register(
    _Country(
        code="FR",
        spellings=("FR", "France", "FRA", "france", "République française"),
        first=_split_names(_FRENCH_FIRST),
        last=_surnames(_FRENCH_LAST, "french"),
        cities=(
            _City("Paris", "750", "1"),
            _City("Lyon", "690", "4"),
            _City("Marseille", "130", "4"),
            _City("Toulouse", "310", "5"),
            _City("Bordeaux", "330", "5"),
            _City("Lille", "590", "3"),
            _City("Nantes", "440", "2"),
            _City("Strasbourg", "670", "3"),
        ),
        postal_len=5,
        street_words=(
            "de la Paix",
            "Victor Hugo",
            "du Général de Gaulle",
            "Jean Jaurès",
            "de la République",
            "Pasteur",
            "des Lilas",
            "de la Gare",
            "Voltaire",
            "Foch",
            "Gambetta",
            "du Moulin",
            "des Écoles",
            "Saint-Michel",
        ),
        street_forms=(
            ("rue {w}", "rue {w}"),
            ("avenue {w}", "av. {w}"),
            ("boulevard {w}", "bd {w}"),
        ),
        number_first=True,
        calling_code="33",
        trunk="0",
        subscriber_len=8,
        mobile_prefixes=("60", "61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78"),
        mobile_len=7,
        legal_forms=(("SAS", "S.A.S."), ("SA", "S.A."), ("SARL", "S.A.R.L.", "Sarl")),
        tld="fr",
        company_words=(
            "Industrie",
            "Solutions",
            "Systèmes",
            "Technologies",
            "Logistique",
            "Énergie",
            "Électronique",
            "Services",
            "Mécanique",
            "Ingénierie",
        ),
        free_mail=("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr"),
    )
)
_NORDIC_WORDS = (
    "Tech",
    "Industri",
    "Systems",
    "Automation",
    "Energi",
    "Marine",
    "Data",
    "Logistik",
    "Engineering",
    "Solutions",
)
_register(
    _Country(
        code="SE",
        spellings=("SE", "Sweden", "Sverige", "SWE"),
        first=_split_names(_SWEDISH_FIRST),
        last=_surnames(_SWEDISH_LAST, "swedish"),
        cities=(
            _City("Stockholm", "11", "8"),
            _City("Göteborg", "41", "31"),
            _City("Malmö", "21", "40"),
            _City("Uppsala", "75", "18"),
            _City("Västerås", "72", "21"),
        ),
        postal_len=5,
        street_words=("Stor", "Kungs", "Drottning", "Skol", "Kyrko", "Järnvägs", "Sjö", "Berg"),
        street_forms=(("{w}gatan", "{w}gatan"), ("{w}vägen", "{w}vägen")),
        number_first=False,
        calling_code="46",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("70", "72", "73", "76"),
        mobile_len=7,
        legal_forms=(("AB", "Aktiebolag"), ("AB (publ)", "AB")),
        tld="se",
        company_words=_NORDIC_WORDS,
        free_mail=("gmail.com", "hotmail.se", "telia.com", "outlook.com", "live.se"),
    )
)
_register(
    _Country(
        code="NO",
        spellings=("NO", "Norway", "Norge", "NOR"),
        first=_split_names(_NORWEGIAN_FIRST),
        last=_surnames(_NORWEGIAN_LAST, "norwegian"),
        cities=(
            _City("Oslo", "0", "22"),
            _City("Bergen", "5", "55"),
            _City("Trondheim", "7", "73"),
            _City("Stavanger", "4", "51"),
        ),
        postal_len=4,
        street_words=("Stor", "Kirke", "Skole", "Kongens", "Dronning", "Sjø", "Fjord", "Berg"),
        street_forms=(("{w}gata", "{w}gata"), ("{w}veien", "{w}vn.")),
        number_first=False,
        calling_code="47",
        trunk="",
        subscriber_len=6,
        mobile_prefixes=("41", "45", "46", "48", "90", "92", "93", "95"),
        mobile_len=6,
        legal_forms=(("AS", "A/S"), ("ASA",)),
        tld="no",
        company_words=_NORDIC_WORDS,
        free_mail=("gmail.com", "online.no", "hotmail.com", "outlook.com"),
    )
)
_register(
    _Country(
        code="DK",
        spellings=("DK", "Denmark", "Danmark", "DNK"),
        first=_split_names(_DANISH_FIRST),
        last=_surnames(_DANISH_LAST, "danish"),
        cities=(
            _City("København", "1", "3"),
            _City("Aarhus", "8", "8"),
            _City("Odense", "5", "6"),
            _City("Aalborg", "9", "9"),
        ),
        postal_len=4,
        street_words=("Kongens", "Nørre", "Vester", "Øster", "Skole", "Kirke", "Strand", "Mølle"),
        street_forms=(("{w}gade", "{w}gade"), ("{w}vej", "{w}vej")),
        number_first=False,
        calling_code="45",
        trunk="",
        subscriber_len=7,
        mobile_prefixes=("2", "3", "4", "5"),
        mobile_len=7,
        legal_forms=(("A/S", "AS"), ("ApS", "Aps")),
        tld="dk",
        company_words=_NORDIC_WORDS,
        free_mail=("gmail.com", "hotmail.com", "mail.dk", "outlook.dk"),
    )
)
_register(
    _Country(
        code="FI",
        spellings=("FI", "Finland", "Suomi", "FIN"),
        first=_split_names(_FINNISH_FIRST),
        last=_surnames(_FINNISH_LAST, "finnish"),
        cities=(
            _City("Helsinki", "00", "9"),
            _City("Espoo", "02", "9"),
            _City("Tampere", "33", "3"),
            _City("Turku", "20", "2"),
            _City("Oulu", "90", "8"),
        ),
        postal_len=5,
        street_words=("Mannerheimin", "Hämeen", "Koulu", "Kirkko", "Rauta", "Ranta", "Kauppa"),
        street_forms=(("{w}katu", "{w}katu"), ("{w}tie", "{w}tie")),
        number_first=False,
        calling_code="358",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("40", "50", "44", "45"),
        mobile_len=7,
        legal_forms=(("Oy", "OY"), ("Oyj",)),
        tld="fi",
        company_words=_NORDIC_WORDS,
        free_mail=("gmail.com", "hotmail.com", "luukku.com", "outlook.com"),
    )
)
_register(
    _Country(
        code="NL",
        spellings=("NL", "Netherlands", "Nederland", "Holland", "NLD", "The Netherlands"),
        first=_split_names(_DUTCH_FIRST),
        last=_surnames(_DUTCH_LAST, "dutch"),
        cities=(
            _City("Amsterdam", "10", "20"),
            _City("Rotterdam", "30", "10"),
            _City("Den Haag", "25", "70"),
            _City("Utrecht", "35", "30"),
            _City("Eindhoven", "56", "40"),
        ),
        postal_len=4,
        street_words=("Kerk", "Molen", "Dorps", "School", "Stations", "Nieuwe", "Heren", "Prinsen"),
        street_forms=(("{w}straat", "{w}str."), ("{w}weg", "{w}weg"), ("{w}laan", "{w}laan")),
        number_first=False,
        calling_code="31",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("6",),
        mobile_len=8,
        legal_forms=(("B.V.", "BV", "B.V"), ("N.V.", "NV")),
        tld="nl",
        company_words=("Techniek", "Systemen", "Logistiek", "Automatisering", "Installatie"),
        free_mail=("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.nl", "outlook.com"),
    )
)
_US_STREETS = _word_list(
    "Main Oak Maple Park Washington Lake Hill Pine Cedar Elm Market Mission Madison Jefferson "
    "Lincoln Franklin Highland Sunset Ridge River Spring Church Union Center"
)
_register(
    _Country(
        code="US",
        spellings=("US", "USA", "United States", "U.S.A.", "United States of America", "US"),
        first=_split_names(_ENGLISH_FIRST),
        last=_surnames(_ENGLISH_LAST, "english"),
        cities=(
            _City("New York", "100", "212"),
            _City("Chicago", "606", "312"),
            _City("San Francisco", "941", "415"),
            _City("Boston", "021", "617"),
            _City("Seattle", "981", "206"),
            _City("Austin", "787", "512"),
            _City("Atlanta", "303", "404"),
            _City("Denver", "802", "303"),
            _City("Houston", "770", "713"),
            _City("Los Angeles", "900", "213"),
        ),
        postal_len=5,
        street_words=tuple(_US_STREETS),
        street_forms=(
            ("{w} Street", "{w} St"),
            ("{w} Avenue", "{w} Ave"),
            ("{w} Road", "{w} Rd."),
            ("{w} Boulevard", "{w} Blvd"),
            ("{w} Drive", "{w} Dr"),
            ("{w} Lane", "{w} Ln"),
        ),
        number_first=True,
        calling_code="1",
        trunk="1",
        subscriber_len=7,
        mobile_prefixes=(),
        mobile_len=7,
        legal_forms=(("Inc.", "Inc", "Incorporated"), ("LLC", "L.L.C."), ("Corp.", "Corporation")),
        tld="com",
        company_words=(
            "Systems",
            "Technologies",
            "Industries",
            "Solutions",
            "Dynamics",
            "Labs",
            "Manufacturing",
            "Controls",
            "Networks",
            "Devices",
        ),
        free_mail=("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com"),
    )
)
_register(
    _Country(
        code="GB",
        spellings=("GB", "UK", "United Kingdom", "Great Britain", "England", "GBR"),
        first=_split_names(_ENGLISH_FIRST),
        last=_surnames(_ENGLISH_LAST, "english"),
        cities=(
            _City("London", "EC", "20", 8),
            _City("Manchester", "M", "161"),
            _City("Birmingham", "B", "121"),
            _City("Leeds", "LS", "113"),
            _City("Bristol", "BS", "117"),
            _City("Glasgow", "G", "141"),
            _City("Edinburgh", "EH", "131"),
        ),
        postal_len=0,  # UK postcodes have their own shape (see _postal)
        street_words=(
            "High",
            "Church",
            "Station",
            "Victoria",
            "Mill",
            "Queen",
            "King",
            "Park",
            "London",
            "Albert",
            "Castle",
            "Bridge",
        ),
        street_forms=(("{w} Street", "{w} St"), ("{w} Road", "{w} Rd"), ("{w} Lane", "{w} Ln")),
        number_first=True,
        calling_code="44",
        trunk="0",
        subscriber_len=7,
        mobile_prefixes=("7700", "7911", "7400", "7500"),
        mobile_len=6,
        legal_forms=(("Ltd", "Limited", "Ltd."), ("PLC", "plc"), ("LLP",)),
        tld="co.uk",
        company_words=(
            "Engineering",
            "Systems",
            "Group",
            "Technologies",
            "Industries",
            "Solutions",
            "Controls",
            "Instruments",
        ),
        free_mail=("gmail.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "outlook.com"),
    )
)

_COUNTRY_WEIGHTS = {
    "DE": 20,
    "US": 18,
    "FR": 11,
    "GB": 10,
    "SE": 7,
    "NL": 6,
    "AT": 5,
    "CH": 5,
    "NO": 5,
    "DK": 5,
    "FI": 4,
}

_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "å": "aa"}
    | {"Å": "Aa", "ø": "oe", "Ø": "Oe", "æ": "ae", "Æ": "Ae"}
)
_STRIP = str.maketrans("äöüÄÖÜåÅøØéèêëÉÈàâçîïôûùÿñ", "aouAOUaAoOeeeeEEaaciiouuyn")
_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def _ascii(text: str) -> str:
    return text.translate(_TRANSLIT).translate(_STRIP).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())


# --------------------------------------------------------------------------------------------
# The world: companies and people


@dataclass(frozen=True)
class _Phone:
    country: str
    area: str  # national significant prefix: area code or mobile prefix
    number: str  # subscriber digits

    @property
    def e164(self) -> str:
        return f"+{COUNTRIES[self.country].calling_code}{self.area}{self.number}"


@dataclass(frozen=True)
class _Address:
    country: str
    city: _City
    postal: str
    street_word: str
    street_form: int
    number: str


@dataclass
class _Company:
    core: str
    legal_form: tuple[str, ...]
    domain: str
    address: _Address
    switchboard: _Phone
    people: set[tuple[str, str]] = field(default_factory=set)
    mailboxes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Person:
    entity: int
    first: str
    last: str
    company: _Company | None
    address: _Address
    email_kind: str  # work | free | role | none
    email: str
    other_email: str  # the work address of someone who gave a private one, and vice versa
    phone_kind: str  # direct | mobile | switchboard | none
    phone: _Phone | None


class _World:
    """Random companies and people; every draw goes through one seeded Random."""

    def __init__(self, rng: random.Random, n_companies: int):
        self.rng = rng
        self.domains: set[str] = set()
        self.mailboxes: set[str] = set()
        self.company_names: set[str] = set()
        codes = list(_COUNTRY_WEIGHTS)
        weights = list(_COUNTRY_WEIGHTS.values())
        self.companies = [self._company(rng.choices(codes, weights)[0]) for _ in range(n_companies)]
        # Long tail: the k-th company is picked with weight 1/(k+10), so the biggest employ a
        # few hundred people and most a handful. (Cumulative, so each draw is a bisection.)
        self.company_cum_weights = list(accumulate(1 / (k + 10) for k in range(n_companies)))
        self.next_entity = 0

    def _digits(self, n: int, first: str = "123456789") -> str:
        return self.rng.choice(first) + "".join(self.rng.choices(string.digits, k=n - 1))

    def _postal(self, country: _Country, city: _City) -> str:
        if country.code == "GB":
            letters = self.rng.choices("ABDEFGHJLNPQRSTUWXYZ", k=2)
            return f"{city.postal_prefix}{self.rng.randint(1, 20)} {self.rng.randint(1, 9)}{''.join(letters)}"
        tail = "".join(
            self.rng.choices(string.digits, k=country.postal_len - len(city.postal_prefix))
        )
        return city.postal_prefix + tail

    def address(self, code: str) -> _Address:
        country = COUNTRIES[code]
        city = self.rng.choice(country.cities)
        return _Address(
            country=code,
            city=city,
            postal=self._postal(country, city),
            street_word=self.rng.choice(country.street_words),
            street_form=self.rng.randrange(len(country.street_forms)),
            number=str(self.rng.randint(1, 180)) + ("a" if self.rng.random() < 0.05 else ""),
        )

    def landline(self, address: _Address) -> _Phone:
        country = COUNTRIES[address.country]
        length = address.city.subscriber_len or country.subscriber_len
        return _Phone(address.country, address.city.phone_area, self._digits(length, "2345678"))

    def mobile(self, code: str) -> _Phone:
        country = COUNTRIES[code]
        if not country.mobile_prefixes:  # US mobiles look like landlines
            return self.landline(self.address(code))
        prefix = self.rng.choice(country.mobile_prefixes)
        return _Phone(code, prefix, self._digits(country.mobile_len, "123456789"))

    def _company(self, code: str) -> _Company:
        country = COUNTRIES[code]
        rng = self.rng
        core = self._company_name(country)
        domain = _slug(core.split("&")[0]) or "firma"
        base, n = domain, 1
        while f"{domain}.{country.tld}" in self.domains:
            n += 1
            domain = f"{base}{n}"
        self.domains.add(f"{domain}.{country.tld}")
        address = self.address(code)
        return _Company(
            core=core,
            legal_form=rng.choice(country.legal_forms),
            domain=f"{domain}.{country.tld}",
            address=address,
            switchboard=self.landline(address),
        )

    def _company_name(self, country: _Country) -> str:
        """A name no other company has: a register does not give one name out twice."""
        rng = self.rng
        for _ in range(50):
            style = rng.random()
            if style < 0.4:
                core = f"{rng.choice(country.last)} {rng.choice(country.company_words)}"
            elif style < 0.7:
                suffix = rng.choice(["tec", "tronic", "werk", "tek", "com", "flex", "plan", "data"])
                core = f"{rng.choice(country.street_words).split()[-1]}{suffix}"
            else:
                core = f"{rng.choice(country.last)} & {rng.choice(country.last)}"
            if core not in self.company_names:
                break
        else:
            core = f"{core} {rng.choice(country.cities).name} {len(self.company_names)}"
        self.company_names.add(core)
        return core

    def person(self) -> _Person:
        rng = self.rng
        company = None
        if rng.random() < 0.92:
            company = rng.choices(self.companies, cum_weights=self.company_cum_weights)[0]
        code = (
            company.address.country
            if company
            else rng.choices(*zip(*_COUNTRY_WEIGHTS.items(), strict=True))[0]
        )
        country = COUNTRIES[code]
        while True:
            first, last = rng.choice(country.first), rng.choice(country.last)
            # Two colleagues with one full name are rare with real name diversity, but common
            # with these short lists; a benchmark cannot label such a pair, so skip it.
            if company is None or (first, last) not in company.people:
                break
        if company is not None:
            company.people.add((first, last))
        address = company.address if company else self.address(code)
        work = self.work_email(first, last, company) if company else ""
        private = self.free_mail(first, last, country)
        email_kind, email = self._email(company, work, private)
        other = work if email_kind == "free" and work else private
        phone_kind, phone = self._phone(company, address)
        self.next_entity += 1
        return _Person(
            self.next_entity,
            first,
            last,
            company,
            address,
            email_kind,
            email,
            other,
            phone_kind,
            phone,
        )

    def _email(self, company: _Company | None, work: str, private: str) -> tuple[str, str]:
        roll = self.rng.random()
        if company is not None and roll < 0.72:
            return "work", work
        if company is not None and roll < 0.76:
            role = self.rng.choice(["info", "sales", "office", "kontakt"])
            return "role", f"{role}@{company.domain}"
        if roll < 0.9:
            return "free", private
        return "none", ""

    def work_email(self, first: str, last: str, company: _Company) -> str:
        """A mailbox of the company's domain that no colleague has yet (a company gives
        J. Smith and Jane Smith two addresses, not one)."""
        local = self.local_part(first, last)
        n = 1
        while f"{local}@{company.domain}" in company.mailboxes:
            n += 1
            local = f"{self.local_part(first, last)}{n}" if n > 4 else self.local_part(first, last)
        email = f"{local}@{company.domain}"
        company.mailboxes.add(email)
        return email

    def local_part(self, first: str, last: str) -> str:
        f, s = _slug(first), _slug(last)
        pattern = self.rng.choices(
            ["{f}.{s}", "{i}{s}", "{f}{s}", "{f}_{s}", "{s}.{f}", "{i}.{s}", "{f}"],
            [40, 20, 10, 5, 5, 15, 5],
        )[0]
        return pattern.format(f=f, s=s, i=f[:1])

    def free_mail(self, first: str, last: str, country: _Country) -> str:
        """A private mailbox nobody else has (a provider gives each address out once)."""
        while True:
            local = self.local_part(first, last)
            if self.rng.random() < 0.4:
                local += str(self.rng.randint(1, 99))
            email = f"{local}@{self.rng.choice(country.free_mail)}"
            if email not in self.mailboxes:
                self.mailboxes.add(email)
                return email

    def _phone(self, company: _Company | None, address: _Address) -> tuple[str, _Phone | None]:
        roll = self.rng.random()
        if company is not None and roll < 0.5:
            return "direct", self.landline(address)
        if roll < 0.65:
            return "mobile", self.mobile(address.country)
        if company is not None and roll < 0.75:
            return "switchboard", company.switchboard
        return "none", None


# --------------------------------------------------------------------------------------------
# Rendering a person as a record, with or without the corruptions of a duplicate


def _typo(rng: random.Random, text: str) -> str:
    """One insertion, deletion, substitution or transposition of adjacent letters."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])  # the first letter is rarely mistyped
    kind = rng.choice(["insert", "delete", "substitute", "transpose"])
    ch = rng.choice(string.ascii_lowercase)
    if kind == "insert":
        return text[:i] + ch + text[i:]
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    if kind == "substitute":
        return text[:i] + ch + text[i + 1 :]
    j = i - 1 if i == len(text) - 1 else i
    return text[:j] + text[j + 1] + text[j] + text[j + 2 :]


def _phone_text(rng: random.Random, phone: _Phone) -> str:
    country = COUNTRIES[phone.country]
    cc, area, number = country.calling_code, phone.area, phone.number
    half = len(number) // 2
    spaced = f"{number[:half]} {number[half:]}"
    if phone.country == "US":
        styles = [
            f"+1 {area} {number[:3]} {number[3:]}",
            f"({area}) {number[:3]}-{number[3:]}",
            f"{area}-{number[:3]}-{number[3:]}",
            f"1-{area}-{number[:3]}-{number[3:]}",
            f"+1{area}{number}",
        ]
    else:
        styles = [
            f"+{cc} {area} {spaced}",
            f"+{cc}{area}{number}",
            f"00{cc} {area} {number}",
            f"{country.trunk}{area} {spaced}",
            f"{country.trunk}{area}/{number}",
            f"+{cc} ({country.trunk}){area} {number}" if country.trunk else f"+{cc} {area}{number}",
        ]
    return rng.choice(styles)


def _street_text(address: _Address, abbreviated: bool) -> str:
    country = COUNTRIES[address.country]
    template = country.street_forms[address.street_form][1 if abbreviated else 0]
    street = template.format(w=address.street_word)
    return f"{address.number} {street}" if country.number_first else f"{street} {address.number}"


def _company_text(rng: random.Random, company: _Company, corrupt: bool) -> str:
    form = company.legal_form[0]
    if corrupt and rng.random() < 0.35:
        form = rng.choice([*company.legal_form, ""])
    core = company.core
    if corrupt and rng.random() < 0.1:
        core = _typo(rng, core)
    if corrupt and rng.random() < 0.1:
        core = core.upper()
    return f"{core} {form}".strip()


@dataclass(frozen=True)
class _Corruption:
    """Chances of each corruption; the base rendering of a person uses `LIGHT`."""

    missing_email: float
    other_email: float
    missing_phone: float
    other_phone: float
    typo_first: float
    typo_last: float
    swap: float
    nickname: float
    initial: float
    transliterate: float
    case: float
    missing_company: float
    missing_street: float
    typo_street: float
    missing_postal: float
    missing_city: float
    typo_city: float
    missing_country: float
    abbreviate: float


LIGHT = _Corruption(0, 0, 0, 0, 0, 0, 0, 0, 0, 0.05, 0.03, 0.03, 0.05, 0, 0.02, 0.02, 0, 0.02, 0.5)
HEAVY = _Corruption(
    missing_email=0.38,
    other_email=0.22,
    missing_phone=0.5,
    other_phone=0.15,
    typo_first=0.1,
    typo_last=0.12,
    swap=0.06,
    nickname=0.1,
    initial=0.04,
    transliterate=0.3,
    case=0.12,
    missing_company=0.12,
    missing_street=0.12,
    typo_street=0.08,
    missing_postal=0.06,
    missing_city=0.06,
    typo_city=0.04,
    missing_country=0.05,
    abbreviate=0.5,
)


def _names(rng: random.Random, p: _Person, c: _Corruption) -> tuple[str, str]:
    first, last = p.first, p.last
    if rng.random() < c.nickname and first in _NICKNAMES:
        first = rng.choice(_NICKNAMES[first])
    elif rng.random() < c.initial:
        first = first[0] + "."
    if rng.random() < c.transliterate:
        first, last = (
            (_ascii(first), _ascii(last))
            if rng.random() < 0.5
            else (
                first.translate(_TRANSLIT),
                last.translate(_TRANSLIT),
            )
        )
    if rng.random() < c.typo_first:
        first = _typo(rng, first)
    if rng.random() < c.typo_last:
        last = _typo(rng, last)
    if rng.random() < c.case:
        first, last = (
            (first.upper(), last.upper()) if rng.random() < 0.6 else (first.lower(), last.lower())
        )
    if rng.random() < c.swap:
        first, last = last, first
    return first, last


def _email(rng: random.Random, p: _Person, c: _Corruption) -> str:
    roll = rng.random()
    if roll < c.missing_email:
        return ""
    if roll < c.missing_email + c.other_email:
        return p.other_email
    email = p.email
    if email and rng.random() < c.case:
        email = f" {email.capitalize()} "
    return email


def _phone(rng: random.Random, world: _World, p: _Person, c: _Corruption) -> str:
    roll = rng.random()
    if roll < c.missing_phone:
        return ""
    if roll < c.missing_phone + c.other_phone:
        return _phone_text(rng, world.mobile(p.address.country))
    return _phone_text(rng, p.phone) if p.phone else ""


def _render(
    rng: random.Random, world: _World, p: _Person, key: str, c: _Corruption, when: datetime
) -> dict:
    first, last = _names(rng, p, c)
    a = p.address
    street = _street_text(a, rng.random() < c.abbreviate)
    if rng.random() < c.typo_street:
        street = _typo(rng, street)
    city = a.city.name if rng.random() >= c.typo_city else _typo(rng, a.city.name)
    country = rng.choice(COUNTRIES[a.country].spellings)
    company = _company_text(rng, p.company, c is HEAVY) if p.company else ""
    return {
        "key": key,
        "first_name": first,
        "last_name": last,
        "email": _email(rng, p, c),
        "phone": _phone(rng, world, p, c),
        "company": "" if rng.random() < c.missing_company else company,
        "street": "" if rng.random() < c.missing_street else street,
        "city": "" if rng.random() < c.missing_city else city,
        "postal_code": "" if rng.random() < c.missing_postal else a.postal,
        "country": "" if rng.random() < c.missing_country else country,
        "updated_at": when,
    }


# --------------------------------------------------------------------------------------------
# Data sets


@dataclass
class Dataset:
    """Raw records (dicts with the fields of PersonRecord.from_raw plus "key"), shuffled, and
    the truth: the entity behind each key and every pair of keys of one entity."""

    records: list[dict]
    entity_of: dict[str, int]
    true_pairs: set[tuple[str, str]]


def _pairs(keys_by_entity: dict[int, list[str]]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for keys in keys_by_entity.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                pairs.add((a, b) if a < b else (b, a))
    return pairs


def _copies(rng: random.Random, dup_share: float) -> int:
    """How many duplicates to make of one person: none, one, or (one in ten) two."""
    if rng.random() >= dup_share:
        return 0
    return 2 if rng.random() < 0.1 else 1


def _when(rng: random.Random, after: datetime = _EPOCH) -> datetime:
    return after + timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86399))


def generate(n_records: int = 20_000, *, dup_share: float = 0.2, seed: int = 7) -> Dataset:
    """About `n_records` records, of which a `dup_share` of the people have one or two
    duplicates (20,000 records at 0.2 give about 4,000 true pairs)."""
    rng = random.Random(seed)
    n_people = round(n_records / (1 + 1.1 * dup_share))
    world = _World(rng, max(1, n_people // 8))
    records: list[dict] = []
    keys: dict[int, list[str]] = {}
    for _ in range(n_people):
        person = world.person()
        when = _when(rng)
        copies = [LIGHT] + [HEAVY] * _copies(rng, dup_share)
        for n, corruption in enumerate(copies):
            key = f"p{person.entity}-{n}"
            records.append(_render(rng, world, person, key, corruption, when))
            keys.setdefault(person.entity, []).append(key)
            when = _when(rng, when)
    rng.shuffle(records)
    entity_of = {k: e for e, ks in keys.items() for k in ks}
    return Dataset(records, entity_of, _pairs(keys))


@dataclass
class ImportSet:
    """A tenant's contacts and a batch of leads to import against them, with the truth: every
    pair (lead, contact) or (lead, lead) of one person."""

    contacts: list[dict]
    leads: list[dict]
    true_pairs: set[tuple[str, str]]


def generate_import(
    n_contacts: int = 200_000,
    n_leads: int = 100_000,
    *,
    contact_share: float = 0.3,
    repeat_share: float = 0.05,
    seed: int = 11,
) -> ImportSet:
    """Contacts (one clean record per person) and leads: a `contact_share` of the leads are
    people already among the contacts, a `repeat_share` repeat an earlier lead of the batch,
    the rest are new people."""
    rng = random.Random(seed)
    world = _World(rng, max(1, (n_contacts + n_leads) // 10))
    people = [world.person() for _ in range(n_contacts)]
    contacts = [_render(rng, world, p, f"c{p.entity}", LIGHT, _when(rng)) for p in people]
    leads: list[dict] = []
    lead_people: list[_Person] = []
    keys: dict[int, list[str]] = {p.entity: [f"c{p.entity}"] for p in people}
    for n in range(n_leads):
        roll = rng.random()
        if roll < contact_share:
            person = rng.choice(people)
        elif roll < contact_share + repeat_share and lead_people:
            person = rng.choice(lead_people)
        else:
            person = world.person()
            lead_people.append(person)
        key = f"l{n}"
        leads.append(_render(rng, world, person, key, HEAVY, _when(rng)))
        keys.setdefault(person.entity, []).append(key)
    return ImportSet(contacts, leads, _pairs(keys))
