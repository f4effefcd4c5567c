"""Interactive demos: a figure builder from :mod:`helpcourse.figures` wired to labelled ipywidgets controls.

One file per module topic (``reading`` for module 01, ..., ``capstone`` for module 08; ``practice`` is the reply
practice of modules 03 and 08); the widget building blocks they share are in :mod:`helpcourse.demos.common`
(sliders, the figure widget, the text alternative, the practice-bank buttons) and :mod:`helpcourse.demos.choice`
(the keyboard-friendly multiple-choice control). ``docs/ARCHITECTURE.md`` maps each module to its files.

Notebooks write ``demos.correlation_explorer()``: every public name of every topic is reachable here, but a topic's
file is imported only when one of its names is first used, so a notebook loads only its own demos.

Demos hold no statistics of their own: they call :mod:`helpcourse.simulate`, :mod:`helpcourse.effects` and the
analysis modules, and update the traces of one ``FigureWidget`` inside ``batch_update()``. Every demo is an
``ipywidgets.VBox`` (controls, figure, a live text alternative), so a notebook cell shows it with one call and a
test can drive its controls directly.
"""

from __future__ import annotations

from helpcourse.lazy import topic_attributes

#: The public names of each topic's file (its ``__all__``; ``tests/test_architecture.py`` keeps the two equal).
TOPIC_NAMES: dict[str, tuple[str, ...]] = {
    "common": (
        "FigureWidget",
        "LabelledIntSlider",
        "LabelledSlider",
        "PLOTLY_SCRIPT_USER",
        "PracticeActions",
        "SLIDER_LAYOUT",
        "SLIDER_STYLE",
        "feedback_html",
        "live_text",
        "plotly_script_carrier",
    ),
    "adapting": (
        "ADAPTATION_FINDINGS",
        "BANDS",
        "MatchingSimulator",
        "MonitoringAlarm",
        "ProgressExplorer",
        "StaticFigure",
        "adaptation_forest",
        "band_name",
        "dose_effect_chart",
        "matching_simulator",
        "monitoring_alarm",
        "progress_explorer",
        "tailoring_chart",
    ),
    "alliance": (
        "AllianceLevels",
        "EarlyImprovement",
        "TherapyForest",
        "alliance_levels",
        "early_improvement_explorer",
        "nhs_recovery_chart",
        "therapy_forest",
    ),
    "capstone": (
        "CASE_TRANSCRIPT_ID",
        "CaseDashboard",
        "CaseReplyPractice",
        "case_dashboard",
        "case_reply_practice",
    ),
    "collaboration": (
        "DropoutForest",
        "PreferenceTrialDemo",
        "dropout_forest",
        "preference_trial",
    ),
    "conversation": (
        "CHART_TITLE",
        "ConversationPractice",
        "change_talk_figure",
        "change_talk_text",
        "change_talk_values",
        "conversation_practice",
    ),
    "facilitate": (
        "LabelledDropdown",
        "NextTalkExplorer",
        "QualityComparison",
        "TranscriptExplorer",
        "behaviour_mix_figure",
        "next_talk_explorer",
        "quality_comparison",
        "transcript_explorer",
    ),
    "practice": (
        "PracticeRecord",
        "ReplyPractice",
        "describe_session",
        "reply_practice",
    ),
    "reading": (
        "CorrelationExplorer",
        "RelationshipForest",
        "TREATMENT_LABELS",
        "correlation_explorer",
        "quit_rates_figure",
        "relationship_forest",
    ),
    "relationship": (
        "EmpathyCaseload",
        "SkillsPractice",
        "empathy_caseload",
        "finding_correlations",
        "reflections_figure",
        "skills_practice",
    ),
    "strengths": (
        "ContactOddsRatios",
        "ReframePractice",
        "WeakEvidenceExplorer",
        "contact_odds_ratios",
        "reframe_practice",
        "weak_evidence_explorer",
    ),
}

__all__, __getattr__, __dir__ = topic_attributes(__name__, TOPIC_NAMES, globals())
