"""An automatic coder of helper replies, trained on the expert annotations of AnnoMI.

AnnoMI (Wu et al., 2022, 2023) is a set of 133 motivational-interviewing demonstrations whose therapist
utterances were coded by experts as a **reflection**, a **question**, **therapist input** (information,
advice, options, negotiation) or **other**. This module trains a small text classifier on those codes, so
the course can tell a student, as they practise, how their reply to a client's statement reads.

What the coder looks at
-----------------------
The reply itself (word and character n-grams, and the words of its last sentence, where a closing
question or a "so it sounds like..." usually sits) and the client statement it answers: the client's
words, and how much of them the reply takes up again (reflections re-use the client's words; advice brings
new ones). At practice time the coder sees exactly these two texts: the client statement shown and the
student's reply.

How it is built
---------------
A stack of linear support-vector machines (one on all features, one each on words, characters, the last
sentence, and the client context) and two multinomial naive Bayes models (on the words and on the characters),
whose decision values are combined by a multinomial logistic regression that gives the probabilities shown as the
coder's confidence. The stacking folds are grouped by transcript. Everything is scikit-learn and deterministic
(fixed seeds); training takes a few seconds.

Replies that go against MI
--------------------------
AnnoMI's therapists seldom confront, so the coder has no code for a confrontation ("You need to face the fact that
you're an alcoholic" reads as input or other). :meth:`ReplyCoder.code` therefore also runs the transparent rules of
:mod:`helpcourse.adherence` and returns their flag (confronting, a warning, persuading, advice without
permission) in :attr:`CodedReply.nonadherence`; the code itself is unchanged by it.

Caching and privacy
-------------------
:func:`load_coder` trains the coder at first use from the cached AnnoMI file and keeps it (a joblib file) in
the course cache (``helpcourse.data.cache_dir() / "coder"``), named after the data file's sha256, the
settings, this module's code and the scikit-learn version. A cache file that cannot be read, or holds something
else, is rebuilt. Coding a reply runs in the notebook's kernel (the student's machine, or the course server on a
JupyterHub): no text is sent anywhere else. The feedback printed in a graded notebook is saved with it.

Evaluation
----------
:func:`cross_validate_coder` scores the coder with cross-validation grouped by transcript (no session is
in both the training and the test folds): precision, recall and F1 per code, macro-F1 and a confusion
matrix. :func:`annotator_agreement` gives the yardstick: how well two expert annotators of AnnoMI agree
with each other on the transcripts they all coded.

References
----------
Wu, Z., Balloccu, S., Kumar, V., Helaoui, R., Reiter, E., Reforgiato Recupero, D., & Riboni, D. (2022).
AnnoMI: A dataset of expert-annotated counselling dialogues. *ICASSP 2022*, 6177-6181.
Wu, Z., Balloccu, S., Kumar, V., Helaoui, R., Reforgiato Recupero, D., & Riboni, D. (2023). Creation,
analysis and evaluation of AnnoMI, a dataset of expert-annotated counselling dialogues. *Future Internet,
15*(3), 110.
Wolpert, D. H. (1992). Stacked generalization. *Neural Networks, 5*(2), 241-259.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpcourse import data
from helpcourse.adherence import NonAdherence, flag_reply
from helpcourse.derived import kept_on_disk
from helpcourse.talk import RISK_TRANSCRIPTS

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "CODES",
    "CODE_EXPLANATIONS",
    "CODE_NAMES",
    "CODE_SUMMARIES",
    "CodedReply",
    "CoderAccuracy",
    "CoderEvaluation",
    "CoderSettings",
    "DEFAULT_SETTINGS",
    "HAND_FEATURES",
    "MEASURED_ACCURACY",
    "PRACTICE_EXCLUDED_TOPICS",
    "ReplyCoder",
    "accuracy_statement",
    "annotator_agreement",
    "coder_cache_path",
    "coder_training_table",
    "cross_validate_coder",
    "example_reflections",
    "hand_features",
    "last_sentences",
    "coder_when_ready",
    "load_coder",
    "practice_statements",
    "reply_feedback",
    "train_coder",
]

logger = logging.getLogger(__name__)

CODES: tuple[str, ...] = ("reflection", "question", "therapist_input", "other")
"""The four codes, in the order the course shows them."""

CODE_NAMES: dict[str, str] = {
    "reflection": "a reflection",
    "question": "a question",
    "therapist_input": "advice or information (input)",
    "other": "other (acknowledgement, affirmation, structuring)",
}
"""How each code is named to students ("Your reply reads as ...")."""

CODE_EXPLANATIONS: dict[str, str] = {
    "reflection": (
        "A reflection says back, as a statement, what the client said or seems to mean: \"It sounds like...\", "
        "\"You're worried that...\". It shows you have listened and invites the client to go on in their own "
        "words. A complex reflection adds a guess at the feeling or meaning beneath the words."
    ),
    "question": (
        "A question asks the client for information or for their view. Open questions (\"What would...?\", "
        "\"How...?\") invite the client to explore; closed ones (\"Do you...?\") get a short answer. Questions "
        "are useful, but a string of them turns the conversation into an interview."
    ),
    "therapist_input": (
        "Input gives the client something from you: information, advice, options or a plan (\"You should...\", "
        "\"Many people find...\"). Offered with the client's permission it can help; offered unasked it can "
        "make the client argue for the other side."
    ),
    "other": (
        "Other covers the rest: brief acknowledgements (\"Okay\", \"Mm-hmm\"), greetings, affirmations of the "
        "client's effort, and structuring the session. These keep the conversation going but do not yet show "
        "the client what you understood."
    ),
}
"""A short plain-language explanation of each code, shown with the coder's verdict."""

CODE_SUMMARIES: dict[str, str] = {
    "reflection": "it says back, as a statement, what the client said or seems to mean.",
    "question": "it asks the client for information or for their view, rather than saying back what you heard.",
    "therapist_input": "it gives the client something from you (advice, information, a plan) rather than saying "
    "back what you heard.",
    "other": "it acknowledges, affirms or structures the conversation, but does not yet say back what you "
    "understood.",
}
"""A one-line reason for each code, shown in the feedback on graded replies (:func:`reply_feedback`)."""

