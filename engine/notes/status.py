# ruff: noqa: E501  (the cue tables are data: one pattern list a status, long regular expressions kept whole)
"""Whether the patient takes each medication a note names: rules as data, in the manner of
ConText (Harkema et al. 2009; medspaCy's ``context`` rules, MIT).

The statuses (:data:`STATUSES`):

==========  ==================================================================================
taking      a current medication ("on", "continue", a plain medication-list line) - the default
started     started or changed now ("start", "increased to", "switched to")
stopped     stopped or held ("stop", "discontinued", "held", "switched from", "no longer")
planned     planned or conditional ("plan to start", "consider", "if ... add", "will start")
allergy     an allergy or intolerance ("allergic to", a line under "Allergies:", "intolerant of")
negated     not taken ("no aspirin", "not on any anticoagulant", "denies NSAID use")
historical  taken in the past ("previously on", "tried ... years ago", "history of")
family      someone else's ("mother takes warfarin")
==========  ==================================================================================

How a Drug's status is found:

1. **Sections.** A header such as "Allergies:", "Family history:", "Past medications:"
   (:data:`SECTIONS`) gives its status to the Drugs under it: on its own line, every line below
   it up to the next header or blank line; followed by text on its line ("Allergies:
   penicillin"), that line's first sentence only.
2. **Cues.** Each rule of :data:`CUES` is a pattern, the status it gives, and the side of the
   cue its Drugs lie on (``after``: "stop aspirin"; ``before``: "aspirin stopped"; ``either``),
   within ``reach`` characters. A cue reaches only within its clause: it stops at a sentence end,
   a semicolon, a line end (a list line is a clause) and the clause breaks of :data:`BREAKS`
   ("but", "however", "so", "instead"...). Look-alikes that are no cue (:data:`PSEUDO_CUES`: "no
   change to", "not only") are masked first.
3. **The nearest cue wins**; a family cue before the Drug in its clause wins over every other,
   and a conditional cue ("if", "consider", "will") before it turns a started or current Drug
   into a planned one. With no cue, the section decides, and with no section, ``taking``.

:func:`status_of` gives the status and the words that decided it (shown to the clinician as the
reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.types import Span

STATUSES: tuple[str, ...] = ("taking", "started", "stopped", "planned", "allergy", "negated", "historical", "family")
#: The statuses of a medication the patient is on now (what the list shows by default).
CURRENT: tuple[str, ...] = ("taking", "started")
#: When two cues are equally near: the first of this order wins.
PRIORITY: tuple[str, ...] = ("family", "allergy", "negated", "historical", "stopped", "planned", "started", "taking")

AFTER, BEFORE, EITHER = "after", "before", "either"


@dataclass(frozen=True)
class Cue:
    """A rule: ``pattern`` (a regular expression, matched case-insensitively on word boundaries)
    gives ``status`` to Drugs on ``side`` of it within ``reach`` characters."""

    pattern: str
    status: str
    side: str = AFTER
    reach: int = 60
    decisive: bool = False  # read anywhere in the Drug's sentence, and wins over the nearest cue


#: Who else a note may say takes a medicine, and how it says they take it.
_RELATIVE = (
    r"(?:his |her |their |the patient's |pt's )?(?:mother|mum|mom|father|dad|grandad|granddad|brother|sister|siblings?|"
    r"son|daughter|wife|husband|partner|spouse|grandmother|grandfather|grandma|grandpa|aunt|uncle|cousin|niece|nephew|"
    r"relatives?|parents?|flatmate|roommate|twin)"
)
_TAKES = (
    r"takes?|took|taking|on|uses|used|using|needed|needs|started on|prescribed|receiving|received|treated with|found|had|"
    r"manages (?:his|her|their) own"
)


def _cues(status: str, side: str, reach: int, *patterns: str, decisive: bool = False) -> tuple[Cue, ...]:
    return tuple(Cue(pattern, status, side, reach, decisive) for pattern in patterns)


#: The cue table. Patterns are whole words or phrases; ``\s+`` between words is implied by spaces.
CUES: tuple[Cue, ...] = (
    *_cues("allergy", AFTER, 80,
           "allergic to", "allergy to", "allergies to", "allergy:", "allergies:", "intolerant of", "intolerant to",
           "intolerance to", "intolerance of", "reaction to", "reacts to", "hypersensitivity to", "sensitive to",
           "anaphylaxis (?:to|with|from)", "not tolerat(?:e|ed|ing)", "could not tolerate", "couldn't tolerate",
           "unable to tolerate", "can't tolerate", "cannot tolerate", "did not tolerate", "didn't tolerate",
           "(?:rash|hives|urticaria|angioedema|anaphylaxis|anaphylactic reaction|reaction) (?:with|to|from|after)",
           "(?:myalgia|side effects?|intolerance) (?:on|with|to|from)"),
    *_cues("allergy", BEFORE, 120, "(?:recorded|listed|documented|noted|coded) as an? (?:intolerance|allergy)",
           "added to (?:his |her |their )?allergy list", "(?:on|in) (?:his |her |their )?allergy list",
           "(?:as|is) an? (?:intolerance|allergy)", decisive=True),
    *_cues("allergy", BEFORE, 40,
           "allergy", "allergies", "allergic", "intolerance", "intolerant", "hypersensitivity", "anaphylaxis",
           r"\((?:rash|hives|urticaria|angioedema|anaphylaxis|swelling|itch\w*|vomiting|diarrhoea|diarrhea)\)",
           r"-\s*(?:rash|hives|urticaria|angioedema|anaphylaxis|swelling)", "caus(?:es|ed) (?:a )?(?:rash|hives|urticaria|angioedema|anaphylaxis|swelling)",
           "gives? (?:him|her|them|me) (?:a )?(?:rash|hives)", "not tolerated", ": not tolerated", r"\(not tolerated\)"),
    *_cues("negated", AFTER, 45,
           "no", "not on", "not taking", "not currently taking", "not using", "never (?:taken|took|been on|used|had)",
           "never", "denies(?: taking| using| any)?", "denied(?: taking| using| any)?", "without", "nil",
           "not been (?:on|prescribed|given|started on)", "has not (?:taken|been on|used)", "hasn't (?:taken|been on|used)",
           "not prescribed", "no (?:history|hx|h/o) of(?: taking| using)?", "-?na[iï]ve",
           "(?:has|have|had|did) not (?:started|prescribed|given|commenced|offered)(?: (?:him|her|them))?(?: an?| any| the)?",
           "(?:has|have|had|did) not (?:taken|used|had|received)(?: an?| any| the)?", "never (?:received|had)(?: an?| any)?",
           "never (?:been )?(?:prescribed|given|started on|on|used|taken|tried)(?: an?| any| the)?",
           "(?:has|have|had) not been (?:prescribed|given|started on|on)(?: an?| any| the)?", "not had (?:any )?", "doesn't take", "does not take",
           "isn't on", "is not on", "not on any(?: regular| current| other| further)?", "neither", "nor", "not previously on(?: any)?", "never started(?: the| any)?",
           "(?:has|have|did|does) not (?:required|needed|been needed|been required)(?: any)?",
           "(?:has|have) never been (?:tried|taken|used|given|needed|prescribed)", "free (?:of|from)", "in the absence of",
           "refrain(?:s|ed|ing)? from(?: (?:the )?use of)?", "abstain(?:s|ed|ing)? from", "rather than", "instead of",
           "(?:did|does|do) not (?:wish|want) to (?:try|take|start|use)", "declined(?: a trial of| to take| to start)?",
           "never (?:been )?(?:treated with|received|had)",
           "no (?:prior|previous)(?: treatment with| use of| history of| trial of)?", "(?:but |and )?(?:pt |patient |she |he )?declined", "avoid(?:s|ed)?", "declined", "refused"),
    *_cues("negated", BEFORE, 30, "not (?:taken|prescribed|given|used|needed|required|indicated)", "-?na[iï]ve",
           "(?:has|have) never been (?:tried|taken|used|given|needed|prescribed)",
           "(?:was |were |is )?not (?:needed|required|indicated|started|restarted)", "never (?:tried|taken|used|started|had)",
           "avoided", "(?:was |were )?avoided", "(?:has|have|had) not been (?:needed|required|given|used)",
           "(?:was |were )?considered but not (?:started|prescribed|given)",
           "(?:but |and )?(?:pt |patient |she |he )?declined", "(?:was |were )?declined", "refused"),
    *_cues("stopped", AFTER, 50,
           "stop", "stopped", "stopping", "discontinue", "discontinued", "discontinuing", "d/c(?:'?d)?", "dc(?:'?d)",
           "cease", "ceased", "hold", "held", "holding", "withhold", "withheld", "withholding", "suspend(?:ed)?",
           "came off", "come off", "taken off", "take off", "off",
           "no longer (?:on|taking|takes|using|uses|needs|requires|prescribed)(?: (?:his|her|their|the|any))?", "no longer",
           "switch(?:ed)?(?: (?:him|her|them|you|the patient|pt))? from", "chang(?:e|ed) from", "ran out of", "swap(?:ped)? from", "convert(?:ed)? from", "wean(?:ed)? off",
           "tapered off", "stopped taking", "omit(?:ted)?", "removed"),
    *_cues("stopped", AFTER, 12, "switch(?:ed)?", "swap(?:ped)?", "convert(?:ed)?"),
    *_cues("stopped", BEFORE, 40, "no longer (?:using|taking|needed|required) (?:it|them)", r"\(stopped\b",
           "(?:pt |patient )?no longer (?:using|taking|takes|on)", "stop(?:ped)?"),
    *_cues("stopped", AFTER, 50, "stopped (?:using|taking)", "in place of"),
    *_cues("stopped", BEFORE, 40,
           "stopped", "discontinued", "d/c(?:'?d)?", "dc'?d", "ceased", "held", "withheld", "on hold", "suspended",
           "was stopped", "were stopped", "has been stopped", "have been stopped", "- stop", "stop", "omitted",
           "no longer (?:taken|needed|required)", "switched to", "changed to", "swapped (?:to|for)", "converted to",
           "replaced (?:by|with)", "(?:→|->)(?!\\s*\\d)",
           "(?:which|that) (?:was|were|has been|have been|is) (?:stopped|discontinued|held|ceased|switched|changed|replaced|withdrawn|weaned)",
           "withdrawn", "weaned(?: and stopped| off)?", "tapered(?: and stopped| off)?", "not (?:continued|restarted)(?: at discharge| on discharge)?",
           r"\((?:held|stopped|discontinued|suspended|withheld)\)", "- (?:held|stopped|discontinued|ceased|d/c)"),
    *_cues("started", AFTER, 50,
           "start", "started", "starting", "commence", "commenced", "commencing", "initiate", "initiated", "begin",
           "began", "begun", "new", "newly", "prescribed", "prescribe", "add", "added", "adding", "give", "given",
           "increase(?:d)?(?: the)?(?: dose of)?", "decrease(?:d)?(?: the)?(?: dose of)?", "reduce(?:d)?(?: the)?(?: dose of)?",
           "titrat(?:e|ed|ing)(?: up| down)?", "up-?titrat(?:e|ed)", "double(?:d)?", "halve(?:d)?", "switch(?:ed)? to",
           "(?<!no\\s)chang(?:e|ed) to", "swap(?:ped)? to", "convert(?:ed)? to", "restart(?:ed)?", "resume(?:d)?", "re-?started",
           "put (?:him|her|them|you) on", "placed on", "trial of", "course of", "rx", "issued", "dispensed",
           "loaded with", "discharged with",
           "(?:start|started|commence|commenced|initiate|initiated|put|placed|restart|restarted) (?:him|her|them|you|the patient|pt) on",
           r"(?:switch|swap|chang|convert|mov)\w*(?: (?:him|her|them|you|the patient|pt))? from\s.{1,50}?\s(?:to|for|with|onto)",
           "switch(?:ed)? (?:him|her|them|you|the patient|pt) to", "swapped for", "replaced (?:with|by)", "→", "->",
           r"(?:switch|swap|chang|convert)\w*\s(?!from\b)\S.{0,40}?\s(?:to|for|with)",
           "(?:newly )?(?:commenced|started|restarted|initiated|begun|began|put|placed|switched|converted) on"),
    *_cues("started", BEFORE, 40,
           "started", "commenced", "initiated", "begun", "added", "new", "increased", "decreased", "reduced",
           "titrated", "restarted", "resumed", "↑", "↓", "up to", "down to", "increased to", "reduced to",
           "decreased to", "prescribed", "issued", "supplied", "- new", "- started", "- increased",
           "- reduced", "given", "(?:given|started|prescribed|issued|commenced|restarted) today", r"\d+/7",
           "up-?titrated", "titrated up", "doubled", "halved", "dose (?:doubled|increased|reduced|halved|decreased)",
           r"x\s*\d+/(?:7|52)", r"\d+/52", "rx(?:'?d)? today", "(?:i have |i've )?prescribed today",
           r"\d+(?:\.\d+)?\s*(?:mg|mcg|micrograms|g|units?|ml)?\s*(?:->|→)\s*\d[\w.]*", "stat", r"\((?:new|started)\)"),
    *_cues("planned", AFTER, 70,
           "plan(?:s|ned)? to(?: start| begin| commence| add| try| use)?", "will (?:start|begin|commence|add|try|consider|prescribe|switch to|change to|need)",
           "consider(?:ing)?(?: starting| adding| a trial of| switching to)?", "to consider", "may (?:need|require|benefit from|start|try)",
           "might (?:need|benefit from|try)", "could (?:try|start|consider|add)", "should (?:start|consider|have|try)",
           "would (?:benefit from|consider|start|like to start)", "to start", "to begin", "to commence", "to try",
           "awaiting", "pending", "due to start", "if needed", "to (?:initiate|start|begin|commence|add|introduce|prescribe)", "refer(?:ral|red)? (?:for|to consider)",
           "discuss(?:ed)? (?:starting|adding|a trial of|switching to)", "option of", "options? (?:include|are)",
           "recommend(?:ed)?(?: starting)?", "suggest(?:ed)?(?: starting)?", "candidate for", "eligible for",
           "in (?:the )?future", "next (?:week|month|visit)", "after (?:the )?(?:surgery|procedure|operation)"),
    *_cues("planned", AFTER, 40, "keen (?:on|to (?:start|try))"),
    *_cues("planned", BEFORE, 40, "discussed(?: as (?:an? )?(?:possible )?(?:next step|option))?", "to (?:begin|start|commence|follow)", "will (?:begin|start|commence|be started)",
           "(?:would|could) be (?:the next|an?) (?:option|step)", "after (?:\\w+ )?(?:weeks?|days?|months?)", "to be started", "to start", "to be considered", "planned", "if needed", "if required",
           "if no improvement", "if symptoms persist", "next week", "after (?:the )?(?:surgery|procedure|operation)",
           "to be added", "to follow", "at next review", "to be (?:arranged|started|considered|added|discussed|commenced)",
           "(?:may|might|could|can|will) be (?:added|started|considered|tried|introduced|offered)",
           "would be (?:sensible|reasonable|considered|an option|appropriate|worth)"),
    *_cues("historical", AFTER, 60,
           "previously (?:on|took|taking|used|tried|had)?", "previous(?:ly)?", "prior", "in the past", "history of",
           "hx of", "h/o", "was on", "were on", "had been on", "has been on .{0,10}before", "used to (?:take|be on)",
           "tried", "trialled", "trialed", "failed", "had a course of", "completed (?:a course of)?",
           "formerly", "as a child", "years ago", "past", "childhood", "old", "former",
           "tried (?:him|her|them) on", "took a course of", "had a course of", "treated with", "prev(?:iously)?(?: on)?",
           "had", "took"),
    *_cues("historical", BEFORE, 50,
           "in the past", "previously", "years ago", r"\d+ (?:years|yrs|months) ago", "as a child", r"in (?:19|20)\d\d",
           r"until (?:19|20)\d\d", r"as an? (?:teenager|child|student|young \w+|adolescent)",
           r"between (?:19|20)\d\d and (?:19|20)\d\d", r"from (?:19|20)\d\d (?:to|until) (?:19|20)\d\d",
           "none of which (?:helped|worked)", r"tried(?: in)? (?:19|20)\d\d", "tried", "trialled", "in past",
           r"(?:\w+ ){0,2}(?:years?|yrs?|decades?) ago", "last (?:year|yr)", "none (?:since|in (?:the )?last)", "no help", "no benefit",
           "completed", "in (?:his|her|their) (?:teens|twenties|thirties|forties|fifties|youth)", "took for", r"(?:19|20)\d\d[-–](?:19|20)\d\d", "last year", "in childhood", "before", "- previously",
           "- past", "(?:in|during) (?:her|his|their) (?:twenties|thirties|teens|pregnancy)", "- failed", "failed",
           "without (?:benefit|effect|success|improvement)", "with no (?:benefit|effect)"),
    *_cues("taking", AFTER, 45,
           "continue", "continued", "continues", "continuing", "cont(?:\\.|'d)?", "remain(?:s|ed)? on", "stays? on",
           "on", "takes", "taking", "takes? (?:his|her|their)", "uses", "using", "currently",
           "maintained on", "well controlled on", "stable on", "compliant with", "adherent to", "tolerating",
           "no change to", "no changes to", "unchanged", "usual", "existing", "(?:his|her|their) usual", "keep taking", "(?:gives|giving|gave|administers|administering) (?:him|her|them)?", "despite", "in addition to", "alongside", "to (?:his|her|their) (?:existing |current |usual |regular )?",
           "(?:has|have) (?:taken|been taking|been on|used)",
           "carry on(?: with)?"),
    *_cues("taking", BEFORE, 30, "ever since", "since then", "continued", "continues", "continuing", "remains",
           "repeat (?:issued|prescription|requested|rx)", "unchanged", "- continue", "continue", "as before", "ongoing", "regularly",
           "daily as usual", "no change"),
    # someone else as the one who takes it: "mother takes", "two siblings both on", "his wife's"
    *_cues("family", AFTER, 80,
           f"(?:{_RELATIVE})(?:(?!\\b(?:he|she|pt|patient|they|i|we)\\b)[^.;]){{0,50}}?\\b(?:{_TAKES})",
           f"(?:{_RELATIVE})'s", "family history of", "fh of", "fhx of", "maternal (?:medications?|medicines|drugs)"),
)  # fmt: skip

#: Phrases that contain a negation cue but negate nothing: masked before negation cues are looked for.
PSEUDO_NEGATIONS: tuple[str, ...] = (
    "no change(?:s)? (?:to|in)", "not only", "no improvement", "no benefit", "no effect", "no relief", "no response",
    "no side[- ]effects", "no problems? with", "no issues? with", "no known (?:drug )?allergies", "nkda", "nka",
    "no allergies", "no adverse", "not sure", "no new", "no further", "no more", "no help",
    "no missed doses", "without (?:benefit|effect|success|improvement|side[- ]effects|problems)", "none since",
)  # fmt: skip

#: Phrases that contain another cue word but are no cue: masked before any cue is looked for.
PSEUDO_CUES: tuple[str, ...] = (
    "on examination", "keen on", "as a child", "grateful if", "if you (?:could|would|can)", "happy to",
    "on exam", "on admission", "on discharge", "on arrival", "on review", "on the ward", "on call", "stop smoking",
    "on and off", "off work", "history of present", "start(?:ed)? to feel", "given advice", "given a leaflet",
    "given information", "given (?:the|his|her|their|its)", "given (?:on time|as usual|as normal|throughout|regularly)", "add(?:ed)? to (?:the )?(?:list|record)", "old age", "years old", "year old", "past medical",
    "past history", "prior to admission", "prior to arrival", "new symptoms?", "new onset", "dose of", "course of action",
)  # fmt: skip

#: Words that date what a clause says to the past: with one in a Drug's clause, a start, stop or
#: use it reports is history ("stopped the pill 2017", "given it in her twenties").
HISTORY_MARKERS: tuple[str, ...] = (
    r"(?<![\d/.-])(?:19|20)\d\d(?![\d/])", r"(?:19|20)\d0s", "in the past", "previously", "as a child", "aged \\d+", "back in",
    "as an? (?:teenager|student|adolescent|young \\w+)", "years ago", "in (?:his|her|their) (?:teens|twenties|thirties|forties|youth|\\d0s)",
    "childhood", "decades? ago", "(?:from )?age \\d+",
)  # fmt: skip

#: Words that end a cue's reach, besides sentence ends, semicolons and line ends.
BREAKS: tuple[str, ...] = (
    "but(?! (?:pt |patient |she |he )?declined)", "however", "although", "though", "whereas", "while", "except", "apart from", "other than", "so",
    "therefore", "hence", "instead", r"\)\s*,", "(?:pt|patient)(?= (?:on|is|was|has|had|takes|took|uses))", "which(?! (?:was|were|has been|have been|is) )", "because", "as she",
    "as he", "as they", ", and (?:his|her|their|he|she|they)", "given (?:the|his|her|their)", ", (?:he|she|they|pt|patient)",
    "(?:pt|patient|he|she|they)(?= (?:has|had|is|was|takes|took|reports|denies))",
)  # fmt: skip

#: How far above a Drug (characters) its section's header is looked for.
SECTION_REACH = 3000
#: Header lines and the status they give to the Drugs below them (None: a list of current medicines).
SECTIONS: tuple[tuple[str, str | None], ...] = (
    (r"(?:drug |medication |known )?(?:allerg(?:y|ies)|intolerances?|adverse (?:drug )?reactions?|sensitivities)(?:\s*(?:/|and|&)\s*\w+(?: \w+)?)*", "allergy"),
    (r"family (?:history|hx)|fh|fhx", "family"),
    (r"(?:past|previous|prior|old|former|historical) (?:medications?|medicines?|meds|drugs|treatments?|therapies)|pmh|past medical history", "historical"),
    (r"maternal (?:medications?|medicines?|drugs)", "family"),
    (r"(?:stopped|discontinued|ceased|held|withheld) (?:medications?|medicines?|meds|drugs)|(?:medications?|medicines?|meds|drugs) (?:stopped|discontinued|held|withheld)", "stopped"),
    (r"(?:new|started) (?:medications?|medicines?|meds)|(?:medications?|medicines?) started", "started"),
    (r"changes to (?:medications?|meds)|medications? changes|drug history|medication history|dh|pmh/dh", None),
    (r"(?:current |regular |repeat |home |discharge |admission )?(?:medications?|medicines?|meds|drugs|rx)(?: on (?:admission|discharge))?", None),
)  # fmt: skip


def _compile(pattern: str) -> re.Pattern[str]:
    body = pattern.replace(" ", r"\s+")
    opens_word = (
        pattern[:1].isalnum() or (pattern[:1] == "(" and not pattern.startswith("(?<")) or pattern[:2] in (r"\d", r"\w")
    )
    start = r"(?<![\w/])" if opens_word else ""
    end = r"(?![\w/])" if pattern[-1:].isalnum() or pattern[-1:] in ")?" else ""
    return re.compile(start + "(?:" + body + ")" + end, re.IGNORECASE)


_CUE_PATTERNS = [(cue, _compile(cue.pattern)) for cue in CUES]
_PSEUDO = re.compile("|".join(_compile(p).pattern for p in PSEUDO_CUES), re.IGNORECASE)
_PSEUDO_NEGATION = re.compile("|".join(_compile(p).pattern for p in PSEUDO_NEGATIONS), re.IGNORECASE)
_BREAK = re.compile("|".join([r"[;!?]", r"\.(?=\s|$)", r"\n", *(_compile(b).pattern for b in BREAKS)]), re.IGNORECASE)
_HISTORY = re.compile("|".join(_compile(p).pattern for p in HISTORY_MARKERS), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[;!?\n]|\.(?=\s|$)")
_HEADER = re.compile(
    r"^[ \t]*[-*•#]*[ \t]*(" + "|".join(f"(?:{p})" for p, _ in SECTIONS) + r")[ \t]*(?::|-|\n|$)",
    re.IGNORECASE | re.MULTILINE,
)
_SECTION_PATTERNS = [(re.compile(f"^(?:{p})$", re.IGNORECASE), status) for p, status in SECTIONS]
FAMILY = "family"
#: Words that make what follows them in a sentence a plan or a condition, not a fact.
_CONDITIONAL_BEFORE = _compile(
    r"if|unless|provided|in case|should (?:the|his|her|it|symptoms|this|that|he|she)|consider(?:ing)?|plan(?:s|ned)? to|"
    r"will|would|may|might|could|can|please|to be|future|next (?:week|wk|month|visit)|awaiting|pending|once(?! (?:daily|a day|a week|weekly|monthly|nightly|only|every|per))"
)
#: The same, after the Drug: "start atorvastatin if still raised".
_CONDITIONAL_AFTER = _compile(
    r"if|when|unless|provided|in case|once(?! (?:daily|a day|a week|weekly|monthly|nightly|only|every|per))"
    r"(?![^.;,]{0,40}\b(?:was|were|returned|improved|resolved|normalised|recovered)\b)|would be (?:sensible|reasonable|considered|an option|appropriate|worth \w+)|"
    r"after (?:the )?(?:[\w&]+ )?(?:results?|bloods?|review|surgery|procedure|u&e|u&es|scan)|next (?:week|wk|month)|"
    r"in \d+ (?:days?|weeks?|wks?|months?)"
)


@dataclass(frozen=True)
class Status:
    """A Drug's status and the words that decided it (a cue or a section header; empty: default)."""

    status: str
    cue: str = ""


