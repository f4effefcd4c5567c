"""Flags for helper replies that motivational interviewing (MI) counts as non-adherent: a transparent rule layer.

The reply coder (:mod:`helpcourse.coder`) says whether a reply reads as a reflection, a question, input or other.
It does not say whether the reply goes against the spirit of MI: AnnoMI's therapists seldom confront, so the coder
reads "You need to face the fact that you're an alcoholic" as *input*. This module adds a small set of rules, each
a list of phrases a counselling teacher can read, that flag four kinds of MI-non-adherent reply named in the MI
coding manuals (MISC 2.5: confront, warn, advise without permission, direct; MITI 4.2.1: confront, persuade):

* **confronting**: labelling the client ("you're an alcoholic", "you're in denial"), "face the fact", "admit it",
  "the truth is", telling them they have to stop, arguing ("that's just an excuse", "don't you see...");
* **warning**: a threat of what will happen ("if you don't stop, you'll lose...", "you're going to die");
* **persuading**: arguing for change on the client's behalf ("you should really", "don't you think you ought
  to", "the right thing is");
* **advice without permission**: advice or direction ("try...", "you should...", "I'd recommend...", a reply
  that opens with an instruction) when the helper's previous turn did not ask permission ("Would it be OK if I
  shared...?", "Can I suggest something?"), the client did not ask for it, and the reply itself does not leave
  the choice with the client ("it's up to you").

Asking permission, or leaving the choice with the client, also lifts the *persuading* flag (MITI 4.2.1 counts
"persuade with permission" as adherent); it never lifts *confronting* or *warning*. Words of the reply itself lift
only within their sentence, and not across a "but" that follows them ("It's your choice, but you really should
stop" is still persuading). Words the reply attributes to the client or to someone else ("It sounds like you
feel you need to stop", "Your wife says you're an alcoholic") are reflections, not confrontations, and are not
flagged.

Use :func:`flag_reply` for one reply, or read the flag from :meth:`helpcourse.coder.ReplyCoder.code`. Every rule
is in :data:`RULES` with a name and a one-line explanation; ``docs/CODER.md`` lists them with their measured
precision and recall (:func:`evaluate_flag`, :func:`score_examples`).

Risk and safety come first: a direct question about safety or risk is never flagged, and when the client or the
reply speaks of suicide (passive wishes not to go on too), self-harm, harm to someone, danger to a child,
drink-driving or an emergency, only the confronting rules (but not "you must stop") apply, so a crisis instruction
is not flagged either. A *warning* flag adds :data:`SAFETY_NOTE`, an *advice without permission* flag
:data:`SAFETY_INSTRUCTION_NOTE`.

What the rules cannot do: they read English words, not meaning. A subtle confrontation in polite words, sarcasm or
a tone of voice is missed; a legitimate direct instruction (a medication schedule the client asked about in an
earlier turn the rules do not see) can be flagged. The flag is feedback for practice, never a grade; its measured
accuracy is :func:`flag_accuracy_statement`.

References
----------
Houck, J. M., Moyers, T. B., Miller, W. R., Glynn, L. H., & Hallgren, K. A. (2010). *Motivational Interviewing
Skill Code (MISC) 2.5*. University of New Mexico, CASAA.
Moyers, T. B., Manuel, J. K., & Ernst, D. (2014). *Motivational Interviewing Treatment Integrity Coding Manual
4.2.1*. University of New Mexico, CASAA.
Miller, W. R., & Rollnick, S. (2013). *Motivational interviewing: Helping people change* (3rd ed.). Guilford.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from helpcourse import data
from helpcourse.derived import kept_on_disk

__all__ = [
    "KINDS",
    "KIND_EXPLANATIONS",
    "KIND_NAMES",
    "MEASURED_FLAG",
    "SAFETY_INSTRUCTION_NOTE",
    "SAFETY_NOTE",
    "AdherenceRule",
    "FlagAccuracy",
    "FlagEvaluation",
    "NonAdherence",
    "RULES",
    "adherence_table",
    "asked_permission",
    "client_asked_for_advice",
    "evaluate_flag",
    "flag_accuracy_statement",
    "flag_reply",
    "leaves_choice_to_client",
    "score_examples",
]

KINDS: tuple[str, ...] = ("confronting", "warning", "persuading", "advice_without_permission")
"""The four kinds of MI-non-adherent reply, in the order the rules are tried (the first kind that matches wins)."""

KIND_NAMES: dict[str, str] = {
    "confronting": "confronting",
    "warning": "a warning",
    "persuading": "persuading",
    "advice_without_permission": "advice without permission",
}
"""How each kind is named to students ("This reply may read as ...")."""

KIND_EXPLANATIONS: dict[str, str] = {
    "confronting": "In MI, a label or an argument is thought to make a client defend not changing; you could say "
    "back what you heard instead.",
    "warning": "In MI, a warning about what will happen is thought to invite resistance; you could ask what the "
    "client themselves worries might happen.",
    "persuading": "In MI, arguing for change on the client's behalf is thought to draw out the other side; you could "
    "ask for their own reasons instead.",
    "advice_without_permission": "In MI, advice the client has not asked for is thought to be heard less well; you "
    "could first ask whether they would like some ideas.",
}
"""One sentence per kind, shown to students with the flag: MI's rationale (not a measured finding) and what to try
instead."""

SAFETY_NOTE = (
    "A direct question about safety or risk is different: ask it, follow your agency's risk and safeguarding "
    "procedures, and take it to supervision."
)
SAFETY_INSTRUCTION_NOTE = (
    "A direct instruction to keep someone safe is different: give it, follow your agency's risk and safeguarding "
    "procedures, and take it to supervision."
)
"""Added to the explanation of every *warning* flag (:attr:`NonAdherence.explanation`), so that the flag never
steers a student away from asking about risk."""


@dataclass(frozen=True)
class AdherenceRule:
    """One rule of the flag: a named pattern of words and what it detects.

    Attributes
    ----------
    name : str
        Short name (shown with a flag and in ``docs/CODER.md``).
    kind : str
        One of :data:`KINDS`.
    pattern : re.Pattern
        The words it looks for, in a lower-cased sentence of the reply (straight apostrophes).
    explanation : str
        One line for a teacher: what it detects.
    in_questions : bool
        Whether the rule also applies to a sentence that ends with a question mark.
    lifted_by_permission : bool
        Whether asking permission (or leaving the choice to the client) lifts it (advice and persuading only).
    """

    name: str
    kind: str
    pattern: re.Pattern[str]
    explanation: str
    in_questions: bool = False
    lifted_by_permission: bool = False


@dataclass(frozen=True)
class NonAdherence:
    """A reply flagged as MI-non-adherent.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    rule : str
        The name of the rule that matched (:data:`RULES`).
    matched : str
        The words of the reply that matched, as the student wrote them.
    explanation : str
        One sentence for the student (:data:`KIND_EXPLANATIONS`): MI's rationale and what to try instead; for a
        *warning*, followed by :data:`SAFETY_NOTE`.
    """

    kind: str
    rule: str
    matched: str
    explanation: str

    @property
    def name(self) -> str:
        """The kind as named to students (:data:`KIND_NAMES`)."""
        return KIND_NAMES[self.kind]

    def sentence(self) -> str:
        """The flag in one short sentence for feedback: what it reads as, the words, and what to try."""
        return f'It may read as {self.name} ("{self.matched}"). {self.explanation}'


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_YOU_ARE = r"you(?:'re| are| r)"
_GOING_TO = r"(?:going to|gonna|goin' to)"
_MUST = r"(?:need to|needs to|have to|has to|must|'ve got to|have got to|got to|gotta)"
_ADVICE_MUST = r"(?:need to|needs to|must|'ve got to|have got to|got to|gotta)"
_STOP = (
    r"(?:stop|quit|give (?:it |this |that )?up|cut (?:it |this |that )?(?:out|down|back)|get sober|"
    r"sober up)"
)
# Verbs of advice and direction (what a helper tells a client to do).
_DO = (
    r"(?:try|stop|quit|cut|give up|go|take|start|avoid|get|make|call|join|drink|eat|exercise|keep|use|put|throw|find|"
    r"give|set|limit|reduce|switch|replace|pour|buy|walk|ask|write|spend|change|drop|leave|move|sleep|skip|count|"
    r"remove|chew|distract|focus|consider|plan|pick|see a|see your|talk to|speak to|tell (?:her|him|them|your)|"
    r"do (?:it|this|that)|look (?:for|into|at)|sign up|work on|stay away|lose|deal with|listen|do something|follow|"
    r"book|attend|"
    r"apply|contact|visit|check|learn|practi[cs]e|cancel)"
)

# Words that leave the choice with the client (MITI 4.2.1: emphasising autonomy).
_AUTONOMY_WORDS = (
    r"\b(?:it's|it is|that's|that is|that'd be|it'd be|that would be|it would be) (?:\w+ )?(?:up to you|your "
    r"(?:choice|decision|call))\b|\bup to you\b|\byou(?:'re| are) the (?:one|only one|best judge|expert|boss)\b|"
    r"\b(?:only )?you (?:can|get to|will|would) decide\b|\byou know (?:yourself )?best\b|\bmay or may not (?:work|"
    r"apply|fit|be)\b|\bwhatever you decide\b|\bif (?:that|it|this) (?:fits|works|makes sense|sounds right) "
    r"(?:for|to) you\b|\bsee what (?:works|fits)\b|\b(?:some|other|many) people (?:find|have found|found|say|tell "
    r"me)\b|\bwhat (?:has )?worked for (?:others|other people)\b|\bit's your (?:life|choice|decision)\b|\byour own "
    r"(?:intuition|judgement|judgment|gut|decision|mind|pace|way|time|choice)\b|\bgo with your gut\b"
)

RULES: tuple[AdherenceRule, ...] = (
    # --- confronting -------------------------------------------------------------------------------------------
    AdherenceRule(
        "labelling",
        "confronting",
        _rx(
            rf"\b{_YOU_ARE} (?:just |really |clearly |obviously |basically )?(?:an? )?(?:alcoholic|addict|drunk|junkie|"
            rf"drug addict|problem drinker|in denial|lying|a liar|kidding yourself|fooling yourself|deluding yourself)"
            r"\b|\byou(?: have|'ve got| have got|'ve) (?:a |an )?(?:serious |real |big |definite )?(?:drinking|alcohol|"
            r"drug|gambling|anger|eating|weight) problem\b|\byou(?: have|'ve got| have got|'ve) a "
            r"(?:serious |real |big )?"
            r"problem with (?:alcohol|drink|drinking|drugs|gambling)\b"
        ),
        "Puts a label on the client (alcoholic, addict, in denial, liar, 'you have a drinking problem').",
        in_questions=True,
    ),
    AdherenceRule(
        "face_the_facts",
        "confronting",
        _rx(
            r"\bface (?:up to )?(?:the )?(?:facts?|truth|reality)\b|\blet's face it\b|\bface it\b|\bthe (?:truth|fact|"
            rf"reality) is\b(?!,? (?:that )?(?:{_AUTONOMY_WORDS}))|\bbe honest with yourself\b|"
            r"^(?:\w+,? )?be honest\b,|\blet's be (?:realistic|honest)\b|"
            r"\b(?:stop|quit) (?:kidding|fooling|lying to|deluding) yourself\b"
            r"|\bwho are you (?:kidding|fooling)\b|^(?:\w+,? )?wake up\b(?! (?:and|in|at|with|every|feeling)\b)"
        ),
        "Tells the client to face the facts or the truth, as the helper sees it (not 'the truth is, it's up to you').",
        in_questions=True,
    ),
    AdherenceRule(
        "admit_it",
        "confronting",
        _rx(
            rf"^(?:\w+,? )?admit (?:it|that)\b|\b(?:just |you {_MUST} |you should |why (?:can't|won't|don't) you "
            r"(?:just )?|time to |(?:won't|will not|refuse to|can't|cannot|don't want to) )admit\b"
        ),
        "Demands that the client admit something ('admit it', 'you won't admit...').",
        in_questions=True,
    ),
    AdherenceRule(
        "must_stop",
        "confronting",
        _rx(
            rf"\byou (?:really |just |simply |absolutely |definitely )?{_MUST} (?:just |really )?{_STOP}\b|"
            r"\b(?:this|that|it|they|these|the (?:drinking|smoking|drugs?|using|gambling)|your (?:drinking|smoking|"
            r"drug use|using|gambling)|something that)(?: really)? (?:needs|need|has|have) to (?:stop|change|end)\b"
        ),
        "Tells the client they have to stop ('you need to stop', 'you must quit', 'this needs to stop').",
    ),
    AdherenceRule(
        "arguing",
        "confronting",
        _rx(
            r"\b(?:that's|that is|it's|it is) (?:just |only )?(?:an excuse|not true|nonsense|ridiculous|"
            r"rubbish|crazy|not the point)\b|\byou(?:'re| are) (?:just )?making excuses\b|\b(?:sounds like|that's|"
            r"those are|these are|it's) (?:a lot of |just |all |more )?(?:an )?excuses?\b|\b(?:stop|quit) making "
            r"excuses\b|\byou(?:'re| are) wrong\b|\bthat makes no sense\b|"
            r"\bcome on\b(?! in| over| back| down| board|,? (?:that's|that is|this is|it's|it is|what) "
            r"(?:a |an |such a |really |so |very )?(?:great|good|brilliant|wonderful|fantastic|excellent|lovely|"
            r"amazing|terrific|super|fine|nice|clever))|"
            r"\b(?:don't|can't) you (?:see|realise|realize|understand)\b|\bdo you (?:not )?(?:understand|"
            r"realise|realize|appreciate|get|see) (?:just )?(?:how (?:serious|dangerous|bad|important|much|harmful|"
            r"risky)|what (?:you're|you are|this is|it's|it is|this) (?:doing|does))\b|\byes,? but\b"
        ),
        "Argues with the client ('that's just an excuse', 'come on', 'don't you see...', 'yes, but').",
        in_questions=True,
    ),
    AdherenceRule(
        "shaming",
        "confronting",
        _rx(
            rf"\bwhat kind of (?:a )?(?:mother|father|parent|mum|mom|dad|example|person)\b|\b(?:shame on you|"
            rf"you should be ashamed)\b|\bhow could you (?:do|let|say|be so|even|possibly|put|leave|treat)\b|"
            rf"\b{_YOU_ARE} (?:just |really |so |being )*(?:selfish|irresponsible|stupid|ridiculous|lazy|weak|"
            r"pathetic)\b|"
            r"\bstop being (?:so )?(?:lazy|selfish|stupid|silly|ridiculous|a baby|childish|difficult)\b|"
            rf"\byou (?:just |simply |really )?(?:{_MUST}|should) (?:just )?(?:get on with it|get over it)\b|"
            r"^(?:\w+,? )?(?:just )?get (?:on with it|over it)\b|\b(?:pull yourself together|snap out of it|man up|"
            r"get a grip)\b|\b(?:your|the) (?:kids|children|child|family|wife|husband|partner|son|daughter|baby) "
            r"deserves? (?:better|more)\b"
        ),
        "Shames, blames or dismisses the client ('what kind of mother...', 'you're being selfish', 'just get on "
        "with it').",
        in_questions=True,
    ),
    # --- warning -----------------------------------------------------------------------------------------------
    AdherenceRule(
        "if_you_dont",
        "warning",
        _rx(
            r"\bif you (?:don't|do not|won't|will not|refuse to|can't|cannot|fail to) (?:\w+ )?(?:stop|quit|cut|"
            r"change|get|take|start|listen|give|make|deal|face|sort|slow|do)\b[^.?!]*?\b(?:you(?:'ll| will| are "
            rf"{_GOING_TO}|'re {_GOING_TO}| could| may| might)|(?:it|your \w+|things|there|that|this)(?:'ll| will|'s "
            rf"{_GOING_TO}| is {_GOING_TO}| are {_GOING_TO}))\b|\bif you (?:keep|continue|carry on|go on) "
            r"(?:\w+ing|like this|this way|"
            rf"that way)\b[^.?!]*?\b(?:you(?:'ll| will| are {_GOING_TO}|'re {_GOING_TO}| could| may| might)|"
            rf"it(?:'ll| will|'s {_GOING_TO}| is {_GOING_TO}))\b"
        ),
        "Threatens a consequence: 'if you don't stop / keep drinking, you will...'.",
    ),
    AdherenceRule(
        "dire_consequence",
        "warning",
        _rx(
            rf"\b(?:{_YOU_ARE} {_GOING_TO}|you(?:'ll| will)) (?:die|lose (?:your|everything|her|him|them)|end up "
            r"(?:dead|in (?:hospital|jail|prison|a home)|alone|losing|homeless|sick)|kill yourself|ruin|destroy|wreck|"
            r"regret|be (?:dead|sorry|in (?:hospital|jail|prison|trouble)))\b|\b(?:this|that|it|drinking|smoking|"
            r"alcohol|drugs?|the drinking|the smoking|the drugs|your drinking|your smoking|your drug use|the alcohol)"
            r"(?:'s| is| are|'ll| will)? (?:going to |gonna |slowly |already |really )?(?:kill|destroy|ruin|wreck)"
            r"(?:ing)? (?:you|your (?:liver|lungs|health|life|body|heart|brain|teeth|mouth|marriage|family|career))\b|"
            r"\bbefore it's too late\b|\byou could (?:die|lose (?:your|everything))\b"
        ),
        "Predicts a dire outcome ('you're going to die / lose...', 'it's destroying your liver', 'before it's too "
        "late').",
        in_questions=True,
    ),
    AdherenceRule(
        "at_risk",
        "warning",
        _rx(
            r"\b(?:risk|danger) to your (?:life|health|baby|child|kids|family)\b|\b(?:putting|put) (?:yourself|your "
            r"(?:life|health|baby|child|kids|family|son|daughter)) (?:at risk|in danger)\b"
        ),
        "Tells the client they put themselves at risk ('a risk to your life'); never a question about safety.",
    ),
    # --- persuading --------------------------------------------------------------------------------------------
    AdherenceRule(
        "should_really",
        "persuading",
        _rx(
            rf"\byou (?:really|honestly|definitely|seriously|absolutely|truly) (?:should|ought to|{_MUST})\b|"
            r"\byou (?:should|ought to) (?:really|definitely|seriously|honestly|absolutely)\b|\bi (?:really |"
            r"strongly |would strongly |'d strongly |would really |'d really )(?:urge|recommend|advise|encourage|"
            r"suggest)\b|\bi (?:really|strongly) (?:want|need) you to\b|\bi(?:'m| am) telling you\b"
        ),
        "Presses a change with emphasis ('you should really', 'I strongly recommend', 'I'm telling you').",
        lifted_by_permission=True,
    ),
    AdherenceRule(
        "leading_question",
        "persuading",
        _rx(
            r"\b(?:don't|do not|wouldn't|won't) you (?:think|agree|feel|want|know)\b|\bwouldn't it be (?:better|easier|"
            r"smarter|wiser|good|nice|great)\b|\bisn't it (?:time|better|obvious|clear)\b|\bsurely you\b|"
            r"\bwhy (?:can't|won't|wouldn't) you (?:just )?(?:stop|quit|try|cut)\b"
        ),
        "Asks a question that argues for change ('don't you think you ought to...', 'isn't it time...').",
        in_questions=True,
        lifted_by_permission=True,
    ),
    AdherenceRule(
        "right_thing",
        "persuading",
        _rx(
            r"\bthe (?:right|only|responsible|sensible|smart|mature|healthy) (?:thing|choice|decision|option|way "
            r"forward)(?: to do)?(?: here)? (?:is|would be)\b|\byou owe it to\b|\bthink (?:of|about) (?:your|the) "
            r"(?:kids|children|child|baby|family|wife|husband|son|daughter|health)\b(?![^.?!]*\?)|"
            r"\bfor the sake of your\b|"
            r"\b(?:it's|it is) (?:just )?common sense\b|\bany (?:sensible|reasonable|responsible) (?:person|adult|"
            r"parent)\b|\b(?:studies|research|the research|the evidence|science) (?:shows?|has shown|have shown|"
            r"says|proves?)\b"
        ),
        "The helper's reasons for change ('the right thing is', 'think of your kids', unasked 'studies show').",
        in_questions=True,
        lifted_by_permission=True,
    ),
    # --- advice without permission -----------------------------------------------------------------------------
    AdherenceRule(
        "you_should",
        "advice_without_permission",
        _rx(
            r"\byou (?:should|shouldn't|should not|ought to|oughta|'d better|had better|better not)\b(?! be (?:proud|"
            rf"pleased|glad|happy))|\byou (?:really |just |simply )?{_ADVICE_MUST} (?:just |really |at least )?{_DO}\b|"
            r"\byou (?:could|might|may want to|might want to|could always|can always)(?: maybe| perhaps| also| just)? "
            r"(?:try|consider|think about)\b|\bwe(?:'ll| will| are going to|'re going to)? (?:need to|must|'ve got to) "
            r"(?:start|stop|get|make|look at|cut|work on|change)\b"
        ),
        "Tells the client what they should or need to do ('you should...', 'you need to take...', 'you could try').",
        lifted_by_permission=True,
    ),
    AdherenceRule(
        "i_recommend",
        "advice_without_permission",
        _rx(
            r"\b(?:i|we)(?:'d| would)?(?: like to| want to)? (?:strongly )?(?:suggest|recommend|advise)\b|"
            r"\bmy (?:advice|"
            r"suggestion|recommendation)\b|\bi think you (?:should|need to|ought to|have to|must)\b|\bi(?:'d| would)? "
            r"(?:want|like|need) you to\b(?! (?:tell|share|think|talk|say|describe|imagine|know|be able to tell)\b)|"
            r"\bwhat you (?:need|should|have|ought) to do\b|\bit(?:'d| would| might| may| could)(?: not)? be (?:a )?"
            r"(?:good|best|better|wise|helpful|smart|worth(?:while)?|useful|bad idea|good idea)(?: idea)?(?: for you)? "
            r"(?:to|if you)\b|\bthe best (?:thing|option|idea|way)(?: for you)?(?: to do)? (?:is|would be)\b|"
            rf"\bit(?:'s| is) (?:really |very )?(?:important|essential|vital) (?:that you|to) {_DO}\b"
        ),
        "The helper recommends ('I'd recommend', 'my advice', 'I think you should', 'it would be good to').",
        lifted_by_permission=True,
    ),
    AdherenceRule(
        "suggestion_question",
        "advice_without_permission",
        _rx(
            r"\bwhy (?:don't|do not) you\b(?! (?:start by |begin by |just )?(?:tell(?:ing)?|fill(?:ing)?|"
            r"shar(?:e|ing)|talk(?:ing)?|describ(?:e|ing)|walk(?:ing)?|giv(?:e|ing) me|let me|say(?:ing)?|"
            r"explain(?:ing)?|come in|have a seat|sit)\b)|"
            rf"\bwhy not (?:just )?(?:try|{_DO})\b|\bhow about (?:you |just )?(?:try|"
            r"trying|taking|going|getting|cutting|starting|joining|calling|switching|having|making|using|"
            r"stopping)\b|\bwhat about (?:trying|taking|going|getting|cutting|starting|joining|calling|switching)\b"
        ),
        "A suggestion dressed as a question ('why don't you...', 'how about trying...').",
        in_questions=True,
        lifted_by_permission=True,
    ),
    AdherenceRule(
        "instruction",
        "advice_without_permission",
        _rx(
            rf"(?:^(?:(?:so|well|okay|ok|then|and|but|now|maybe|perhaps|just|please|um|uh|look|honestly|first|i "
            rf"think|listen),? )*|\b(?:if|when|whenever) you [^,.?!]{{3,60}}, (?:just |then |maybe )?)"
            r"(?!look at (?:how|what|all)\b[^.?!]*\byou(?:'ve| have| did)\b|listen,)"
            rf"(?:{_DO}|don't (?:drink|smoke|use|go|buy|keep|let|drive|wait|skip|eat|give)|do not|remember to|"
            r"make sure|be sure to)\b(?! me\b| us\b| your time\b| on\b| ahead\b| going\b| in\b| with you\b|-)|"
            r"(?:^|, |\bso |\band |\bthen |\bjust |\bplease )make sure (?:that )?you\b"
        ),
        "The reply opens a sentence with an instruction ('Try taking a walk', 'Cut down to two drinks', 'Make "
        "sure...').",
        lifted_by_permission=True,
    ),
)
"""Every rule of the flag, in the order they are tried: kinds in the order of :data:`KINDS`."""

# Words that put what follows in the client's (or someone else's) mouth: a reflection or a report, not the helper's
# own confrontation or advice ("It sounds like you feel you need to stop", "Your doctor says you should quit").
_ATTRIBUTION = re.compile(
    r"\b(?:sounds? like|seems? like|it seems|seems? (?:that|as if)|i hear|i'm hearing|if i'm hearing|part of you|"
    r"from what you|the idea that|wondering (?:whether|if)|not ready to|not sure (?:if|whether|that)|"
    r"(?:hard|difficult|tough|scary|painful|easy) (?:for you )?to|"
    r"you(?:'re| are| have been|'ve been)? (?:not |don't |do not |didn't |never |already |also |really |kind of |"
    r"sort of )?(?:feel|feeling|felt|think|thinking|thought|believe|see|saw|said|saying|say|mention|mentioned|"
    r"worry|worried|worrying|wonder|wondering|afraid|scared|fear|fearing|concerned|told|telling|wish|wishing|"
    r"hope|hoping|realize|realise|realized|realised|sure|decided|deciding|hear|hearing|heard|noticed|notice|know "
    r"that|knew|want|wanted|wanting|would like|'d like|like|considering|planning|recognise|recognize|"
    r"recognised|recognized|agree|agreed|admitted|admit that|guess|suspect|sense|imagine|expect|expected|believed)|"
    r"(?:he|she|they|people|everyone|everybody|somebody|someone|others|your \w+|the \w+|my \w+)(?:'s)? "
    r"(?:\w+ )?(?:says?|said|tells?|told|thinks?|thought|calls?|called|wants?|wanted|keeps? (?:saying|telling)|"
    r"(?:are|is|were|was|have been|has been) (?:telling|saying|calling|on at) (?:you|me))|"
    r"you(?:'ve| have) been told|(?:be|being|been|was|were|get|got) told|"
    r"(?<!i'm )(?<!i am )(?<!i )(?<!i've )(?<!i have )(?<!i just )(?:saying|says|said|tells|told|telling) "
    r"(?:you |me |us )?(?:that )?)\b"
)

_PERMISSION = re.compile(
    r"\b(?:would|will|is|it's|it is)(?: it| that| this)?(?: be)? (?:ok|okay|alright|all right|fine)(?: with you)?,? "
    r"(?:if|for) (?:i|me|we)\b|\b(?:is|would) (?:that|this|it) (?:be )?(?:ok|okay|alright|all right|fine)(?: with "
    r"you)?\?|\b(?:can|could|may|might) i (?:\w+ )?(?:suggest|share|offer|tell you|give you|mention|make|add|run|"
    r"give|throw|pass|bring|show|read)\b|\b(?:do|would) you mind if (?:i|we)\b|(?<!what )\bwould you (?:like|want|"
    r"care) (?:me to|to hear|some|to know|any|more information|a few|to look at|to go over|for me)\b|\bdo you want "
    r"(?:me to|to hear|some|any|to know)\b|\b(?:are|would|will) you (?:be )?(?:interested in (?:hearing|knowing|"
    r"some|learning|talking|what|a few)|open to|willing to (?:hear|listen|look))\b|\bsomething you(?:'d| would)? "
    r"(?:be )?interested in\b|\bwith your permission\b|\bif (?:it's|that's|it is|that is) (?:ok|okay|alright|all "
    r"right|fine)(?: with you)?\b|\bif you(?:'d| would)? like\b|\bif you're interested\b|\bif you want (?:me to|"
    r"to hear|some|to know)\b|\bpermission\b|\bwould (?:it|that) (?:be )?help(?:ful)? (?:if|to|for)\b|\bwould you "
    r"be ok(?:ay)?\b|\bwonder(?:ing)? if i (?:could|can|might|may) (?:share|tell|give|offer|suggest|mention)\b"
)

_AUTONOMY = re.compile(_AUTONOMY_WORDS)

_CLIENT_ASKS = re.compile(
    r"\bwhat (?:should|can|could|do|would|shall) i do\b|\bwhat (?:would|do|can) you (?:suggest|recommend|advise|"
    r"think i should)\b|\b(?:any|some|your) (?:advice|suggestions?|ideas|tips|recommendations?)\b|\b(?:can|could|"
    r"would) you (?:help me|tell me (?:what|how)|give me|suggest|recommend)\b|\bshould i\b|\bhow (?:can|do|should|"
    r"could) i (?:stop|quit|cut|get|deal|handle|manage|make|do|start|change|cope)\b|\btell me what to do\b|"
    r"\bwhat do you think i (?:should|could)\b|\bi (?:need|want|would like|'d like) (?:some |your )?(?:advice|"
    r"suggestions|ideas|tips)\b|\bis there (?:anything|something) (?:i can|i could|that might|that could|you "
    r"can)\b|\bdo you (?:have|know) (?:any|of any)\b|\bwhat (?:are|would be) (?:my|the) options\b|"
    # requests for information: what is said to be true ("What does the research say?", "Do patches work?")
    r"\bwhat (?:does|do|did) (?:the )?(?:research|evidence|science|studies|data|experts?|doctors?) (?:say|show|"
    r"tell)\b|\b(?:does|do|did|will|would|can) (?:\w+ ){1,3}(?:actually |really |even |ever )?work\b[^.?!]{0,30}\?|"
    r"\bhow long "
    r"(?:does|do|will|would|did|should|can)\b|\bis it true (?:that|what)\b|\bhow much (?:is|would be) "
    r"(?:safe|too much|ok|okay|healthy)\b|\bis (?:it|that|this) (?:safe|dangerous|bad for)\b"
)

# Risk and safety: when the client or the reply speaks of suicide (passive ideation too), self-harm, harm to others,
# danger to a child, drink-driving or an emergency, a direct question or instruction and the agency's procedures are
# right, so only the confronting rules apply, and of them not ``must_stop`` ("you must stop, call 999").
_RISK = re.compile(
    r"\b(?:don't|do not|can't|cannot|can not) see (?:the|any) point (?:of|in) (?:going on|carrying on|living|"
    r"life|anything|it all|being here)\b|\b(?:can't|cannot|can not) go on\b|\bbetter off (?:without me|dead|if i "
    r"(?:wasn't|weren't|was not|were not) (?:here|around|alive))\b|\b(?:don't|do not) want to (?:be here any ?more|"
    r"live|be alive|go on|wake up|exist)\b|\b(?:not|never) (?:to )?wak(?:e|ing) up\b|\bwish i (?:was|were) dead\b|"
    r"\bwant(?:ed)? to die\b|\bno (?:reason|point) (?:to|in) (?:live|living|going on)\b|\btake (?:them all|all of "
    r"them|all (?:the|my|of my|of the|those) (?:pills|tablets|meds|medication))\b|"
    r"\b(?:pints?|beers?|wine|bottles?|glasses|cans|shots|units|spliffs?)\b[^.?!]{0,60}\b(?:drive|driving|drove|behind "
    r"the wheel)\b|\b(?:fine|ok|okay|alright|all right|safe) to drive\b|\btoo (?:drunk|high|wasted|out of it) to "
    r"(?:look after|mind|care for|watch|drive)\b|"
    r"\bdrink[- ]?driv|\bdrunk[- ]?driv|\bdriv(?:e|es|ing|en) (?:drunk|high|under the influence|after (?:drinking|"
    r"a few|a drink|drinks|using))\b|\bover the (?:drink[- ]drive |legal )?limit\b|"
    r"\b(?<!not )(?<!never )(?:drinking|drunk|drinks|"
    r"a few|had a drink|using|high)\b[^.?!]{0,40}\b(?:behind the wheel|(?:drive|driving|drove)\b(?! me\b| us\b| (?:him|"
    r"her|them|you) (?:crazy|mad|nuts|up the wall))|"
    r"(?:pick|picking|picked) (?:up )?(?:my|your|the) (?:kids?|children|daughter|son|baby))\b|"
    r"\b(?:danger|risk) to (?:your|the|my|his|her|their|a) (?:child|children|kids?|baby|son|daughter)\b|"
    r"\b(?:child|children|kids?|baby|son|daughter)(?:'s| is| are| was| were| might be| could be| would be) "
    r"(?:in danger|at risk|unsafe|not safe)\b|\b(?:putting|put|puts) (?:yourself|myself|himself|herself) in "
    r"danger\b|"
    r"suicid|self[- ]?harm|overdos|\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting) (?:my|your|him|her|them|"
    r"our)sel(?:f|ves)\b|\b(?:end|ending) (?:it all|my life|your life)\b|\bcrisis\b|\bemergency\b|\b(?:999|911|"
    r"112)\b|\bsamaritans\b|\bunsafe\b|\bsafety plan\b|\bnot safe\b|\b(?:hit|hitting|beat|beating|hurt|hurting|"
    r"harm|harming) (?:him|her|them|the (?:kids?|baby|children)|my (?:wife|husband|partner|kids?|children|baby))\b"
)

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\s+(?:--|—|–)\s+")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split())


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip(" -—–.")]


def asked_permission(previous_helper: str) -> bool:
    """Whether a helper's turn asks permission to give advice or information.

    Parameters
    ----------
    previous_helper
        The helper's previous turn ("Would it be OK if I shared what has worked for others?").

    Returns
    -------
    bool
        True when it asks permission ("would it be OK if I...", "can I suggest...", "would you like to hear...",
        "do you mind if I...", "with your permission").
    """
    return bool(_PERMISSION.search(_normalise(previous_helper).lower()))


def client_asked_for_advice(client: str) -> bool:
    """Whether a client statement asks for advice or information ("What should I do?", "Do patches work?").

    Parameters
    ----------
    client
        The client statement the reply answers.

    Returns
    -------
    bool
        True when the client asks for advice, ideas, options or what to do, or for information ("What does the
        research say?", "Does it work?", "How long does it take?", "Is it true that...?").
    """
    return bool(_CLIENT_ASKS.search(_normalise(client).lower()))


def leaves_choice_to_client(reply: str) -> bool:
    """Whether a reply leaves the choice with the client ("it's up to you", "what has worked for others").

    Parameters
    ----------
    reply
        The helper's reply.

    Returns
    -------
    bool
        True when the reply stresses the client's autonomy, which MITI 4.2.1 counts like asking permission.
    """
    return bool(_AUTONOMY.search(_normalise(reply).lower()))


# Rules that stay off when risk is spoken of: a crisis instruction ("you must stop and call 999") is right then.
_NOT_IN_RISK = frozenset({"must_stop"})

_BUT = re.compile(r"\b(?:but|however|yet|although|though)\b")


def _choice_left_in_sentence(sentence: str, start: int) -> bool:
    """Whether the sentence itself asks permission or leaves the choice with the client, for the words at ``start``.

    Only words in the same sentence count, and not across a "but" that follows them: "It's your choice, but you
    really should stop" is still persuading, while "You could try patches, but it's up to you" is not flagged.
    """
    for pattern in (_AUTONOMY, _PERMISSION):
        for found in pattern.finditer(sentence):
            if found.start() > start or not _BUT.search(sentence[found.end():start]):
                return True
    return False


_CLAUSE_BREAK = re.compile(r"[;:]|,? \b(?:but|however|although|though|yet)\b")


def _attributed(sentence: str, start: int) -> bool:
    """Whether the words before ``start``, in the same clause, put what follows in someone else's mouth."""
    clause = _CLAUSE_BREAK.split(sentence[:start])[-1]
    return bool(_ATTRIBUTION.search(clause))


def flag_reply(reply: str, *, client: str = "", previous_helper: str = "") -> NonAdherence | None:
    """Flag a helper reply that MI counts as non-adherent: confronting, a warning, persuading or unasked advice.

    The rules (:data:`RULES`) are tried sentence by sentence, kind by kind in the order of :data:`KINDS`; the
    first match is returned. Words the reply attributes to the client or to someone else ("It sounds like you
    feel you need to stop") are not flagged. Advice and persuading are not flagged when ``previous_helper`` asked
    permission, ``client`` asked for advice or information, or the same sentence of the reply asks permission or
    leaves the choice to the client (not across a "but" that follows those words). Questions about safety or risk
    are never flagged; when the client statement or the reply speaks of suicide (passive ideation too), self-harm,
    harming someone, danger to a child, drink-driving or an emergency, only the confronting rules apply, and not
    ``must_stop``: a direct question or instruction is then right, with the agency's risk and safeguarding
    procedures and supervision. A *warning* flag's explanation ends with :data:`SAFETY_NOTE`.

    Parameters
    ----------
    reply
        What the helper says.
    client
        The client statement it answers (empty when unknown).
    previous_helper
        The helper's previous turn, before the client statement (empty when unknown or at the start).

    Returns
    -------
    NonAdherence or None
        The kind, the rule's name, the words that matched and one sentence for the student; None when no rule
        applies (most replies).

    Examples
    --------
    >>> flag_reply("You need to face the fact that you're an alcoholic.").kind
    'confronting'
    >>> flag_reply("Try taking a walk when you feel the urge.").kind
    'advice_without_permission'
    >>> flag_reply("Try taking a walk when you feel the urge.",
    ...            previous_helper="Would it be OK if I shared what has worked for others?") is None
    True
    >>> flag_reply("It sounds like part of you wants to cut down and part of you enjoys it.") is None
    True
    """
    if not isinstance(reply, str) or not reply.strip():
        return None
    original = _sentences(_normalise(reply))
    lowered = [sentence.lower() for sentence in original]
    permitted = None
    risk = bool(_RISK.search(_normalise(f"{client} {reply}").lower()))
    for kind in KINDS:
        if risk and kind != "confronting":
            continue
        for rule in RULES:
            if rule.kind != kind or (risk and rule.name in _NOT_IN_RISK):
                continue
            for text, lower in zip(original, lowered, strict=True):
                if not rule.in_questions and lower.rstrip().endswith("?"):
                    continue
                for match in rule.pattern.finditer(lower):
                    if _attributed(lower, match.start()):
                        continue
                    if rule.lifted_by_permission:
                        if permitted is None:
                            permitted = asked_permission(previous_helper or "") or client_asked_for_advice(
                                client or "")
                        if permitted or _choice_left_in_sentence(lower, match.start()):
                            break
                    explanation = KIND_EXPLANATIONS[kind]
                    if kind == "warning":
                        explanation = f"{explanation} {SAFETY_NOTE}"
                    elif kind == "advice_without_permission":
                        explanation = f"{explanation} {SAFETY_INSTRUCTION_NOTE}"
                    return NonAdherence(
                        kind=kind,
                        rule=rule.name,
                        matched=_quoted(text, match.start(), match.end()),
                        explanation=explanation,
                    )
    return None


_WORDS_SHOWN = 4


def _quoted(sentence: str, start: int, end: int) -> str:
    """The matched words, continued to at least four words within the clause (so "Try" reads "Try taking a walk")."""
    words = sentence[start:end].split()
    if len(words) < _WORDS_SHOWN:
        rest = re.split(r"[,;:.?!]", sentence[end:], maxsplit=1)[0].split()
        if rest and not sentence[end:end + 1].isspace() and sentence[end:end + 1]:
            words[-1] += rest.pop(0)  # the match ended inside a word
        words += rest[: _WORDS_SHOWN - len(words)]
    return " ".join(words).strip(" ,-")


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def _majority(values: pd.Series) -> bool:
    return bool(values.mean() >= 0.5)


@kept_on_disk(("annomi", "AnnoMI-simple.csv"), ("annomi", "AnnoMI-full.csv"))
def _adherence_table() -> pd.DataFrame:
    simple = data.load_annomi_utterances("simple")
    ordered = simple.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)
    therapist = ordered["interlocutor"] == "therapist"
    by_transcript = ordered.groupby("transcript_id", sort=False)
    before_who = by_transcript["interlocutor"].shift(1).astype(object)
    client = by_transcript["utterance_text"].shift(1).where(before_who == "client", "").fillna("").astype(str)
    helper_turns = ordered[therapist].groupby("transcript_id")["utterance_text"]
    last, two_back = helper_turns.shift(1), helper_turns.shift(2)
    table = pd.DataFrame(
        {
            "transcript_id": ordered["transcript_id"],
            "utterance_id": ordered["utterance_id"],
            "mi_quality": ordered["mi_quality"].astype(str),
            "topic": ordered["topic"].astype(str),
            "code": ordered["main_therapist_behaviour"].astype(object),
            "reply": ordered["utterance_text"].astype(str),
            "client": client,
        }
    )[therapist.to_numpy()]
    table["previous_helper"] = last.reindex(table.index).fillna("").astype(str)
    table["helper_two_back"] = two_back.reindex(table.index).fillna("").astype(str)
    table = table[table["code"].notna()].copy()
    table["code"] = table["code"].astype(str)

    full = data.load_annomi_utterances("full")
    coded = full[full["interlocutor"] == "therapist"]
    advice = (
        coded.assign(advice=coded["therapist_input_subtype"].astype(str).eq("advice"))
        .groupby(["transcript_id", "utterance_id"])["advice"]
        .agg(_majority)
        .rename("annomi_advice")
    )
    table = table.merge(advice.reset_index(), on=["transcript_id", "utterance_id"], how="left")
    table["annomi_advice"] = table["annomi_advice"].fillna(False).astype(bool)
    asked = table["previous_helper"].map(asked_permission) | table["helper_two_back"].map(asked_permission)
    table["permission_asked"] = asked
    table["client_asked"] = table["client"].map(client_asked_for_advice)
    table["advice_without_permission"] = table["annomi_advice"] & ~table["permission_asked"] & ~table["client_asked"]
    context = (table["helper_two_back"] + " " + table["previous_helper"]).str.strip()
    flags = [
        flag_reply(reply, client=client, previous_helper=previous)
        for reply, client, previous in zip(table["reply"], table["client"], context, strict=True)
    ]
    table["flag"] = [flag.kind if flag else "" for flag in flags]
    table["rule"] = [flag.rule if flag else "" for flag in flags]
    table["matched"] = [flag.matched if flag else "" for flag in flags]
    return table.reset_index(drop=True)