_ANNOMI_FILE = "AnnoMI-simple.csv"


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoderSettings:
    """The settings of the coder; the cache is keyed by them.

    Attributes
    ----------
    word_ngrams : tuple of int
        Range of word n-grams of the reply.
    char_ngrams : tuple of int
        Range of character n-grams (within word boundaries) of the reply.
    last_sentence_ngrams : tuple of int
        Range of word n-grams of the reply's last sentence.
    min_df : int
        An n-gram must occur in at least this many training utterances.
    client_weight : float
        Weight of the client statement's words relative to the reply's features.
    use_client_context : bool
        Use the client statement the reply answers (its words and the overlap with the reply).
    svm_c : float
        Regularisation of the linear SVMs (smaller is stronger).
    meta_c : float
        Regularisation of the logistic regression that combines them.
    stack_folds : int
        Folds (grouped by transcript) for the out-of-fold decision values the combiner learns from.
    seed : int
        Seed of every random choice (fold shuffling, SVM coordinate order).
    naive_bayes_views : tuple of str
        Views (of ``words``, ``characters``, ``last_sentence``, ``all``) that also get a multinomial naive Bayes
        model in the stack, beside their SVM; ``()`` for none.
    naive_bayes_alpha : float
        Additive smoothing of the naive Bayes models.
    """

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    last_sentence_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 2
    client_weight: float = 0.5
    use_client_context: bool = True
    svm_c: float = 0.05
    meta_c: float = 1.0
    stack_folds: int = 4
    seed: int = 0
    naive_bayes_views: tuple[str, ...] = ("words", "characters")
    naive_bayes_alpha: float = 0.1

    def key(self) -> str:
        """A short hash of the settings and of this module's code, used in the cache file name.

        Any change to the settings or to how features are computed gives a new key, so a coder cached by an
        earlier version of the course is never used.
        """
        text = json.dumps({"code": _module_digest(), **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _module_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


DEFAULT_SETTINGS = CoderSettings()
"""The committed settings: the ones evaluated in ``docs/CODER.md`` and used by the practice widget."""


# --------------------------------------------------------------------------------------------------
# Text features
# --------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|\s*(?:--|—)\s*")
_YOU = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yourself", "yours"})
_SELF = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "we", "we're", "we'll", "us", "our"})
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOP = _word_set(
    "a an and are as at be but by for from had has have he her his i if in is it its me my of on or our she so "
    "that the their them then there they this to uh um was we were what when which who will with would you your "
    "yeah okay mm hmm just like really know think kind sort well oh right"
)
HAND_FEATURES: tuple[str, ...] = (
    "client_length",
    "reply_words_from_client",
    "client_words_in_reply",
    "reply_tokens_in_client",
    "no_client_statement",
    "ends_with_question_mark",
    "has_question_mark",
    "you_words",
    "i_we_words",
    "sentences",
    "directive",
    "backchannel_words",
    "content_words",
)
_BACKCHANNEL = _word_set(
    "okay ok mm hmm uh huh yeah yes yep right sure alright great good wow oh ah ahh um fine cool excellent perfect "
    "nice thanks thank gotcha"
)
_DIRECTIVE = re.compile(
    r"\b(?:you (?:should|shouldn't|need to|must|ought to|'d better|had better|have got to|'ve got to|gotta)"
    r"|i (?:would |'d )?(?:suggest|recommend|advise)|my (?:advice|recommendation|suggestion)"
    r"|i (?:want|'d like|would like) you to)\b"
)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _content(tokens: Iterable[str]) -> set[str]:
    return {word for word in tokens if len(word) > 2 and word not in _STOP}


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(text.strip()) if part and part.strip(" -—")]


def last_sentences(texts: Iterable[str]) -> list[str]:
    """The last sentence of each text (where a closing question or summary usually sits)."""
    return [(_sentences(text) or [""])[-1] for text in texts]


def _hand_row(reply: str, client: str) -> list[float]:
    reply_tokens, client_tokens = _tokens(reply), _tokens(client)
    reply_content, client_content = _content(reply_tokens), _content(client_tokens)
    shared = reply_content & client_content
    client_set = set(client_tokens)
    sentences = _sentences(reply)
    n = max(len(reply_tokens), 1)
    scale = np.log1p(200.0)
    return [
        min(np.log1p(len(client_tokens)) / scale, 1.0),
        len(shared) / max(len(reply_content), 1),
        len(shared) / max(len(client_content), 1),
        sum(word in client_set for word in reply_tokens) / n,
        float(not client.strip()),
        float(bool(sentences) and sentences[-1].rstrip().endswith("?")),
        float("?" in reply),
        sum(word in _YOU for word in reply_tokens) / n,
        sum(word in _SELF for word in reply_tokens) / n,
        min(len(sentences), 6) / 6,
        float(bool(_DIRECTIVE.search(" ".join(reply_tokens)))),
        sum(word in _BACKCHANNEL for word in reply_tokens) / n,
        min(np.log1p(len(reply_content)) / scale, 1.0),
    ]


def hand_features(frame: pd.DataFrame) -> np.ndarray:
    """Thirteen features of a reply and the client statement it answers, each between 0 and 1.

    Parameters
    ----------
    frame
        Columns ``reply`` and ``client`` (str; ``client`` may be empty).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(frame), 13)``, columns as named in ``HAND_FEATURES``: the client statement's length
        (log scale), the share of the reply's content words taken from the client and vice versa, the share of
        reply tokens found in the client statement, no client statement, ends with / contains a question
        mark, share of "you" words and of "I/we" words, number of sentences (up to 6), and whether the
        reply tells the client what to do ("you should", "you need to", "I'd recommend", ...), the share of
        acknowledgement words ("okay", "mm-hmm", "yeah", ...) and the number of content words (log scale).
    """
    rows = [_hand_row(str(r), str(c)) for r, c in zip(frame["reply"], frame["client"], strict=True)]
    return np.asarray(rows, dtype=float).reshape(len(rows), len(HAND_FEATURES))


def _feature_union(settings: CoderSettings):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def tfidf(ngrams: tuple[int, int], analyzer: str = "word") -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer, ngram_range=tuple(ngrams), min_df=settings.min_df, sublinear_tf=True, dtype=np.float64
        )

    parts: list[tuple[str, Any, Any]] = [
        ("words", tfidf(settings.word_ngrams), "reply"),
        ("characters", tfidf(settings.char_ngrams, "char_wb"), "reply"),
        ("last_sentence", make_pipeline(FunctionTransformer(last_sentences), tfidf(settings.last_sentence_ngrams)),
         "reply"),
    ]
    weights = {}
    if settings.use_client_context:
        parts.append(("client", tfidf((1, 1)), "client"))
        weights["client"] = settings.client_weight
        parts.append(("overlap", FunctionTransformer(hand_features), ["reply", "client"]))
    else:
        parts.append(("overlap", FunctionTransformer(_reply_only_hand_features), ["reply", "client"]))
    return ColumnTransformer(parts, transformer_weights=weights, sparse_threshold=1.0)