def _section_of(text: str, position: int) -> tuple[str | None, str] | None:
    """The status given by the header line above ``position`` in the same block (no blank line
    between), if any, with the header's words."""
    block_start = max(text.rfind("\n\n", 0, position), text.rfind("\r\n\r\n", 0, position))
    block_start = max(0, block_start, position - SECTION_REACH)
    found = None
    for match in _HEADER.finditer(text, block_start, position + 1):
        if match.start(1) > position:
            break
        line_end = text.find("\n", match.end())
        same_line = line_end < 0 or position < line_end
        inline = line_end < 0 or bool(text[match.end() : line_end].strip())
        if inline and not same_line:
            continue  # "Allergies: penicillin" on one line: the next line is no longer under it
        if same_line and re.search(r"[.;](?:\s|$)", text[match.end() : position]):
            continue  # "Allergies: penicillin. Rx clarithromycin": the header's sentence has ended
        name = " ".join(match.group(1).lower().split())
        for pattern, status in _SECTION_PATTERNS:
            if pattern.match(name):
                found = (status, match.group(1))
                break
    return found


def _sentence(text: str, span: Span) -> tuple[int, int]:
    """The sentence holding ``span``: from the last sentence end before it to the next after it."""
    start = 0
    for match in _SENTENCE_END.finditer(text, max(0, span.start - 400), span.start):
        start = match.end()
    after = _SENTENCE_END.search(text, span.end)
    return max(start, span.start - 400), (after.start() if after else len(text))