def adherence_table() -> pd.DataFrame:
    """AnnoMI's therapist utterances with the labels the data allow and the flag of each.

    Returns
    -------
    pandas.DataFrame
        One row per therapist utterance (4,882): ``transcript_id``, ``utterance_id``, ``mi_quality`` (high, low),
        ``topic``, ``code`` (the experts' main code), ``reply``, ``client`` (the client statement just before, or
        empty), ``previous_helper`` and ``helper_two_back`` (the two helper turns before it), ``annomi_advice``
        (at least half of the annotators who coded it gave the input subtype *advice*), ``permission_asked``
        (either earlier helper turn asks permission, by :func:`asked_permission`), ``client_asked`` (the client
        statement asks for advice, by :func:`client_asked_for_advice`), ``advice_without_permission`` (the derived
        label: AnnoMI advice, no permission asked, not asked for), and the flag of :func:`flag_reply` given the
        client statement and both earlier helper turns: ``flag`` (its kind, or empty), ``rule`` and ``matched``.
        Built once per Python session; each call returns a fresh copy.
    """
    return _adherence_table()


@dataclass(frozen=True)
class FlagEvaluation:
    """How the non-adherence flag compares with what AnnoMI's annotations allow.

    Attributes
    ----------
    advice : pandas.DataFrame
        Against the derived label *advice without permission* (AnnoMI's advice subtype, no permission asked in
        the two earlier helper turns, the client did not ask). Rows ``any flag`` and ``advice_without_permission``
        (the flag of that kind only); columns ``flagged``, ``labelled``, ``true_positives``, ``precision``,
        ``recall``.
    rates : pandas.DataFrame
        How often the flag fires, by session quality and the experts' main code: index ``(mi_quality, code)``
        plus ``(high, all)`` and ``(low, all)``; columns ``utterances``, ``flagged``, ``share`` and one count
        per kind.
    by_kind : pandas.DataFrame
        Per kind: ``flagged`` (all sessions), ``in_low_quality`` (how many of them in low-quality sessions) and
        ``share_in_low_quality``; low-quality sessions hold :attr:`low_quality_share` of the utterances.
    low_quality_share : float
        Share of therapist utterances that come from low-quality sessions (the base rate for ``by_kind``).
    """

    advice: pd.DataFrame
    rates: pd.DataFrame
    by_kind: pd.DataFrame
    low_quality_share: float