def _reply_only_hand_features(frame: pd.DataFrame) -> np.ndarray:
    return hand_features(frame.assign(client=""))


# The base models of the stack: each sees some of the feature blocks.
_VIEWS: dict[str, tuple[str, ...]] = {
    "all": ("words", "characters", "last_sentence", "client", "overlap"),
    "words": ("words",),
    "characters": ("characters",),
    "last_sentence": ("last_sentence",),
    "context": ("client", "overlap"),
}


_NAIVE_BAYES = "naive_bayes_"


class _NaiveBayesView:
    """A multinomial naive Bayes model whose "decision values" are its log-probabilities, centred per reply."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def fit(self, matrix: sp.csr_matrix, codes: np.ndarray) -> _NaiveBayesView:
        from sklearn.naive_bayes import MultinomialNB

        self.model_ = MultinomialNB(alpha=self.alpha).fit(matrix, codes)
        self.classes_ = self.model_.classes_
        del self.model_.feature_count_  # not needed to predict; keeps the cached coder small
        return self

    def decision_function(self, matrix: sp.csr_matrix) -> np.ndarray:
        log_probability = self.model_.predict_log_proba(matrix)
        return log_probability - log_probability.mean(axis=1, keepdims=True)


class _StackedCoder:
    """Linear SVMs (and naive Bayes models) on several views of the features, combined by a logistic regression."""

    def __init__(self, settings: CoderSettings) -> None:
        self.settings = settings

    def _base_model(self, view: str):
        from sklearn.svm import LinearSVC

        if view.startswith(_NAIVE_BAYES):
            return _NaiveBayesView(self.settings.naive_bayes_alpha)
        return LinearSVC(C=self.settings.svm_c, class_weight="balanced", max_iter=5000, random_state=self.settings.seed)

    def _view_columns(self) -> dict[str, np.ndarray]:
        blocks = self.features_.output_indices_
        columns = {}
        views = {**_VIEWS, **{_NAIVE_BAYES + view: _VIEWS[view] for view in self.settings.naive_bayes_views}}
        for view, names in views.items():
            present = [np.arange(blocks[n].start, blocks[n].stop) for n in names if n in blocks]
            if present and sum(len(p) for p in present):
                columns[view] = np.concatenate(present)
        return columns

    def _views(self, matrix: sp.csr_matrix) -> dict[str, sp.csr_matrix]:
        """The columns of each view, sliced once per distinct set of columns (a naive Bayes view reuses its SVM's)."""
        sliced: dict[str, sp.csr_matrix] = {}
        views = {}
        for name, columns in self.view_columns_.items():
            key = name.removeprefix(_NAIVE_BAYES)
            if key not in sliced:
                whole = len(columns) == matrix.shape[1] and np.array_equal(columns, np.arange(matrix.shape[1]))
                sliced[key] = matrix if whole else matrix[:, columns]
            views[name] = sliced[key]
        return views

    def _meta_input(self, decisions: list[np.ndarray], matrix: sp.csr_matrix) -> np.ndarray:
        overlap = self.features_.output_indices_["overlap"]
        return np.hstack([*decisions, matrix[:, overlap].toarray()])

    def fit(self, frame: pd.DataFrame, codes: np.ndarray, groups: np.ndarray | None = None) -> _StackedCoder:
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        codes = np.asarray(codes, dtype=object).astype(str)
        self.features_ = _feature_union(self.settings)
        matrix = sp.csr_matrix(self.features_.fit_transform(frame))
        self.view_columns_ = self._view_columns()
        seed = self.settings.seed
        if groups is not None:
            splitter = StratifiedGroupKFold(n_splits=self.settings.stack_folds, shuffle=True, random_state=seed)
            splits = list(splitter.split(matrix, codes, groups))
        else:
            splitter = StratifiedKFold(n_splits=self.settings.stack_folds, shuffle=True, random_state=seed)
            splits = list(splitter.split(matrix, codes))
        n_codes = len(set(codes))
        views = self._views(matrix)
        out_of_fold = []
        for name, view in views.items():
            decision = np.zeros((len(codes), n_codes))
            for train, test in splits:
                decision[test] = self._base_model(name).fit(view[train], codes[train]).decision_function(view[test])
            out_of_fold.append(decision)
        self.views_ = {name: self._base_model(name).fit(view, codes) for name, view in views.items()}
        self.combiner_ = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.settings.meta_c, class_weight="balanced", max_iter=2000)
        )
        self.combiner_.fit(self._meta_input(out_of_fold, matrix), codes)
        self.classes_ = self.combiner_.classes_
        _drop_pruned_terms(self.features_)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        import scipy.sparse as sp  # with scikit-learn, in the background load (coder_when_ready)

        matrix = sp.csr_matrix(self.features_.transform(frame))
        decisions = [self.views_[name].decision_function(view) for name, view in self._views(matrix).items()]
        return self.combiner_.predict_proba(self._meta_input(decisions, matrix))


def _drop_pruned_terms(features) -> None:
    """Remove the list of pruned n-grams some scikit-learn versions keep (large, unused for prediction)."""
    for _, transformer, _ in features.transformers_:
        steps = getattr(transformer, "steps", [(None, transformer)])
        for _, step in steps:
            if hasattr(step, "stop_words_"):
                step.stop_words_ = None


# --------------------------------------------------------------------------------------------------
# Training data
# --------------------------------------------------------------------------------------------------


def coder_training_table(utterances: pd.DataFrame | None = None) -> pd.DataFrame:
    """AnnoMI's therapist utterances with the client statement each one answers.

    Parameters
    ----------
    utterances
        ``data.load_annomi_utterances("simple")`` (loaded when omitted).

    Returns
    -------
    pandas.DataFrame
        One row per therapist utterance (4,882 rows), in transcript order. Columns ``transcript_id``,
        ``utterance_id``, ``mi_quality``, ``topic``, ``reply`` (the therapist's words), ``client`` (the
        utterance just before it if the client said it, else an empty string) and ``code`` (the expert code,
        one of :data:`CODES`).
    """
    if utterances is None:
        utterances = data.load_annomi_utterances("simple")
    ordered = utterances.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)
    by_transcript = ordered.groupby("transcript_id", sort=False)
    before_text = by_transcript["utterance_text"].shift(1)
    before_who = by_transcript["interlocutor"].shift(1).astype(object)
    client = before_text.where(before_who == "client", "").fillna("").astype(str)
    therapist = ordered["interlocutor"] == "therapist"
    table = pd.DataFrame(
        {
            "transcript_id": ordered["transcript_id"],
            "utterance_id": ordered["utterance_id"],
            "mi_quality": ordered["mi_quality"],
            "topic": ordered["topic"],
            "reply": ordered["utterance_text"].astype(str),
            "client": client,
            "code": ordered["main_therapist_behaviour"].astype(object),
        }
    )[therapist.to_numpy()]
    table = table[table["code"].notna()].reset_index(drop=True)
    table["code"] = table["code"].astype(str)
    return table