def _clause(text: str, span: Span) -> tuple[int, int]:
    """The characters around ``span`` up to the nearest clause breaks on each side."""
    start = 0
    for match in _BREAK.finditer(text, max(0, span.start - 300), span.start):
        if match.end() <= span.start:
            start = match.end()
    after = _BREAK.search(text, span.end, min(len(text), span.end + 300))
    end = after.start() if after else min(len(text), span.end + 300)
    return max(start, span.start - 300), end


def _masked(text: str) -> tuple[str, str]:
    """The text with pseudo-cues blanked out (same length, so offsets hold): for every cue, and
    with pseudo-negations blanked too, for the negation cues."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    general = _PSEUDO.sub(blank, text)
    return general, _PSEUDO_NEGATION.sub(blank, general)


#: Words that do not part a cue from its Drug: "stopped his regular aspirin" is as near as "stopped aspirin".
_FILLERS = re.compile(
    r"\b(?:the|a|an|any|his|her|their|its|my|your|both|all|regular|current|usual|oral|topical|inhaled|iv|low-dose|"
    r"high-dose|dose of|course of|prescribed)\b|[\s,:;()\-–]+",
    re.IGNORECASE,
)
#: What a cue after the Drug counts extra for each other Drug it reaches past ("Mirtazapine continues
#: and the pregabalin was stopped": "was stopped" is the pregabalin's).
PASSED_DRUG = 50
#: What may stand between a Drug and a cue right after it that is that Drug's own ("aspirin was stopped").
_OWN_CUE = re.compile(r"[\s:(\-–]*(?:(?:was|were|is|are|has been|have been|had been)\s+)?", re.IGNORECASE)
#: Cues that are never an earlier Drug's own: orders ("stop X") and changes from one Drug to the next.
_ORDER_OR_CHANGE = re.compile(
    r"(?:start|stop|continue|cont|add|give|increase|reduce|decrease|hold|switch|change|swap|convert)\b|.*(?:\bto|\bfor|\bwith|\bonto|\bby|→|->)$",
    re.IGNORECASE,
)


def _distance(text: str, low: int, high: int) -> int:
    """Characters between a cue and its Drug, not counting filler words, spaces and punctuation."""
    return len(_FILLERS.sub("", text[low:high])) if high > low else 0


def _owned_by_earlier_drug(text: str, match: re.Match[str], drugs: Sequence[Span]) -> bool:
    """Whether a cue read as "before the next Drug" stands right after another Drug and so is that
    Drug's ("Clenil stopped, Fostair started": "stopped" is Clenil's, not Fostair's)."""
    if _ORDER_OR_CHANGE.match(match.group(0)):
        return False
    return any(drug.end <= match.start() and _OWN_CUE.fullmatch(text, drug.end, match.start()) for drug in drugs)