def _precision_recall(flagged: pd.Series, labelled: pd.Series) -> dict[str, float]:
    hits = int((flagged & labelled).sum())
    n_flagged, n_labelled = int(flagged.sum()), int(labelled.sum())
    return {
        "flagged": n_flagged,
        "labelled": n_labelled,
        "true_positives": hits,
        "precision": hits / n_flagged if n_flagged else float("nan"),
        "recall": hits / n_labelled if n_labelled else float("nan"),
    }


def evaluate_flag(table: pd.DataFrame | None = None) -> FlagEvaluation:
    """Precision and recall of the flag against the labels AnnoMI allows, and how often it fires where.

    AnnoMI has no label for non-adherence. Two things can be derived: *advice without permission* (the annotators'
    advice subtype of therapist input, with no permission asked in the two earlier helper turns by the same test
    the flag uses; an approximate label, and one that shares the flag's permission test), and the session's quality
    (23 low-quality sessions were made to show poor MI, confronting and persuading among it; 110 high-quality ones
    show good MI, whose reflections should almost never be flagged).

    Parameters
    ----------
    table
        :func:`adherence_table` (built when omitted).

    Returns
    -------
    FlagEvaluation
        Precision and recall against the derived advice label, flag rates by session quality and code, and
        where each kind's flags fall.
    """
    if table is None:
        table = adherence_table()
    flagged = table["flag"] != ""
    label = table["advice_without_permission"]
    advice = pd.DataFrame(
        {
            "any flag": _precision_recall(flagged, label),
            "advice_without_permission": _precision_recall(table["flag"] == "advice_without_permission", label),
        }
    ).T
    for column in ("flagged", "labelled", "true_positives"):
        advice[column] = advice[column].astype(int)
    rows = {}
    for quality in ("high", "low"):
        in_quality = table[table["mi_quality"] == quality]
        for code in ("reflection", "question", "therapist_input", "other", "all"):
            part = in_quality if code == "all" else in_quality[in_quality["code"] == code]
            fired = part["flag"] != ""
            row = {"utterances": len(part), "flagged": int(fired.sum()),
                   "share": float(fired.mean()) if len(part) else float("nan")}
            row.update({kind: int((part["flag"] == kind).sum()) for kind in KINDS})
            rows[(quality, code)] = row
    rates = pd.DataFrame(rows).T
    rates.index.names = ["mi_quality", "code"]
    for column in rates.columns:
        rates[column] = rates[column].astype(float if column == "share" else int)
    low = table["mi_quality"] == "low"
    by_kind = pd.DataFrame(
        {
            kind: {
                "flagged": int((table["flag"] == kind).sum()),
                "in_low_quality": int(((table["flag"] == kind) & low).sum()),
            }
            for kind in KINDS
        }
    ).T
    by_kind["share_in_low_quality"] = by_kind["in_low_quality"] / by_kind["flagged"].where(by_kind["flagged"] > 0)
    return FlagEvaluation(advice=advice, rates=rates, by_kind=by_kind, low_quality_share=float(low.mean()))