def _annomi_sha256() -> str:
    path = data.fetch_file("annomi", _ANNOMI_FILE, progress=False)
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# The coder
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedReply:
    """How the coder reads one reply.

    Attributes
    ----------
    reply : str
        The reply that was coded.
    code : str
        The most probable code, one of :data:`CODES`.
    confidence : float
        The coder's probability for that code (0 to 1).
    probabilities : dict of str to float
        The probability of every code, in the order of :data:`CODES`.
    name : str
        The code as named to students (:data:`CODE_NAMES`).
    explanation : str
        A short plain-language explanation of the code (:data:`CODE_EXPLANATIONS`).
    nonadherence : NonAdherence or None
        The reply flagged as MI-non-adherent (confronting, a warning, persuading, advice without permission) by the
        rules of :mod:`helpcourse.adherence`, or None (most replies). Independent of the code: a confrontation can
        read as *other*, unasked advice as a reflection.
    """

    reply: str
    code: str
    confidence: float
    probabilities: dict[str, float]
    name: str
    explanation: str
    nonadherence: NonAdherence | None = None


@dataclass
class ReplyCoder:
    """A trained coder of helper replies. Make one with :func:`load_coder` (cached) or :func:`train_coder`.

    Attributes
    ----------
    settings : CoderSettings
        The settings it was trained with.
    data_sha256 : str
        sha256 of the AnnoMI file it was trained on.
    sklearn_version : str
        The scikit-learn version that trained it.
    n_training : int
        Number of therapist utterances it learned from.
    fit_seconds : float
        Wall-clock training time.
    """

    settings: CoderSettings
    data_sha256: str
    sklearn_version: str
    n_training: int
    fit_seconds: float
    model: Any = field(repr=False)

    @property
    def cache_key(self) -> str:
        """The key this coder is cached under (data file, settings, scikit-learn version)."""
        return _cache_key(self.data_sha256, self.settings, self.sklearn_version)

    def probabilities(self, replies: Sequence[str], clients: Sequence[str] | None = None) -> pd.DataFrame:
        """Probability of each code for each reply.

        Parameters
        ----------
        replies
            The replies to code.
        clients
            The client statement each reply answers (same length; empty strings or None when unknown).

        Returns
        -------
        pandas.DataFrame
            One row per reply, one column per code in the order of :data:`CODES`; rows sum to 1.
        """
        replies = [str(r) for r in replies]
        clients = [""] * len(replies) if clients is None else ["" if c is None else str(c) for c in clients]
        if len(clients) != len(replies):
            raise ValueError(f"got {len(replies)} replies but {len(clients)} client statements")
        if not replies:
            return pd.DataFrame(columns=list(CODES), dtype=float)
        frame = pd.DataFrame({"reply": replies, "client": clients})
        raw = self.model.predict_proba(frame)
        table = pd.DataFrame(raw, columns=list(self.model.classes_))
        return table[list(CODES)]

    def predict(self, replies: Sequence[str], clients: Sequence[str] | None = None) -> list[str]:
        """The most probable code of each reply (one of :data:`CODES`)."""
        table = self.probabilities(replies, clients)
        return [str(code) for code in table.idxmax(axis=1)]

    def code(self, reply: str, client: str = "", previous_helper: str = "") -> CodedReply:
        """Code one reply to a client statement, and flag it if it goes against MI.

        Parameters
        ----------
        reply
            What the helper says.
        client
            The client statement it answers (empty when unknown).
        previous_helper
            The helper's previous turn, before the client statement (empty when unknown). Only the
            non-adherence flag reads it: advice right after "Would it be OK if I shared...?" is not flagged.

        Returns
        -------
        CodedReply
            The code, the coder's confidence, every code's probability, a plain-language explanation and the
            non-adherence flag (:func:`helpcourse.adherence.flag_reply`, None when the reply is not flagged).

        Examples
        --------
        >>> coder = load_coder()  # doctest: +SKIP
        >>> coder.code("It sounds like you're worried about your drinking.").code  # doctest: +SKIP
        'reflection'
        """
        row = self.probabilities([reply], [client]).iloc[0]
        best = str(row.idxmax())
        return CodedReply(
            reply=reply,
            code=best,
            confidence=float(row[best]),
            probabilities={code: float(row[code]) for code in CODES},
            name=CODE_NAMES[best],
            explanation=CODE_EXPLANATIONS[best],
            nonadherence=flag_reply(reply, client=client or "", previous_helper=previous_helper or ""),
        )


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _fit_model(table: pd.DataFrame, settings: CoderSettings) -> _StackedCoder:
    frame = table[["reply", "client"]]
    return _StackedCoder(settings).fit(frame, table["code"].to_numpy(), groups=table["transcript_id"].to_numpy())


def train_coder(settings: CoderSettings = DEFAULT_SETTINGS, table: pd.DataFrame | None = None) -> ReplyCoder:
    """Train the coder on AnnoMI's therapist utterances (no cache; see :func:`load_coder`).

    Parameters
    ----------
    settings
        The model settings (default: the committed ones).
    table
        A training table as returned by :func:`coder_training_table` (built from the data when omitted).

    Returns
    -------
    ReplyCoder
        The trained coder. Training is deterministic: the same data and settings give the same coder.
    """
    sha = _annomi_sha256()
    if table is None:
        table = coder_training_table()
    started = time.perf_counter()
    model = _fit_model(table, settings)
    seconds = time.perf_counter() - started
    return ReplyCoder(
        settings=settings,
        data_sha256=sha,
        sklearn_version=_sklearn_version(),
        n_training=len(table),
        fit_seconds=seconds,
        model=model,
    )


def _cache_key(data_sha256: str, settings: CoderSettings, sklearn_version: str) -> str:
    return f"reply_coder_{data_sha256[:16]}_{settings.key()}_sklearn{sklearn_version}"


