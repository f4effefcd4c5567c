"""The MI-non-adherence flag (:mod:`helpcourse.adherence`): known replies, the hand-written set, AnnoMI's labels.

Two evaluations, kept apart as in ``docs/CODER.md``:

* ``HAND_WRITTEN``: replies written for this test file by the author of the rules (clearly confronting, warning,
  persuading, advice without permission, and clearly adherent ones). They check that the rules do what they say;
  they were written by the same person as the rules, so they are no estimate of how well the rules generalise.
* AnnoMI: the labels its annotations allow (the *advice* subtype with no permission asked; low- vs high-quality
  sessions), through :func:`adherence.evaluate_flag`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpcourse import adherence

DOCS = Path(__file__).resolve().parents[1] / "docs" / "CODER.md"

DRINK = "I've been drinking a lot more since I lost my job, and my wife is really upset about it."
SMOKE = "I know smoking isn't great, but it's the only thing that calms me down."
ASK = "I've tried everything to cut down. What should I do?"
PERMISSION = "Would it be OK if I shared a few things that have helped other people?"

#: Hand-written replies (reply, client statement, previous helper turn, expected kind or None for adherent).
HAND_WRITTEN: list[tuple[str, str, str, str | None]] = [
    # confronting
    ("You need to face the fact that you're an alcoholic.", DRINK, "", "confronting"),
    ("You're in denial about how much you drink.", DRINK, "", "confronting"),
    ("Admit it, the drinking is the problem here.", DRINK, "", "confronting"),
    ("The truth is, your drinking is hurting your family.", DRINK, "", "confronting"),
    ("You have to stop drinking. Full stop.", DRINK, "", "confronting"),
    ("That's just an excuse to keep smoking.", SMOKE, "", "confronting"),
    ("Come on, you know that isn't true.", SMOKE, "", "confronting"),
    ("You've got a drinking problem and you need to deal with it.", DRINK, "", "confronting"),
    ("You must quit smoking now.", SMOKE, "", "confronting"),
    ("Let's be honest, you're an addict.", SMOKE, "", "confronting"),
    ("Don't you see what you're doing to your wife?", DRINK, "", "confronting"),
    ("You're kidding yourself if you think it calms you down.", SMOKE, "", "confronting"),
    ("Stop making excuses and take responsibility.", DRINK, "", "confronting"),
    ("Be honest with yourself: it's the drink, not the job.", DRINK, "", "confronting"),
    # warning
    ("If you don't stop drinking, you're going to lose your wife.", DRINK, "", "warning"),
    ("If you keep smoking like this, you'll end up in hospital.", SMOKE, "", "warning"),
    ("You're going to die if you carry on like this.", SMOKE, "", "warning"),
    ("Smoking will kill you.", SMOKE, "", "warning"),
    ("You'll lose everything before long.", DRINK, "", "warning"),
    ("You need help before it's too late.", DRINK, "", "warning"),
    ("If you don't cut down, your liver will give up.", DRINK, "", "warning"),
    ("You're putting your life at risk every time you light up.", SMOKE, "", "warning"),
    # persuading
    ("You should really think about cutting down.", DRINK, "", "persuading"),
    ("Don't you think you ought to stop for your wife's sake?", DRINK, "", "persuading"),
    ("The right thing to do is to stop now.", SMOKE, "", "persuading"),
    ("Wouldn't it be better to quit while you're still young?", SMOKE, "", "persuading"),
    ("Isn't it time you got your life back on track?", DRINK, "", "persuading"),
    ("Think of your kids.", SMOKE, "", "persuading"),
    ("I strongly recommend that you quit.", SMOKE, "", "persuading"),
    ("Studies show that people who quit feel calmer within weeks.", SMOKE, "", "persuading"),
    # advice without permission
    ("Try taking a walk when you feel the urge.", DRINK, "", "advice_without_permission"),
    ("You should join a support group.", DRINK, "", "advice_without_permission"),
    ("I'd recommend nicotine patches.", SMOKE, "", "advice_without_permission"),
    ("Why don't you try chewing gum instead?", SMOKE, "", "advice_without_permission"),
    ("Cut down to two drinks a night.", DRINK, "", "advice_without_permission"),
    ("My advice is to get rid of all the alcohol in the house.", DRINK, "", "advice_without_permission"),
    ("How about going for a run when you're stressed?", SMOKE, "", "advice_without_permission"),
    ("Make sure you eat before you drink.", DRINK, "", "advice_without_permission"),
    ("I think you should talk to your wife tonight.", DRINK, "", "advice_without_permission"),
    ("Avoid the pub on your way home.", DRINK, "", "advice_without_permission"),
    ("It would be a good idea to see your GP.", DRINK, "", "advice_without_permission"),
    ("When you feel stressed, take a few deep breaths instead.", SMOKE, "", "advice_without_permission"),
    ("You could try breathing exercises.", SMOKE, "", "advice_without_permission"),
    ("Get some exercise, it helps with stress.", SMOKE, "", "advice_without_permission"),
    # adherent: reflections (some say back words the client or someone else used)
    ("It sounds like part of you wants to cut down and part of you enjoys it.", DRINK, "", None),
    ("You're worried about what the drinking is doing to your marriage.", DRINK, "", None),
    ("Losing your job has been hard, and drinking has become a way to get through the days.", DRINK, "", None),
    ("Smoking is the one thing that helps you calm down right now.", SMOKE, "", None),
    ("You know smoking isn't great for you, and you also don't want to lose the one thing that calms you.", SMOKE,
     "", None),
    ("Your wife is upset, and you feel caught in the middle.", DRINK, "", None),
    ("It sounds like you feel you need to stop, but you're not sure how.", DRINK, "", None),
    ("Your wife thinks you should stop drinking altogether.", DRINK, "", None),
    ("You're not sure you're an alcoholic, whatever other people say.", DRINK, "", None),
    # adherent: questions
    ("What would you like to be different?", DRINK, "", None),
    ("How does your drinking fit with the kind of husband you want to be?", DRINK, "", None),
    ("What have you tried before, and how did it go?", ASK, "", None),
    ("What worries you most about your smoking?", SMOKE, "", None),
    ("On a scale from 0 to 10, how important is it for you to cut down?", DRINK, "", None),
    ("What do you think might happen if things stay as they are?", DRINK, "", None),
    # adherent: asking permission, advice after permission or when asked, autonomy, affirmation, structuring
    ("Would it be OK if I shared what has worked for others?", DRINK, "", None),
    ("Can I suggest something that other people have found helpful?", SMOKE, "", None),
    ("Try taking a walk when you feel the urge.", "Sure, go ahead.", PERMISSION, None),
    ("Some people find that nicotine patches take the edge off. What do you make of that?", "Okay.", PERMISSION,
     None),
    ("You could try setting a limit before you go out.", ASK, "", None),
    ("I'd recommend talking to your GP about it, if you want my opinion.", ASK, "", None),
    ("It's completely up to you, but some people try cutting down one day at a time.", DRINK, "", None),
    ("It took courage to come here and talk about this.", DRINK, "", None),
    ("Tell me more about what the drinking does for you.", DRINK, "", None),
    ("Thanks for being so open with me today.", SMOKE, "", None),
    ("Mm-hmm.", DRINK, "", None),
    ("Go on.", SMOKE, "", None),
]

#: The replies an independent reviewer found flagged wrongly or missed (findings 1, 2, 6, 7, 8 and 9), with the kind
#: they should get: (reply, client statement, previous helper turn, expected kind or None). Found as errors and then
#: fixed, so, like ``HAND_WRITTEN``, a check of the rules and no estimate of how they generalise.
REVIEWED: list[tuple[str, str, str, str | None]] = [
    # 1. direct safety and safeguarding questions are right practice
    ("Is there a danger to your child when you drive after drinking?", "I had a few before picking up my daughter.",
     "", None),
    ("Do you ever feel you might be putting yourself in danger?", DRINK, "", None),
    ("Are you putting yourself at risk when you drive after drinking?", DRINK, "", None),
    # 2. crisis instructions, and passive suicidal ideation
    ("You need to get help right now; let's call the crisis line together.",
     "I've got the pills here and I'm going to take them all tonight.", "", None),
    ("You need to tell someone at home tonight and make sure you're not alone.", "I don't see the point of going on.",
     "", None),
    # 6. evoking open questions
    ("When you think of your kids, what comes to mind?", DRINK, "", None),
    ("What do you think about your health these days?", SMOKE, "", None),
    # 7. information the client asked for
    ("Research shows that drinking more than 14 units a week raises the risk of liver disease.",
     "What does the research say about how much is safe?", "", None),
    ("Studies show that nicotine patches double the chance of quitting.", "Do patches actually work?", "", None),
    # 8. affirmations and autonomy support; a dismissal is confronting
    ("Look at how far you've come already.", DRINK, "", None),
    ("Listen, I can hear how hard this has been.", DRINK, "", None),
    ("Come on, that's a great idea you just had.", SMOKE, "", None),
    ("The truth is, you're the one who knows what's best for you.", DRINK, "", None),
    ("You just need to get on with it.", DRINK, "", "confronting"),
    # 9. autonomy does not lift persuading across "but"; clear misses
    ("It's your choice, but you really should stop.", SMOKE, "", "persuading"),
    ("Drinking is slowly destroying your liver.", DRINK, "", "warning"),
    ("Your kids deserve better than a drunk parent.", DRINK, "", "confronting"),
]


# --------------------------------------------------------------------------------------------------
# Known replies (the examples of the issue)
# --------------------------------------------------------------------------------------------------


def test_the_confrontation_the_course_warns_against_is_flagged():
    flag = adherence.flag_reply("You need to face the fact that you're an alcoholic.", client=DRINK)
    assert flag is not None and flag.kind == "confronting"
    assert flag.rule == "labelling" and flag.matched == "you're an alcoholic"
    assert flag.explanation == adherence.KIND_EXPLANATIONS["confronting"]
    assert flag.name == "confronting"


def test_unasked_advice_is_flagged_and_the_same_advice_after_permission_is_not():
    flag = adherence.flag_reply("Try taking a walk when you feel the urge.", client=DRINK)
    assert flag is not None and flag.kind == "advice_without_permission"
    assert flag.rule == "instruction" and flag.matched == "Try taking a walk"
    assert flag.name == "advice without permission"
    assert flag.sentence().startswith('It may read as advice without permission ("Try taking a walk").')
    after_permission = adherence.flag_reply("Try taking a walk when you feel the urge.", client="Sure.",
                                            previous_helper="Would it be OK if I shared what has worked for others?")
    assert after_permission is None
    asked = adherence.flag_reply("Try taking a walk when you feel the urge.", client="What can I do instead?")
    assert asked is None


@pytest.mark.parametrize(
    "reply",
    [
        "It sounds like part of you wants to cut down and part of you enjoys it.",
        "Would it be OK if I shared what has worked for others?",
        "It sounds like you feel you need to stop.",
        "Your wife says you're an alcoholic.",
        "You should be proud of that.",
        "It's important to you that your kids see you sober.",
        "Tell me more about that.",
        "Go on.",
        "",
    ],
)
def test_reflections_permission_and_attributed_words_are_not_flagged(reply):
    assert adherence.flag_reply(reply, client=DRINK) is None


def test_permission_does_not_lift_confronting_or_warning_but_lifts_persuading():
    previous = "Would it be OK if I shared a concern?"
    assert adherence.flag_reply("You're in denial.", previous_helper=previous).kind == "confronting"
    assert adherence.flag_reply("If you keep drinking like this, you'll lose your job.",
                                previous_helper=previous).kind == "warning"
    assert adherence.flag_reply("You should really cut down.").kind == "persuading"
    assert adherence.flag_reply("You should really cut down.", previous_helper=previous) is None


def test_risk_statements_leave_direct_instructions_unflagged():
    """With risk, a direct question or instruction (and the agency's procedures) is right: not flagged as advice."""
    client = "Some nights I think about ending my life."
    assert adherence.flag_reply("Call the crisis line tonight if you feel unsafe.", client=client) is None
    assert adherence.flag_reply("Call your sister tonight.", client=DRINK).kind == "advice_without_permission"
    assert adherence.flag_reply("You're just being selfish.", client=client).kind == "confronting"


@pytest.mark.parametrize(("reply", "client", "previous", "expected"), REVIEWED)
def test_reviewed_replies_get_the_right_flag(reply, client, previous, expected):
    flag = adherence.flag_reply(reply, client=client, previous_helper=previous)
    assert (flag.kind if flag else None) == expected, flag


@pytest.mark.parametrize(
    ("reply", "client"),
    [
        ("Is there a danger to your child when you drive after drinking?", ""),
        ("Are you putting yourself at risk?", ""),
        ("Is your daughter safe when you've been drinking?", ""),
        ("You must stop and call 999 now.", "I've taken all my pills."),
        ("You have to stop driving after drinking; leave the keys with your wife.", ""),
        ("Please don't drive tonight. Can you stay at your sister's?", "I've had a few, I'll drive home after this."),
        ("Make sure you're not alone tonight.", "Everyone would be better off without me."),
        ("Call your GP first thing tomorrow.", "I can't go on like this."),
        ("Tell your sister how you feel tonight.", "Some days I don't want to wake up."),
        ("You should ring the crisis line if it gets worse.", "I don't want to be here any more."),
    ],
)
def test_safety_questions_and_crisis_instructions_are_never_flagged(reply, client):
    assert adherence.flag_reply(reply, client=client) is None


def test_risk_keeps_labels_and_shaming_flagged():
    assert adherence.flag_reply("You're just being selfish.", client="I can't go on.").kind == "confronting"
    assert adherence.flag_reply("You're an alcoholic, admit it.", client="I drove home drunk.").kind == "confronting"


def test_warnings_still_flagged_as_statements_and_carry_the_safety_note():
    flag = adherence.flag_reply("You're putting your health at risk every time you light up.", client=SMOKE)
    assert flag is not None and flag.kind == "warning" and flag.rule == "at_risk"
    assert flag.explanation == f"{adherence.KIND_EXPLANATIONS['warning']} {adherence.SAFETY_NOTE}"
    assert flag.sentence().endswith(adherence.SAFETY_NOTE)
    assert adherence.SAFETY_NOTE == ("A direct question about safety or risk is different: ask it, follow your "
                                     "agency's risk and safeguarding procedures, and take it to supervision.")
    for kind_reply in ("You're in denial.", "You should really cut down."):
        other = adherence.flag_reply(kind_reply, client=DRINK)
        assert other.kind != "warning" and adherence.SAFETY_NOTE not in other.explanation
        assert other.explanation == adherence.KIND_EXPLANATIONS[other.kind]
    advice = adherence.flag_reply("Try taking a walk.", client=DRINK)
    assert advice.kind == "advice_without_permission"
    assert advice.explanation == (f"{adherence.KIND_EXPLANATIONS['advice_without_permission']} "
                                  f"{adherence.SAFETY_INSTRUCTION_NOTE}")


def test_instructions_that_keep_someone_safe_are_not_flagged():
    cases = [
        ("Please don't drive home tonight; let's call you a taxi.", "I've had four pints but I'm fine to drive."),
        ("Leave the car keys with me and let's get you a taxi.",
         "I've had a bottle of wine, but I'm fine to drive the kids home."),
        ("Make sure the kids stay with their dad tonight.", "I'm too drunk to look after the kids tonight."),
    ]
    for reply, client in cases:
        assert adherence.flag_reply(reply, client=client) is None, reply


def test_plain_confrontations_in_other_words_are_flagged():
    for reply in ("Be honest, you know you're drinking too much.",
                  "Let's be realistic, you can't keep going like this."):
        flag = adherence.flag_reply(reply, client=DRINK)
        assert flag is not None and flag.kind == "confronting", reply


def test_reasons_and_evoking_questions():
    assert adherence.flag_reply("Think of your kids.", client=SMOKE).kind == "persuading"
    assert adherence.flag_reply("Think about your health for once.", client=SMOKE).kind == "persuading"
    assert adherence.flag_reply("Studies show that quitting helps.", client=SMOKE).kind == "persuading"
    assert adherence.flag_reply("How does thinking about your kids fit with smoking?", client=SMOKE) is None
    assert adherence.flag_reply("Studies show that quitting helps.", client="Is it true that quitting helps?") is None


def test_the_reply_lifts_only_within_its_sentence_and_not_across_but():
    assert adherence.flag_reply("You could try patches, but it's up to you.", client=SMOKE) is None
    assert adherence.flag_reply("Try a walk, if that fits for you.", client=DRINK) is None
    assert adherence.flag_reply("It's up to you. You should join a group.", client=DRINK).kind == (
        "advice_without_permission")
    assert adherence.flag_reply("It's up to you, but you should join a group.", client=DRINK).kind == (
        "advice_without_permission")
    assert adherence.flag_reply("You really should stop. It's your choice.", client=SMOKE).kind == "persuading"


def test_information_requests_are_recognised():
    for asked in ("What does the research say?", "Do patches actually work?", "How long does it take to feel better?",
                  "Is it true that drinking helps you sleep?"):
        assert adherence.client_asked_for_advice(asked), asked
    for told in ("I'll do some work, and then I have a cigarette.", "It would definitely work.",
                 "I can go to work and do normal things."):
        assert not adherence.client_asked_for_advice(told), told


def test_permission_client_requests_and_autonomy_are_recognised():
    assert adherence.asked_permission("Would it be OK if I shared what has worked for others?")
    assert adherence.asked_permission("Can I suggest something?")
    assert adherence.asked_permission("I have some information on that. Would you like to hear it?")
    assert adherence.asked_permission("Do you mind if I tell you what worries me?")
    assert not adherence.asked_permission("What brings you here today?")
    assert not adherence.asked_permission("So, what are you willing to think about doing?")
    assert adherence.client_asked_for_advice("What should I do?")
    assert adherence.client_asked_for_advice("Do you have any tips?")
    assert not adherence.client_asked_for_advice("My wife keeps telling me what to do.")
    assert adherence.leaves_choice_to_client("It's completely up to you.")
    assert not adherence.leaves_choice_to_client("You should do this.")


def test_every_rule_has_a_name_a_kind_and_an_explanation():
    names = [rule.name for rule in adherence.RULES]
    assert len(names) == len(set(names)) == 16
    assert {rule.kind for rule in adherence.RULES} == set(adherence.KINDS)
    assert [adherence.KINDS.index(rule.kind) for rule in adherence.RULES] == sorted(
        adherence.KINDS.index(rule.kind) for rule in adherence.RULES)
    for rule in adherence.RULES:
        assert rule.explanation.endswith((".", ").")) and len(rule.explanation) < 130, rule.name
    for kind in adherence.KINDS:
        explanation = adherence.KIND_EXPLANATIONS[kind]
        assert explanation.count(". ") == 0 and explanation.endswith("."), kind  # one sentence, no lecture
        assert len(explanation) < 150, kind
        # MI's rationale, never stated as an empirical finding
        assert explanation.startswith("In MI, ") and " is thought to " in explanation, kind
        assert not re.search(r"\b(?:tends? to|often|usually|research|studies|shown?)\b", explanation), kind
    lifted = {rule.kind for rule in adherence.RULES if rule.lifted_by_permission}
    assert lifted == {"persuading", "advice_without_permission"}


def test_docs_list_every_rule():
    text = DOCS.read_text()
    for rule in adherence.RULES:
        assert re.search(rf"^\| `{rule.name}` \| {rule.kind.replace('_', ' ')} \|", text, re.MULTILINE), rule.name


# --------------------------------------------------------------------------------------------------
# The hand-written set
# --------------------------------------------------------------------------------------------------


def test_hand_written_set_is_flagged_as_labelled():
    assert len(HAND_WRITTEN) == 71
    expected = pd.Series([row[3] or "" for row in HAND_WRITTEN]).value_counts().to_dict()
    assert expected == {"": 27, "confronting": 14, "advice_without_permission": 14, "warning": 8, "persuading": 8}
    wrong = []
    for reply, client, previous, kind in HAND_WRITTEN:
        flag = adherence.flag_reply(reply, client=client, previous_helper=previous)
        if (flag.kind if flag else None) != kind:
            wrong.append((reply, kind, flag))
    assert not wrong


def test_score_examples_gives_precision_and_recall_per_kind():
    table = adherence.score_examples(HAND_WRITTEN)
    assert list(table.index) == [*adherence.KINDS, "any kind"]
    assert table.loc["any kind", "labelled"] == 44 and table.loc["any kind", "flagged"] == 44
    assert (table["precision"] == 1.0).all() and (table["recall"] == 1.0).all()
    mixed = adherence.score_examples([
        ("You're in denial.", "", "", "confronting"),
        ("You should cut down.", "", "", "confronting"),  # flagged as advice: a miss and a false flag
        ("It sounds hard.", "", "", None),
        ("Okay.", "", "", "warning"),
    ])
    assert mixed.loc["confronting", ["labelled", "flagged", "true_positives"]].tolist() == [2, 1, 1]
    assert mixed.loc["confronting", "recall"] == 0.5
    assert mixed.loc["advice_without_permission", "precision"] == 0.0
    assert mixed.loc["warning", "recall"] == 0.0
    assert mixed.loc["any kind", ["labelled", "flagged", "true_positives"]].tolist() == [3, 2, 2]


# --------------------------------------------------------------------------------------------------
# AnnoMI
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return adherence.adherence_table()


def test_adherence_table_derives_the_labels_from_annomis_annotations(table):
    assert len(table) == 4882 and table["transcript_id"].nunique() == 133
    assert int(table["annomi_advice"].sum()) == 140  # at least half the annotators: advice
    assert int(table["permission_asked"].sum()) > 0
    label = table["advice_without_permission"]
    assert (label <= table["annomi_advice"]).all()
    assert (label == table["annomi_advice"] & ~table["permission_asked"] & ~table["client_asked"]).all()
    first = table[table["transcript_id"] == 0].set_index("utterance_id")
    assert first.loc[0, "previous_helper"] == "" and first.loc[0, "client"] == ""
    later = table[(table["transcript_id"] == 0)].iloc[3]
    simple = table[table["transcript_id"] == 0]
    assert later["previous_helper"] == simple.iloc[2]["reply"] and later["helper_two_back"] == simple.iloc[1]["reply"]
    assert set(table["flag"]) <= {"", *adherence.KINDS}


def test_flag_against_annomis_derived_labels(table):
    result = adherence.evaluate_flag(table)
    advice = result.advice
    assert advice.loc["any flag"].to_dict() == pytest.approx(FIGURES["advice_any"], abs=0.0005)
    assert advice.loc["advice_without_permission"].to_dict() == pytest.approx(FIGURES["advice_kind"], abs=0.0005)
    rates = result.rates
    assert rates.loc[("high", "reflection"), "utterances"] == 1265
    assert rates.loc[("high", "reflection"), "share"] < 0.01  # good MI's reflections: almost never flagged
    assert rates.loc[("low", "therapist_input"), "share"] > 0.25  # poor MI's input: often flagged
    for key, (flagged, share) in FIGURES["rates"].items():
        assert rates.loc[key, "flagged"] == flagged, key
        assert rates.loc[key, "share"] == pytest.approx(share, abs=0.0005), key
    by_kind = result.by_kind
    assert by_kind["flagged"].to_dict() == FIGURES["by_kind"]
    assert result.low_quality_share == pytest.approx(441 / 4882)
    # every kind but advice falls mostly in the 9% of utterances from low-quality sessions
    for kind in ("confronting", "warning", "persuading"):
        assert by_kind.loc[kind, "share_in_low_quality"] > 0.5, kind


def test_docs_state_the_flag_figures(table):
    text = DOCS.read_text()
    advice = adherence.evaluate_flag(table).advice
    for row in ("any flag", "advice_without_permission"):
        values = advice.loc[row]
        assert (f"| {int(values['flagged'])} | {int(values['labelled'])} | {int(values['true_positives'])} | "
                f"{values['precision']:.2f} | {values['recall']:.2f} |") in text, row


#: The committed figures of the flag on AnnoMI (docs/CODER.md, bench/coder_eval.py, adherence.MEASURED_FLAG).
FIGURES = {
    "advice_any": {"flagged": 79, "labelled": 135, "true_positives": 47, "precision": 0.5949, "recall": 0.3481},
    "advice_kind": {"flagged": 49, "labelled": 135, "true_positives": 30, "precision": 0.6122, "recall": 0.2222},
    "rates": {  # (mi_quality, code): (flagged, share)
        ("high", "reflection"): (6, 0.0047),
        ("high", "question"): (3, 0.0024),
        ("high", "therapist_input"): (16, 0.0341),
        ("high", "other"): (0, 0.0),
        ("high", "all"): (25, 0.0056),
        ("low", "reflection"): (0, 0.0),
        ("low", "question"): (4, 0.0284),
        ("low", "therapist_input"): (42, 0.2897),
        ("low", "other"): (8, 0.0645),
        ("low", "all"): (54, 0.1224),
    },
    "by_kind": {"confronting": 17, "warning": 2, "persuading": 11, "advice_without_permission": 49},
}


def test_committed_flag_accuracy_comes_out_again(table):
    """Every figure of adherence.MEASURED_FLAG (what students are shown) is re-computed from AnnoMI."""
    measured = adherence.MEASURED_FLAG
    result = adherence.evaluate_flag(table)
    any_flag = result.advice.loc["any flag"]
    advice_only = result.advice.loc["advice_without_permission"]
    assert measured.n_utterances == len(table)
    assert (measured.labelled, measured.flagged, measured.true_positives) == (
        int(any_flag["labelled"]), int(any_flag["flagged"]), int(any_flag["true_positives"]))
    assert measured.precision == pytest.approx(any_flag["precision"], abs=0.0005)
    assert measured.recall == pytest.approx(any_flag["recall"], abs=0.0005)
    assert measured.advice_precision == pytest.approx(advice_only["precision"], abs=0.0005)
    assert measured.advice_recall == pytest.approx(advice_only["recall"], abs=0.0005)
    high, low = result.rates.loc[("high", "all")], result.rates.loc[("low", "all")]
    assert (measured.n_high, measured.flagged_high) == (int(high["utterances"]), int(high["flagged"]))
    assert (measured.n_low, measured.flagged_low) == (int(low["utterances"]), int(low["flagged"]))
    assert measured.rate_high == pytest.approx(high["share"], abs=0.00005)
    assert measured.rate_low == pytest.approx(low["share"], abs=0.00005)


def test_flag_accuracy_statement_states_the_committed_figures():
    measured = adherence.MEASURED_FLAG
    text = adherence.flag_accuracy_statement()
    assert text == adherence.flag_accuracy_statement(measured)
    for figure in (f"precision {measured.precision:.2f}", f"recall {measured.recall:.2f}",
                   f"{100 * measured.rate_high:.1f}%", f"{100 * measured.rate_low:.1f}%",
                   f"{measured.true_positives} of the {measured.flagged}", f"({measured.labelled} of 4,882"):
        assert figure in text, figure
    assert "precision 0.59" in text and "recall 0.35" in text and "0.6%" in text and "12.2%" in text
    for words in ("in-sample", "role-plays", "advice given without permission", "words, not meaning", "never a grade"):
        assert words in text, words
    assert "\n" not in text and len(text) < 800  # one short paragraph
    sentences = [part for part in re.split(r"(?<=[.?])\s+", text) if part]
    assert len(sentences) <= 6