def _found_cues(
    text: str, masked: tuple[str, str], span: Span, drugs: Sequence[Span]
) -> list[tuple[int, int, Cue, str, int]]:
    """Every cue that reaches ``span``: (distance, priority, cue, its words, where it is), nearest first."""
    clause, sentence = _clause(text, span), _sentence(text, span)
    found = []
    for cue, pattern in _CUE_PATTERNS:
        source = masked[1] if cue.status == "negated" else masked[0]
        low, high = sentence if cue.decisive else clause
        if cue.side in (AFTER, EITHER):
            for match in pattern.finditer(source, low, span.start):
                if span.start - match.end() > cue.reach or _inside_drug(match, drugs):
                    continue
                if cue.side == AFTER and _owned_by_earlier_drug(text, match, drugs):
                    continue
                distance = _distance(text, match.end(), span.start)
                found.append((distance, PRIORITY.index(cue.status), cue, match.group(0), match.start()))
        if cue.side in (BEFORE, EITHER):
            for match in pattern.finditer(source, span.end, high):
                if match.start() - span.end > cue.reach or _inside_drug(match, drugs):
                    continue
                passed = any(span.end <= d.start and d.end <= match.start() and d.label == "Drug" for d in drugs)
                if match.group(0).startswith("(") and not passed:
                    distance = 0  # a tag of its own: "Lipitor 40mg daily (new)"
                else:
                    distance = _distance(text, span.end, match.start()) + (PASSED_DRUG if passed else 0)
                found.append((distance, PRIORITY.index(cue.status), cue, match.group(0), match.start()))
    return sorted(found, key=lambda item: (item[0], item[1]))