def coder_cache_path(settings: CoderSettings = DEFAULT_SETTINGS, cache_dir: Path | None = None) -> Path:
    """Where :func:`load_coder` keeps the trained coder for these settings.

    Parameters
    ----------
    settings
        The model settings.
    cache_dir
        The cache folder (default: ``helpcourse.data.cache_dir()``, which ``HELPCOURSE_CACHE_DIR`` sets).

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/coder/reply_coder_<data sha256>_<settings hash>_sklearn<version>.joblib``.
    """
    key = _cache_key(_annomi_sha256(), settings, _sklearn_version())
    folder = Path(cache_dir) if cache_dir is not None else data.cache_dir()
    return folder / "coder" / f"{key}.joblib"


def _read_cached(path: Path, expected_key: str) -> ReplyCoder | None:
    import joblib

    try:
        coder = joblib.load(path)
    except Exception as exc:  # an unreadable cache file is rebuilt
        logger.warning("rebuilding the reply coder: the cached file %s could not be read (%s)", path, exc)
        return None
    if not isinstance(coder, ReplyCoder) or coder.cache_key != expected_key:
        logger.warning("rebuilding the reply coder: the cached file %s holds something else", path)
        return None
    return coder


def load_coder(
    settings: CoderSettings = DEFAULT_SETTINGS, *, use_cache: bool = True, cache_dir: Path | None = None
) -> ReplyCoder:
    """The trained coder: from the cache if it is there, else trained now (a few seconds) and cached.

    Parameters
    ----------
    settings
        The model settings (default: the committed ones).
    use_cache
        Read and write the cache. False always trains and keeps nothing.
    cache_dir
        The cache folder (default: ``helpcourse.data.cache_dir()``); the coder is kept in its ``coder/``
        subfolder.

    Returns
    -------
    ReplyCoder
        The coder. A cached file that cannot be read, or that was made from other data, settings, course code
        or scikit-learn version, is not used: the coder is trained again and the file replaced.
    """
    if not use_cache:
        return train_coder(settings)
    path = coder_cache_path(settings, cache_dir)
    if path.is_file():
        coder = _read_cached(path, path.stem)
        if coder is not None:
            return coder
    logger.info("Training the reply coder on AnnoMI (first use only; a few seconds)")
    coder = train_coder(settings)
    try:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        joblib.dump(coder, partial, compress=3)
        os.replace(partial, path)
    except OSError as exc:
        logger.warning("could not cache the reply coder at %s (%s)", path, exc)
    return coder



#: In a kernel, the background load of the coder waits until no cell has run for this long (seconds), so that it
#: does not slow the cells of a Run All that come after the practice widget.
IDLE_BEFORE_LOADING = 0.5

_LOADING_LOCK = threading.Lock()
_loading: Future[ReplyCoder] | None = None
_needed_now = threading.Event()  # set when a reply waits for the coder: the load then starts at once


class _CellActivity:
    """When the kernel last ran a cell, from IPython's ``pre_run_cell`` and ``post_run_cell`` events."""

    def __init__(self) -> None:
        self.running = False
        self.last_finished = time.monotonic()

    def started(self, *_args: object) -> None:
        self.running = True

    def finished(self, *_args: object) -> None:
        self.running = False
        self.last_finished = time.monotonic()

    def idle_seconds(self) -> float:
        return 0.0 if self.running else time.monotonic() - self.last_finished


_activity: _CellActivity | None = None


def _cell_activity() -> _CellActivity | None:
    """The kernel's cell activity (watched from the first call on), or None outside IPython."""
    global _activity
    if _activity is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
        if shell is None:
            return None
        _activity = _CellActivity()
        shell.events.register("pre_run_cell", _activity.started)
        shell.events.register("post_run_cell", _activity.finished)
    return _activity


def _load_when_idle() -> ReplyCoder:
    activity = _cell_activity()
    while activity is not None and activity.idle_seconds() < IDLE_BEFORE_LOADING:
        if _needed_now.wait(0.05):
            break
    return load_coder()


class _CoderFuture(Future):  # type: ignore[type-arg]
    """A future whose ``result()`` asks for the coder at once (a reply is waiting for it)."""

    def result(self, timeout: float | None = None) -> ReplyCoder:
        _needed_now.set()
        return super().result(timeout)


def _start_loading() -> Future[ReplyCoder]:
    future = _CoderFuture()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(_load_when_idle())
        except BaseException as exc:  # handed to whoever asks for the coder
            future.set_exception(exc)

    threading.Thread(target=run, name="helpcourse-coder", daemon=True).start()
    return future


def coder_when_ready(coder: ReplyCoder | None = None) -> Future[ReplyCoder]:
    """The coder a practice widget uses, as a future: given, or the default one loading in the background.

    A practice widget appears at once and codes the first reply when the student submits it, seconds later; the
    default coder (:func:`load_coder`: scikit-learn and the cached model, about a second) loads meanwhile in a
    background thread, started by the first call in a Python session and shared by every later one. In a kernel the
    thread waits until no cell has run for :data:`IDLE_BEFORE_LOADING` seconds (after a Run All, while the student
    reads), unless a reply asks for the coder first. A load that failed (for example, no AnnoMI file) is tried
    again at the next call.

    Parameters
    ----------
    coder
        A trained coder to use instead (tests, or a coder with other settings).

    Returns
    -------
    concurrent.futures.Future
        Its ``result()`` is the coder (waiting for the load if it is still running) or raises the load's error.
    """
    if coder is not None:
        done: Future[ReplyCoder] = Future()
        done.set_result(coder)
        return done
    global _loading
    with _LOADING_LOCK:
        failed = _loading is not None and _loading.done() and _loading.exception() is not None
        if _loading is None or failed:
            _loading = _start_loading()
        return _loading


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


@dataclass
class CoderEvaluation:
    """Cross-validated performance of the coder (folds grouped by transcript).

    Attributes
    ----------
    settings : CoderSettings
        The settings evaluated.
    n_folds : int
        Number of folds.
    n_utterances, n_transcripts : int
        Therapist utterances and transcripts evaluated.
    per_code : pandas.DataFrame
        Index: the codes in the order of :data:`CODES`; columns ``precision``, ``recall``, ``f1``, ``support``.
    macro_f1 : float
        Unweighted mean of the four F1 scores.
    accuracy : float
        Share of utterances coded as the experts coded them.
    confusion : pandas.DataFrame
        Counts; rows are the expert codes, columns the coder's codes, both in the order of :data:`CODES`.
    predictions : pandas.DataFrame
        One row per utterance: ``transcript_id``, ``utterance_id``, ``fold``, ``code`` (expert),
        ``predicted``, ``confidence``.
    fit_seconds : list of float
        Training time of each fold.
    """

    settings: CoderSettings
    n_folds: int
    n_utterances: int
    n_transcripts: int
    per_code: pd.DataFrame
    macro_f1: float
    accuracy: float
    confusion: pd.DataFrame
    predictions: pd.DataFrame
    fit_seconds: list[float]