@dataclass(frozen=True)
class FlagAccuracy:
    """The committed evaluation of the flag on AnnoMI (:func:`evaluate_flag`), in the figures students are shown.

    Attributes
    ----------
    n_utterances : int
        Therapist utterances evaluated (all of AnnoMI's coded therapist utterances).
    labelled : int
        Utterances with the derived label *advice without permission*.
    flagged : int
        Utterances the flag marks (any kind).
    true_positives : int
        Flagged utterances with the label.
    precision, recall : float
        Of any flag against the derived label (row ``any flag`` of :attr:`FlagEvaluation.advice`).
    advice_precision, advice_recall : float
        Of the *advice without permission* flag alone against the same label.
    n_high, n_low : int
        Therapist utterances of the high- and the low-quality demonstrations.
    flagged_high, flagged_low : int
        How many of them the flag marks.
    rate_high, rate_low : float
        The share flagged: ``flagged_high / n_high`` and ``flagged_low / n_low``.
    """

    n_utterances: int
    labelled: int
    flagged: int
    true_positives: int
    precision: float
    recall: float
    advice_precision: float
    advice_recall: float
    n_high: int
    n_low: int
    flagged_high: int
    flagged_low: int
    rate_high: float
    rate_low: float


MEASURED_FLAG = FlagAccuracy(
    n_utterances=4882,
    labelled=135,
    flagged=79,
    true_positives=47,
    precision=0.5949,
    recall=0.3481,
    advice_precision=0.6122,
    advice_recall=0.2222,
    n_high=4441,
    n_low=441,
    flagged_high=25,
    flagged_low=54,
    rate_high=0.0056,
    rate_low=0.1224,
)
"""The committed evaluation of the flag (``docs/CODER.md``): :func:`evaluate_flag` on all of AnnoMI, in-sample (the
rules were written while reading these sessions). ``tests/test_adherence.py`` re-computes it and checks every
figure."""


