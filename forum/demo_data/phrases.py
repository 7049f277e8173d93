"""The words demo data is made of: usernames, claims, criteria, comments and notes.

Small banks combined at random give text that reads like a forum about the seeded article
while keeping the number of distinct Markdown bodies small, so each is rendered only once.
"""

import random

FIRST = (
    "amber", "atlas", "birch", "bold", "brisk", "cedar", "cinder", "cobalt", "coral", "crisp",
    "delta", "dusk", "ember", "fable", "fern", "flint", "frost", "gale", "glade", "granite",
    "harbor", "hazel", "indigo", "iron", "jade", "juniper", "kelp", "lark", "linen", "lumen",
    "maple", "marble", "mellow", "mint", "nimbus", "north", "oak", "onyx", "opal", "pine",
    "quartz", "quiet", "raven", "river", "rowan", "sable", "sage", "slate", "solar", "spruce",
)
SECOND = (
    "badger", "bear", "bison", "crane", "crow", "deer", "dove", "eagle", "egret", "falcon",
    "ferret", "finch", "fox", "gecko", "hare", "hawk", "heron", "ibis", "jay", "kestrel",
    "kite", "lemur", "lynx", "marten", "mole", "moose", "newt", "otter", "owl", "panda",
    "pika", "plover", "puffin", "quail", "robin", "salmon", "seal", "shrike", "sparrow", "stoat",
    "swift", "tern", "thrush", "toad", "vole", "walrus", "wolf", "wren", "yak", "zebra",
)

BIOS = (
    "Retired diplomat. I read the small print of joint statements.",
    "Grad student in East Asian security studies.",
    "Superforecaster wannabe; base rates first.",
    "Journalist covering the Korean peninsula since 2015.",
    "I forecast to stay honest with myself.",
    "Data scientist by day, amateur arms-control nerd by night.",
    "Calibration over conviction.",
    "Lurker turned forecaster.",
)

EVENTS = (
    "North Korea will conduct its seventh nuclear test",
    "Kim Jong Un and the US president will meet in person",
    "Kim Jong Un and Lee Jae Myung will hold a summit",
    "The UN Security Council will adopt a new resolution on North Korea",
    "North Korea will launch an ICBM on a full-range trajectory",
    "Official US–North Korea working-level talks will resume",
    "North Korea will announce a moratorium on missile tests",
    "Russia will openly deliver fighter jets to North Korea",
    "China and North Korea will sign a new economic agreement",
    "North Korea will test a solid-fuel ICBM",
    "South Korea will announce its own enrichment programme",
    "The Six-Party Talks format will be formally revived",
    "North Korea will put a reconnaissance satellite into orbit",
    "Kim Jong Un will visit Moscow",
    "Xi Jinping will visit Pyongyang",
    "The US will ease at least one sanction on North Korea",
    "North Korea will reopen the Yongbyon reactor site to inspectors",
    "North Korea will declare a no-first-use nuclear doctrine",
    "Inter-Korean hotlines will be restored",
    "A North Korean delegation will attend a UN General Assembly session",
    "Japan and North Korea will hold official bilateral talks",
    "North Korea will amend its constitution again on nuclear status",
    "The US will formally describe North Korea as a nuclear power",
    "North Korea will test a hypersonic missile",
    "South Korea and the US will scale down a joint military exercise",
    "North Korea will release a detained foreign national",
    "Russia will veto a North Korea sanctions renewal",
    "A trilateral Russia–China–North Korea summit will take place",
    "North Korea will stage a military parade with new ICBMs",
    "Arms-control talks on capping North Korea's arsenal will begin",
)
TITLE_ENDINGS = ("before {date}", "by {date}", "on or before {date}", "no later than {date}")

SOURCES = (
    "Reuters", "the Associated Press", "Yonhap", "KCNA", "NK News", "the BBC",
    "the UN's official record", "the US State Department",
)
CRITERIA = (
    "Resolves **yes** if {source} reports it by the resolution date. Resolves **no** otherwise.",
    ("**Yes** if {source} confirms it happened on or before the resolution date; announcements "
     "of plans do not count."),
    ("Resolves yes on a report by {source} or by two other major outlets. A denial by the "
     "government concerned does not block a yes if the evidence is public."),
    ("Judged on {source}'s coverage:\n\n- **yes**: it clearly took place\n- **no**: it did not, "
     "or only a preparatory step happened"),
    ("Resolves **yes** only if the event is officially acknowledged by at least one of the "
     "governments involved and reported by {source}."),
    ("If {source} reports the event before the resolution date this resolves yes. Ambiguous "
     "cases resolve **no**; a moderator may annul if the facts stay unclear."),
)