def cross_validate_coder(
    settings: CoderSettings = DEFAULT_SETTINGS, n_folds: int = 5, table: pd.DataFrame | None = None
) -> CoderEvaluation:
    """Score the coder with cross-validation grouped by transcript.

    Each fold trains a coder on the therapist utterances of some transcripts and codes those of the others
    (``StratifiedGroupKFold`` on ``transcript_id``: no session is in both the training and the test part,
    so the coder cannot score well by recognising a therapist's habits or a session's wording).

    Parameters
    ----------
    settings
        The model settings (default: the committed ones).
    n_folds
        Number of folds (5 in ``docs/CODER.md``).
    table
        A training table from :func:`coder_training_table` (built from the data when omitted).

    Returns
    -------
    CoderEvaluation
        Per-code precision, recall and F1, macro-F1, accuracy, the confusion matrix and every prediction.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
    from sklearn.model_selection import StratifiedGroupKFold

    if table is None:
        table = coder_training_table()
    table = table.reset_index(drop=True)
    codes = table["code"].to_numpy()
    groups = table["transcript_id"].to_numpy()
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=settings.seed)
    predicted = np.empty(len(table), dtype=object)
    confidence = np.zeros(len(table))
    fold_of = np.zeros(len(table), dtype=int)
    seconds = []
    for fold, (train, test) in enumerate(splitter.split(table, codes, groups)):
        started = time.perf_counter()
        model = _fit_model(table.iloc[train], settings)
        seconds.append(time.perf_counter() - started)
        probabilities = model.predict_proba(table.iloc[test][["reply", "client"]])
        best = probabilities.argmax(axis=1)
        predicted[test] = model.classes_[best]
        confidence[test] = probabilities[np.arange(len(test)), best]
        fold_of[test] = fold
    labels = list(CODES)
    precision, recall, f1, support = precision_recall_fscore_support(codes, predicted, labels=labels, zero_division=0)
    per_code = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1, "support": support}, index=labels)
    per_code.index.name = "code"
    matrix = confusion_matrix(codes, predicted, labels=labels)
    confusion = pd.DataFrame(matrix, index=pd.Index(labels, name="expert"), columns=pd.Index(labels, name="coder"))
    predictions = pd.DataFrame(
        {
            "transcript_id": table["transcript_id"],
            "utterance_id": table["utterance_id"],
            "fold": fold_of,
            "code": codes,
            "predicted": predicted.astype(str),
            "confidence": confidence,
        }
    )
    return CoderEvaluation(
        settings=settings,
        n_folds=n_folds,
        n_utterances=len(table),
        n_transcripts=int(pd.Series(groups).nunique()),
        per_code=per_code,
        macro_f1=float(np.mean(f1)),
        accuracy=float(np.mean(predicted == codes)),
        confusion=confusion,
        predictions=predictions,
        fit_seconds=seconds,
    )


def annotator_agreement() -> dict[str, float]:
    """How well AnnoMI's expert annotators agree with each other: the yardstick for the coder.

    Seven transcripts of the full AnnoMI file were coded by all ten annotators. For every pair of annotators
    this compares their codes of the same therapist utterances, taking one as the reference and the other as
    the "prediction".

    Returns
    -------
    dict
        ``macro_f1`` (mean over pairs, the same measure as the coder's), ``kappa`` (mean pairwise Cohen's
        kappa), ``accuracy`` (mean share of identical codes), ``n_pairs``, ``n_utterances`` (utterances
        coded by all) and ``n_transcripts``.
    """
    from sklearn.metrics import cohen_kappa_score, f1_score

    full = data.load_annomi_utterances("full")
    therapist = full[full["interlocutor"] == "therapist"]
    n_annotators = therapist.groupby("transcript_id")["annotator_id"].nunique()
    shared = therapist[therapist["transcript_id"].isin(n_annotators[n_annotators > 1].index)]
    wide = shared.pivot_table(
        index=["transcript_id", "utterance_id"],
        columns="annotator_id",
        values="main_therapist_behaviour",
        aggfunc="first",
        observed=True,
    ).astype(object)
    f1s, kappas, accuracies = [], [], []
    for first, second in combinations(wide.columns, 2):
        pair = wide[[first, second]].dropna()
        a, b = pair[first].astype(str), pair[second].astype(str)
        f1s.append(f1_score(a, b, labels=list(CODES), average="macro", zero_division=0))
        kappas.append(cohen_kappa_score(a, b))
        accuracies.append(float((a == b).mean()))
    return {
        "macro_f1": float(np.mean(f1s)),
        "kappa": float(np.mean(kappas)),
        "accuracy": float(np.mean(accuracies)),
        "n_pairs": len(f1s),
        "n_utterances": int(wide.dropna().shape[0]),
        "n_transcripts": int(wide.index.get_level_values("transcript_id").nunique()),
    }


# --------------------------------------------------------------------------------------------------
# Practice material
# --------------------------------------------------------------------------------------------------

_FRAGMENT = re.compile(r"^\s*[-—–]|[-—–]\s*$|\[(?:unintelligible|inaudible|crosstalk)", re.IGNORECASE)


def _is_whole(text: str) -> bool:
    return not _FRAGMENT.search(text)


#: Session topics left out of the practice material. The practice widget gives no risk guidance, so its client
#: statements and example reflections come from no session about self-harm or violence; statements that mention
#: suicide, self-harm or harming someone are left out of every other session too (:func:`_mentions_risk`).
#: Sessions that the course marks as touching on risk (:data:`helpcourse.talk.RISK_TRANSCRIPTS`: suicide mentioned,
#: drinking in pregnancy, besides self-harm and violence) are left out as a whole.
#: This filters only what the widget shows: the coder's training and evaluation use every utterance.
PRACTICE_EXCLUDED_TOPICS: tuple[str, ...] = ("self-harm", "violence")

_RISK_WORDS = re.compile(
    r"suicid|self[- ]?harm|overdos"
    r"|\b(?:kill|killing|cut|cutting|hurt|hurting|harm|harming) (?:my|him|her|your|them|our)sel(?:f|ves)\b"
    r"|\b(?:end|ending) (?:it all|my life)\b|\b(?:not|don't|do not) (?:want to |wanna )?(?:live|be here) any ?more\b"
    r"|\b(?:hit|hitting|beat|beating|punch|punched|punching|stab|stabbed|hurt|hurting|harm|harming)"
    r" (?:him|her|them|my (?:wife|husband|partner|girlfriend|boyfriend|kids?|son|daughter|child|children|mum|mom|"
    r"dad|mother|father))\b"
    r"|\bviolen|\b(?:domestic|child|sexual) abuse\b",
    re.IGNORECASE,
)


def _mentions_risk(text: str) -> bool:
    """Whether a text mentions suicide, self-harm or harming someone (kept out of the practice material)."""
    return bool(_RISK_WORDS.search(text))


def _risk_topic(topics: pd.Series) -> pd.Series:
    text = topics.astype(str).str.lower()
    return text.map(lambda topic: any(word in topic for word in PRACTICE_EXCLUDED_TOPICS))


def _risk_session(transcript_ids: pd.Series) -> pd.Series:
    """Whether each transcript is one the course marks as touching on risk (:data:`talk.RISK_TRANSCRIPTS`)."""
    return transcript_ids.astype(int).isin(RISK_TRANSCRIPTS)


def practice_statements(min_words: int = 12, max_words: int = 70) -> pd.DataFrame:
    """Client statements from AnnoMI to practise replying to, each with what the therapist said next.

    A statement qualifies when the client said it, it has ``min_words`` to ``max_words`` words, it is a whole
    utterance (not cut off at either end, nothing unintelligible), and the next utterance is the therapist's:
    a whole utterance of at least four words. The practice gives no risk guidance, so statements from sessions
    about self-harm or violence (:data:`PRACTICE_EXCLUDED_TOPICS`) or that the course marks as touching on risk
    (:data:`helpcourse.talk.RISK_TRANSCRIPTS`), and statements whose words or therapist reply mention suicide,
    self-harm or harming someone, are left out.

    Parameters
    ----------
    min_words, max_words
        Length range of the client statement, in words.

    Returns
    -------
    pandas.DataFrame
        One row per statement (about 730, from high- and low-quality sessions): ``transcript_id``,
        ``utterance_id``, ``mi_quality`` (high, low), ``topic``, ``client`` (the statement),
        ``therapist_reply`` (what the therapist said next) and ``therapist_code`` (its expert code). Built
        once per Python session; each call returns a fresh copy.
    """
    return _practice_statements(min_words, max_words)


@kept_on_disk(("annomi", "AnnoMI-simple.csv"))
def _practice_statements(min_words: int, max_words: int) -> pd.DataFrame:
    utterances = data.load_annomi_utterances("simple")
    ordered = utterances.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)
    by_transcript = ordered.groupby("transcript_id", sort=False)
    frame = pd.DataFrame(
        {
            "transcript_id": ordered["transcript_id"],
            "utterance_id": ordered["utterance_id"],
            "mi_quality": ordered["mi_quality"],
            "topic": ordered["topic"],
            "who": ordered["interlocutor"].astype(object),
            "client": ordered["utterance_text"].astype(str),
            "next_who": by_transcript["interlocutor"].shift(-1).astype(object),
            "therapist_reply": by_transcript["utterance_text"].shift(-1).fillna("").astype(str),
            "therapist_code": by_transcript["main_therapist_behaviour"].shift(-1).astype(object),
        }
    )
    words = frame["client"].str.split().str.len()
    reply_words = frame["therapist_reply"].str.split().str.len()
    keep = (
        (frame["who"] == "client")
        & (frame["next_who"] == "therapist")
        & words.between(min_words, max_words)
        & frame["client"].map(_is_whole)
        & frame["therapist_reply"].map(_is_whole)
        & (reply_words >= 4)
        & frame["therapist_code"].notna()
        & ~_risk_topic(frame["topic"])
        & ~_risk_session(frame["transcript_id"])
        & ~frame["client"].map(_mentions_risk)
        & ~frame["therapist_reply"].map(_mentions_risk)
    )
    chosen = frame[keep].drop(columns=["who", "next_who"]).reset_index(drop=True)
    chosen["therapist_code"] = chosen["therapist_code"].astype(str)
    return chosen


def example_reflections(min_words: int = 8, max_words: int = 45) -> pd.DataFrame:
    """Strong reflections to compare with: complex reflections from high-quality AnnoMI sessions.

    A complex reflection adds meaning or feeling to what the client said. An utterance qualifies when the
    experts' code (majority code of the simple file) is a reflection, the annotators who coded it as one
    called it complex, it answers a client statement of 4 to 60 words, both are whole utterances, and the
    reflection has ``min_words`` to ``max_words`` words and no question mark (so that it reads as a statement).
    As in :func:`practice_statements`, nothing comes from a session about self-harm or violence or one the course
    marks as touching on risk (:data:`helpcourse.talk.RISK_TRANSCRIPTS`), and no client
    statement or reflection that mentions suicide, self-harm or harming someone is used.

    Returns
    -------
    pandas.DataFrame
        ``transcript_id``, ``utterance_id``, ``topic``, ``client`` (what the client said) and ``reflection``
        (the therapist's complex reflection). Built once per Python session; each call returns a fresh copy.
    """
    return _example_reflections(min_words, max_words)


@kept_on_disk(("annomi", "AnnoMI-simple.csv"), ("annomi", "AnnoMI-full.csv"))
def _example_reflections(min_words: int, max_words: int) -> pd.DataFrame:
    table = coder_training_table()
    full = data.load_annomi_utterances("full")
    coded = full[(full["main_therapist_behaviour"] == "reflection") & full["reflection_subtype"].notna()]
    votes = (
        coded.assign(subtype=coded["reflection_subtype"].astype(str))
        .groupby(["transcript_id", "utterance_id", "subtype"])
        .size()
        .rename("votes")
        .reset_index()
        .sort_values(["transcript_id", "utterance_id", "votes", "subtype"], ascending=[True, True, False, True])
    )
    subtype = votes.drop_duplicates(["transcript_id", "utterance_id"])[["transcript_id", "utterance_id", "subtype"]]
    merged = table.merge(subtype, on=["transcript_id", "utterance_id"], how="inner")
    words = merged["reply"].str.split().str.len()
    keep = (
        (merged["code"] == "reflection")
        & (merged["subtype"] == "complex")
        & (merged["mi_quality"] == "high")
        & merged["client"].str.split().str.len().between(4, 60)
        & words.between(min_words, max_words)
        & ~merged["reply"].str.contains("?", regex=False)
        & merged["reply"].map(_is_whole)
        & merged["client"].map(_is_whole)
        & ~_risk_topic(merged["topic"])
        & ~_risk_session(merged["transcript_id"])
        & ~merged["client"].map(_mentions_risk)
        & ~merged["reply"].map(_mentions_risk)
    )
    chosen = merged[keep].rename(columns={"reply": "reflection"})
    return chosen[["transcript_id", "utterance_id", "topic", "client", "reflection"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Measured accuracy, and feedback on the replies of a graded exercise
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoderAccuracy:
    """How well the coder agrees with AnnoMI's experts on sessions it did not learn from.

    Attributes
    ----------
    n_folds : int
        Folds of the cross-validation grouped by transcript (:func:`cross_validate_coder`).
    n_utterances, n_transcripts : int
        Therapist utterances and sessions evaluated.
    macro_f1 : float
        Unweighted mean of the four codes' F1 scores.
    accuracy : float
        Share of utterances given the experts' code.
    f1 : dict of str to float
        F1 of each code, in the order of :data:`CODES`.
    low_confidence_accuracy : float
        Share given the experts' code among utterances coded with a confidence of 50% or less.
    annotator_macro_f1 : float
        The yardstick: mean macro-F1 of two expert annotators with each other (:func:`annotator_agreement`).
    """

    n_folds: int
    n_utterances: int
    n_transcripts: int
    macro_f1: float
    accuracy: float
    f1: dict[str, float]
    low_confidence_accuracy: float
    annotator_macro_f1: float


MEASURED_ACCURACY = CoderAccuracy(
    n_folds=5,
    n_utterances=4882,
    n_transcripts=133,
    macro_f1=0.756,
    accuracy=0.782,
    f1={"reflection": 0.731, "question": 0.829, "therapist_input": 0.588, "other": 0.876},
    low_confidence_accuracy=0.434,
    annotator_macro_f1=0.796,
)
"""The committed evaluation (``docs/CODER.md``, ``bench/coder_eval.py``): 5-fold cross-validation grouped by
transcript with :data:`DEFAULT_SETTINGS`. ``tests/test_coder.py`` re-runs it and checks every figure."""


def accuracy_statement(measured: CoderAccuracy = MEASURED_ACCURACY) -> str:
    """The coder's measured accuracy in plain words, for students.

    Parameters
    ----------
    measured
        The evaluation to describe (default: the committed one, :data:`MEASURED_ACCURACY`).

    Returns
    -------
    str
        One paragraph: how often the coder gives the experts' code on sessions it did not learn from, its F1 per
        code, how well two experts agree, and how often it is right when its confidence is 50% or less.
    """
    f1 = measured.f1
    return (
        f"How accurate is the coder? Tested on AnnoMI sessions it had not learnt from ({measured.n_folds}-fold "
        f"cross-validation grouped by session, {measured.n_utterances:,} therapist utterances), it gave the "
        f"experts' code to {100 * measured.accuracy:.0f}% of utterances (macro-F1 {measured.macro_f1:.2f}; F1 "
        f"{f1['reflection']:.2f} for reflections, {f1['question']:.2f} for questions, {f1['therapist_input']:.2f} "
        f"for input, {f1['other']:.2f} for other). Two expert annotators agree with each other at a macro-F1 of "
        f"{measured.annotator_macro_f1:.2f}. When its confidence is 50% or less, its code matches the experts' only "
        f"{100 * measured.low_confidence_accuracy:.0f}% of the time."
    )


def _reply_text(value: object) -> str | None:
    """The reply as text, or None when it is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())