def flag_accuracy_statement(measured: FlagAccuracy = MEASURED_FLAG) -> str:
    """The flag's measured accuracy in plain words, for students (printed beside :func:`coder.accuracy_statement`).

    Parameters
    ----------
    measured
        The evaluation to describe (default: the committed one, :data:`MEASURED_FLAG`).

    Returns
    -------
    str
        One paragraph: what the flag is, its precision and recall against the derived label *advice without
        permission*, how often it fires in high- and low-quality demonstrations, that these figures are in-sample
        on role-play data, and that the rules read words, not meaning.
    """
    return (
        f"How accurate is the non-adherence flag? It is a set of word rules, written while reading AnnoMI's "
        f"demonstration sessions (role-plays) and measured on the same sessions, so these figures are in-sample: on "
        f"new replies it will likely do worse. Against a label derived from AnnoMI's annotations, advice given without "
        f"permission ({measured.labelled} of {measured.n_utterances:,} therapist utterances), "
        f"{measured.true_positives} of the {measured.flagged} utterances it flagged had that label (precision "
        f"{measured.precision:.2f}) and it caught {measured.true_positives} of the {measured.labelled} (recall "
        f"{measured.recall:.2f}). It fired on {100 * measured.rate_high:.1f}% of therapist turns in the "
        f"high-quality demonstrations and {100 * measured.rate_low:.1f}% in the low-quality ones. The rules read "
        f"words, not meaning: they miss a confrontation in polite words and can flag a reply that is fine, so a flag "
        f"is a prompt to look again, never a grade."
    )