def _inside_drug(match: re.Match[str], drugs: Sequence[Span]) -> bool:
    return any(d.start <= match.start() and match.end() <= d.end for d in drugs)


def _conditional(text: str, masked: str, span: Span, drugs: Sequence[Span] = ()) -> str:
    """The words that make ``span``'s sentence a plan or a condition for it, or "" (after the
    Drug, only up to the next Drug: "X started, and Y may be needed if ..." leaves X started)."""
    low, high = _sentence(text, span)
    next_drug = min((d.start for d in drugs if d.label == "Drug" and d.start >= span.end), default=len(text))
    before = list(_CONDITIONAL_BEFORE.finditer(masked, low, span.start))
    if before:
        return before[-1].group(0)
    after = _CONDITIONAL_AFTER.search(masked, span.end, min(high, next_drug))
    return after.group(0) if after else ""


_PHRASE_BREAK = re.compile(
    r",|\s[-–]\s|\(|\)|\b(?:and|but)\s+(?:has|have|is|was|now|currently)\b|\bnow\b", re.IGNORECASE
)


def _dated(text: str, span: Span, status: str, cue_at: int | None = None) -> str:
    """The history marker in ``span``'s phrase (its sentence cut at commas, dashes, brackets and
    "now") that makes its start, stop or use history, or "" ("on ramipril since 2010" stays current)."""
    low, high = _sentence(text, span)
    first, last = min(span.start, cue_at if cue_at is not None else span.start), max(span.end, cue_at or 0)
    for match in _PHRASE_BREAK.finditer(text, low, first):
        low = match.end()
    after = _PHRASE_BREAK.search(text, last, high)
    high = after.start() if after else high
    for match in _HISTORY.finditer(text, low, high):
        if status == "taking" and re.search(r"since\s+$", text[max(low, match.start() - 8) : match.start()]):
            continue
        return match.group(0)
    return ""


