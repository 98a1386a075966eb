# ruff: noqa: E501  (the cue tables are data: one pattern list a status, long regular expressions kept whole)
"""The rules of :mod:`engine.notes.status`, as data: the statuses, the cue table, the look-alikes
that are no cue, the words that date a clause, the clause breaks and the section headers.

A pattern is a regular expression matched case-insensitively, whole words at its ends, with
``\\s+`` wherever it has a space. Add a phrasing here, with a sentence for it in one of the crafted
sets of ``tests/engine/notes/status/``, rather than an ``if`` in the code.
"""

from __future__ import annotations

from dataclasses import dataclass

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
           "(?:remains?|remained|still|kept) (?:on hold|held|withheld|suspended|stopped|off)", "withdrawn", "weaned(?: and stopped| off)?", "tapered(?: and stopped| off)?", "not (?:continued|restarted)(?: at discharge| on discharge)?",
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

#: Words that make what follows them in a sentence a plan or a condition, not a fact.
CONDITIONAL_BEFORE = (
    r"if|unless|provided|in case|should (?:the|his|her|it|symptoms|this|that|he|she)|consider(?:ing)?|plan(?:s|ned)? to|"
    r"will|would|may|might|could|can|please|to be|future|next (?:week|wk|month|visit)|awaiting|pending|once(?! (?:daily|a day|a week|weekly|monthly|nightly|only|every|per))"
)
#: The same, after the Drug: "start atorvastatin if still raised".
CONDITIONAL_AFTER = (
    r"if|when|unless|provided|in case|once(?! (?:daily|a day|a week|weekly|monthly|nightly|only|every|per))"
    r"(?![^.;,]{0,40}\b(?:was|were|returned|improved|resolved|normalised|recovered)\b)|would be (?:sensible|reasonable|considered|an option|appropriate|worth \w+)|"
    r"after (?:the )?(?:[\w&]+ )?(?:results?|bloods?|review|surgery|procedure|u&e|u&es|scan)|next (?:week|wk|month)|"
    r"in \d+ (?:days?|weeks?|wks?|months?)"
)