def _load_quietly() -> ReplyCoder:
    """:func:`load_coder` without its log messages (a read-only cache is expected while grading)."""
    disabled = logger.disabled
    logger.disabled = True
    try:
        return load_coder()
    finally:
        logger.disabled = disabled


def reply_feedback(replies: Sequence[object], clients: Sequence[str], reply_coder: ReplyCoder | None = None) -> str:
    """How the coder reads each reply of a graded exercise: its code, confidence and a one-line reason.

    The text says that the coder is a practice aid and that a person gives the points. Nothing a student writes
    makes it raise: a missing or non-text reply gets a hint, and a coder that cannot be loaded or trained (for
    example in a kernel with no data and no cache) gives a message instead of the codes.

    Parameters
    ----------
    replies
        The student's replies (anything: an unanswered ``reply = ...`` arrives as ``Ellipsis``).
    clients
        The client statement each reply answers (same length; a different length is a ``ValueError``).
    reply_coder
        A trained coder (default: :func:`load_coder`, from the cache or trained now).

    Returns
    -------
    str
        Several lines: a heading that says the coder is not the grader, then one line per reply (``Reply 1 reads
        as a reflection (coder's confidence 87%): it says back, ...``), ending with one short sentence when the
        reply is flagged as MI-non-adherent (``It may also read as advice without permission ("You should join
        a").``: the first words that matched, :mod:`helpcourse.adherence`). The coder's measured accuracy is
        :func:`accuracy_statement`.
    """
    heading = (
        "What the automatic coder reads in your replies. It is a practice aid, not the grader: "
        "a person gives your points with the rubric, whatever the coder says."
    )
    texts = [_reply_text(reply) for reply in replies]
    clients = [str(client) for client in clients]
    if len(clients) != len(texts):
        raise ValueError(f"got {len(texts)} replies but {len(clients)} client statements")
    lines = [heading, ""]
    coded: dict[int, CodedReply] = {}
    problem = ""
    if any(text is not None for text in texts):
        try:
            model = reply_coder if reply_coder is not None else _load_quietly()
            coded = {i: model.code(text, clients[i]) for i, text in enumerate(texts) if text is not None}
        except Exception as exc:  # the feedback must never stop a notebook or its grading
            problem = f"{type(exc).__name__}: {exc}"[:200]
    for i, text in enumerate(texts):
        number = i + 1
        if text is None:
            given = replies[i]
            missing = given is Ellipsis or given is None or isinstance(given, str)
            lines.append(
                f"Reply {number}: {'no reply yet' if missing else 'not text'}. Write it in double quotes on one line, "
                f'for example reply_{number} = "It sounds like ...".'
            )
        elif i in coded:
            result = coded[i]
            caution = " Its confidence is low: take this code with caution." if result.confidence <= 0.5 else ""
            flag = result.nonadherence
            flagged = f' It may also read as {flag.name} ("{flag.matched}").' if flag is not None else ""
            lines.append(
                f"Reply {number} reads as {result.name} (coder's confidence {100 * result.confidence:.0f}%): "
                f"{CODE_SUMMARIES[result.code]}{caution}{flagged}"
            )
        else:
            lines.append(f"Reply {number}: not coded.")
    if problem:
        lines += ["", f"The automatic coder could not run here ({problem}). This does not change your grade: a "
                  "person reads and grades your replies with the rubric."]
    return "\n".join(lines)