def status_of(text: str, drug: Span, drugs: Sequence[Span] = (), *, masked: tuple[str, str] | None = None) -> Status:
    """The status of ``drug`` in ``text`` (``drugs``: the note's Drugs, or all its entities, so that
    no cue is read inside one); see the module's docstring."""
    masked = _masked(text) if masked is None else masked
    found = _found_cues(text, masked, drug, drugs or (drug,))
    section = _section_of(text, drug.start)
    for wanted in (lambda c: c.status == FAMILY, lambda c: c.decisive):
        chosen = [item for item in found if wanted(item[2])]
        if chosen:
            return Status(chosen[0][2].status, chosen[0][3])
    if section is not None and section[0] in ("allergy", FAMILY):
        return Status(section[0], section[1])
    nearest = found[0][2].status if found else "taking"
    if nearest in ("started", "stopped", "taking"):
        dated = _dated(text, drug, nearest, found[0][4] if found else None)
        if dated:
            return Status("historical", dated)
    if found and found[0][2].status != "started":
        return Status(found[0][2].status, found[0][3])
    condition = _conditional(text, masked[0], drug, drugs)
    if condition:
        return Status("planned", condition)
    if found:
        return Status(found[0][2].status, found[0][3])
    if section is not None and section[0] is not None:
        return Status(section[0], section[1])
    return Status("taking", section[1] if section else "")


def statuses(text: str, drugs: Sequence[Span], spans: Sequence[Span] = ()) -> list[Status]:
    """The status of each of ``drugs`` (in their order); ``spans``: every entity of the note, so
    that no cue is read inside one ("atorvastatin 20 mg on": "on" is a Frequency, not a cue)."""
    masked = _masked(text)
    within = list(spans) or list(drugs)
    return [status_of(text, drug, within, masked=masked) for drug in drugs]