OPENERS = (
    "I think this is more likely than the crowd says.",
    "Base rates matter here.",
    "The article undersells how fast this can move.",
    "Honestly I'm at a coin flip on this one.",
    "Strong disagree with the author's probability.",
    "This hinges on the criteria wording.",
    "Not convinced.",
    "Good question, and a well-written claim.",
    "Updating down after the latest news.",
    "Updating up, a little.",
    "History says no.",
    "The timeline is the hard part.",
)
MIDDLES = (
    "Every previous round of talks stalled within **six months**.",
    "Pyongyang has little reason to give anything away while Moscow is a reliable partner.",
    "The satellite imagery people posted last week shows *renewed activity*.",
    "Beijing's position looks like the deciding factor to me.",
    "Domestic politics in Seoul make a summit hard before the next election.",
    "A test would cost them Chinese goodwill they currently need.",
    "See the [latest analysis](https://example.org/analysis) for the numbers.",
    ("> complete denuclearization remains a distant prospect\n\nThis line from the article is "
     "doing a lot of work."),
    ("Three things to watch:\n\n1. the spring exercises\n2. party plenum statements\n3. "
     "any envoy travel"),
    "The resolution criteria are tight, which pushes me towards `no`.",
    "Markets barely moved on the last announcement, which tells you something.",
    "Sanctions enforcement has been patchy since 2022.",
    "If this happens it will be announced with little warning.",
    "The crowd seems anchored on the author's number.",
)
CLOSERS = (
    "", "", "", "Happy to be proven wrong.", "Holding at my current number.",
    "Will revisit after the next plenum.", "Curious what others think.",
    "Forecast updated accordingly.", "Source below.", "Anyone have a better base rate?",
)

RESOLUTION_NOTES = {
    "yes": ("Confirmed by multiple outlets; see source.", "Officially announced; resolves yes.",
            "Happened as described in the criteria."),
    "no": ("Resolution date passed without the event.", "No credible report by the deadline.",
           "Did not happen within the window; resolves no."),
    "annulled": ("Criteria turned out to be ambiguous; annulled.",
                 "The question was overtaken by events; annulled.",
                 "Duplicate of an earlier prediction; annulled."),
}
CORRECTION_NOTE = "Corrected: the first resolution misread the source."
HIDE_REASONS = ("Off-topic.", "Personal attack.", "Spam link.")
FORECAST_REASONS = (
    "Satellite images show renewed activity at the site.",
    "The last three announcements all slipped by months.",
    "Base rate: this has happened twice in twenty years.",
    "Talks resumed this week, so I'm moving down a little.",
    "Markets barely reacted; the news is priced in.",
    "The criteria are strict; a partial step won't count.",
    "Following the crowd until better sources appear.",
    "Reuters reports preparations, but no date yet.",
)
REASON_EVERY = 9  # about one forecast in nine says why


def forecast_reason(forecast_id: int) -> str | None:
    """A short reason for some forecasts, fixed by the forecast's id (no random draw, so the
    rest of the data is the same as without reasons)."""
    if forecast_id % REASON_EVERY:
        return None
    return FORECAST_REASONS[(forecast_id // REASON_EVERY) % len(FORECAST_REASONS)]


def usernames(rng: random.Random, count: int) -> list[str]:
    """`count` distinct usernames like `cedar_heron` (a number is added once pairs run out)."""
    pairs = [f"{first}_{second}" for first in FIRST for second in SECOND]
    rng.shuffle(pairs)
    return [pairs[i % len(pairs)] + (str(i // len(pairs)) if i >= len(pairs) else "")
            for i in range(count)]


def title(rng: random.Random, when: str) -> str:
    """A claim about the article's subject ending in a date phrase."""
    return f"{rng.choice(EVENTS)} {rng.choice(TITLE_ENDINGS).format(date=when)}"


def criteria_pool() -> list[str]:
    """Every criteria text (template × source): few enough to render each once."""
    return [template.format(source=source) for template in CRITERIA for source in SOURCES]


def comment_pool(rng: random.Random, count: int) -> list[str]:
    """`count` comment bodies in Markdown, from the banks above."""
    bodies = []
    for _ in range(count):
        parts = [rng.choice(OPENERS), rng.choice(MIDDLES)]
        if rng.random() < 0.35:
            parts.append(rng.choice(MIDDLES))
        parts.append(rng.choice(CLOSERS))
        bodies.append("\n\n".join(part for part in parts if part))
    return bodies