def score_examples(examples: Iterable[Sequence[str | None]]) -> pd.DataFrame:
    """Precision and recall of the flag, per kind, on labelled example replies (e.g. a hand-written set).

    Parameters
    ----------
    examples
        Tuples ``(reply, client, previous_helper, expected)``, where ``expected`` is one of :data:`KINDS` or None
        (an adherent reply, which should not be flagged).

    Returns
    -------
    pandas.DataFrame
        One row per kind plus ``any kind`` (flagged at all vs non-adherent at all); columns ``labelled``,
        ``flagged``, ``true_positives``, ``precision``, ``recall``. A reply flagged with another kind than expected
        counts as a miss for the expected kind and a false flag for the other.
    """
    rows = []
    for reply, client, previous, expected in examples:
        flag = flag_reply(str(reply), client=str(client or ""), previous_helper=str(previous or ""))
        rows.append({"expected": expected or "", "flagged": flag.kind if flag else ""})
    frame = pd.DataFrame(rows, columns=["expected", "flagged"])
    result = {
        kind: _precision_recall(frame["flagged"] == kind, frame["expected"] == kind) for kind in KINDS
    }
    result["any kind"] = _precision_recall(frame["flagged"] != "", frame["expected"] != "")
    table = pd.DataFrame(result).T
    table = table.rename(columns={})
    for column in ("flagged", "labelled", "true_positives"):
        table[column] = table[column].astype(int)
    return table[["labelled", "flagged", "true_positives", "precision", "recall"]]
