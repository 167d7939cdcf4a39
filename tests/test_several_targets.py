"""Several amounts and several labels in one estimator (issue 10)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_validate

from conftest import TINY
from skmulti import RegressorClassifier
from skmulti.exceptions import CollapseWarning
from skmulti.metrics import amount_scorer, combined_scorer, label_scorer
from skmulti.model_selection import LabelStratifiedKFold, LabelStratifiedShuffleSplit

pytestmark = pytest.mark.filterwarnings("ignore::skmulti.exceptions.CollapseWarning")


def make_several(n=120, seed=0):
    """X and a 5-column y: spend (amount), churn (0/1), count (amount), segment
    (3 classes, str), vip (bool, rare)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    spend = 3.0 * X[:, 0] - X[:, 1] + rng.normal(scale=0.1, size=n)
    churn = (X[:, 2] > 0).astype(int)
    count = np.round(np.exp(0.5 * X[:, 3]) * 3)
    segment = np.array(["a", "b", "c"])[np.digitize(X[:, 4], [-0.4, 0.4])]
    vip = X[:, 0] + X[:, 2] > 1.2
    y = pd.DataFrame({"spend": spend, "churn": churn, "count": count,
                      "segment": segment, "vip": vip})
    return X, y


@pytest.fixture(scope="module")
def several():
    X, y = make_several()
    est = RegressorClassifier(**TINY, amount_columns=["spend", "count"]).fit(X, y)
    return X, y, est


# -- the layout ------------------------------------------------------------------------


def test_two_columns_keep_todays_contract(xy):
    X, y = xy
    est = RegressorClassifier(**TINY).fit(X, y)
    assert est.amount_columns_ == [0] and est.label_columns_ == [1]
    assert isinstance(est.classes_, np.ndarray) and est.n_classes_ == 2
    pred = est.predict(X)
    assert pred.amount.shape == (60,) and pred.label.shape == (60,)
    assert est.predict_proba(X).shape == (60, 2)
    assert sorted(est.history_) == ["amount_loss", "label_loss", "loss", "val_amount_loss",
                                    "val_label_loss", "val_loss"]
    assert set(est.loss_weights_) == {"amount", "label"}


def test_default_layout_with_four_columns_is_one_amount_three_labels():
    X, y = make_several()
    y = y[["spend", "churn", "segment", "vip"]].to_numpy(dtype=object)
    est = RegressorClassifier(**TINY).fit(X, y)
    assert est.amount_columns_ == [0] and est.label_columns_ == [1, 2, 3]
    assert [c.tolist() for c in est.classes_] == [[0, 1], ["a", "b", "c"], [False, True]]
    assert est.n_classes_ == [2, 3, 2]
    pred = est.predict(X[:7])
    assert pred.amount.shape == (7,) and pred.label.shape == (7, 3)
    proba = est.predict_proba(X[:7])
    assert isinstance(proba, list) and [p.shape for p in proba] == [(7, 2), (7, 3), (7, 2)]
    for p, classes, labels in zip(proba, est.classes_, pred.label.T):
        np.testing.assert_array_equal(classes[p.argmax(axis=1)], labels)
    assert sorted(est.model_.output) == ["amount", "label_1", "label_2", "label_3"]
    assert est.model_.output["label_2"].shape == (None, 3)


def test_dataframe_names_select_amounts_and_name_heads(several):
    X, y, est = several
    assert est.amount_columns_ == ["spend", "count"]
    assert est.label_columns_ == ["churn", "segment", "vip"]
    heads = ["amount_spend", "amount_count", "label_churn", "label_segment", "label_vip"]
    assert [k[: -len("_loss")] for k in est.history_ if k.endswith("_loss")
            and not k.startswith("val_") and k != "loss"] == heads
    assert sorted(est.loss_weights_) == sorted(heads)
    assert sorted(est.model_.output) == sorted(heads)
    assert isinstance(est.amount_transformer_, list) and len(est.amount_transformer_) == 2


def test_prediction_has_ys_layout(several):
    X, y, est = several
    pred = est.predict(X)
    assert pred.amount.shape == (120, 2) and pred.label.shape == (120, 3)
    assert pred.amount_positions == (0, 2) and pred.label_positions == (1, 3, 4)
    table = np.asarray(pred)
    assert table.shape == (120, 5) and table.dtype == object
    np.testing.assert_array_equal(table[:, 0].astype(float), pred.amount[:, 0])
    np.testing.assert_array_equal(table[:, 2].astype(float), pred.amount[:, 1])
    assert table[:, 3].tolist() == pred.label[:, 1].tolist()
    assert {type(v) for v in table[:, 4].tolist()} <= {bool, np.bool_}


def test_labels_only_and_amounts_only():
    X, y = make_several()
    labels = RegressorClassifier(**TINY, amount_columns=[]).fit(X, y[["churn", "segment"]])
    pred = labels.predict(X)
    assert pred.amount.shape == (120, 0) and pred.label.shape == (120, 2)
    assert np.asarray(pred).shape == (120, 2)
    expected = np.mean([accuracy_score(y[c], pred.label_column(i))
                        for i, c in enumerate(["churn", "segment"])])
    assert labels.score(X, y[["churn", "segment"]]) == pytest.approx(expected)

    amounts = RegressorClassifier(**TINY, amount_columns=[0, 1]).fit(
        X, y[["spend", "count"]].to_numpy())
    pred = amounts.predict(X)
    assert pred.amount.shape == (120, 2) and pred.label.shape == (120, 0)
    assert amounts.classes_ == [] and amounts.predict_proba(X) == []
    expected = np.mean([r2_score(y[c], p) for c, p in zip(["spend", "count"], pred.amount.T)])
    assert amounts.score(X, y[["spend", "count"]].to_numpy()) == pytest.approx(expected)


def test_score_is_the_mean_over_columns(several):
    X, y, est = several
    pred = est.predict(X)
    parts = [r2_score(y["spend"], pred.amount[:, 0]), r2_score(y["count"], pred.amount[:, 1]),
             accuracy_score(y["churn"], pred.label_column(0)),
             accuracy_score(y["segment"], pred.label_column(1)),
             accuracy_score(y["vip"], pred.label_column(2))]
    assert est.score(X, y) == pytest.approx(np.mean(parts))


# -- weights, hurdle, loss weighting -------------------------------------------------


def _weights_seen(est, X, y):
    from skmulti import _training

    seen = {}
    original = _training.train

    def spy(source, **kwargs):
        names = [h.name for h in kwargs["heads"]]
        seen.update(zip(names, kwargs["train_data"][2]))
        seen["head_weights"] = dict(zip(names, kwargs["head_weights"]))
        return original(source, **kwargs)

    _training.train = spy
    try:
        est.fit(X, y)
    finally:
        _training.train = original
    return seen


def test_class_weight_list_weights_only_its_label():
    X, y = make_several()
    y = y[["spend", "churn", "vip", "segment"]]
    est = RegressorClassifier(**{**TINY, "early_stopping": False},
                              class_weight=[None, "balanced", None], label_weight=[1, 2, 0.5])
    seen = _weights_seen(est, X, y)
    np.testing.assert_array_equal(seen["label_churn"], np.ones(120))
    np.testing.assert_array_equal(seen["label_segment"], np.ones(120))
    np.testing.assert_array_equal(seen["amount"], np.ones(120))
    vip = y["vip"].to_numpy()
    share = vip.mean()
    np.testing.assert_allclose(seen["label_vip"], np.where(vip, 0.5 / share, 0.5 / (1 - share)))
    assert seen["head_weights"] == {"amount": 1.0, "label_churn": 1.0, "label_vip": 2.0,
                                    "label_segment": 0.5}
    assert est.loss_weights_ == seen["head_weights"]


def test_uncertainty_learns_one_weight_per_head(several):
    X, y, _ = several
    est = RegressorClassifier(**TINY, amount_columns=["spend", "count"],
                              loss_weighting="uncertainty").fit(X, y)
    assert len(est.loss_weights_) == 5
    assert all(w > 0 for w in est.loss_weights_.values())


def test_zero_amount_label_gates_every_amount():
    X, y = make_several()
    y = y[["spend", "count", "churn"]]
    est = RegressorClassifier(**TINY, amount_columns=["spend", "count"],
                              zero_amount_label=0).fit(X, y)
    pred = est.predict(X)
    zero = pred.label == 0
    assert zero.any() and (~zero).any()
    assert (pred.amount[zero] == 0).all()
    with pytest.raises(ValueError, match="zero_amount_label=0 needs exactly one label column"):
        RegressorClassifier(**TINY, zero_amount_label=0).fit(X, make_several()[1])


# -- bad input: clear errors, nothing changed ------------------------------------------


@pytest.mark.parametrize("params, match", [
    ({"amount_columns": [0, 0]}, "names the column 'spend' twice"),
    ({"amount_columns": ["spend", "spend"]}, "names the column 'spend' twice"),
    ({"amount_columns": ["nope"]}, "'nope' is not a column of y .*its columns are"),
    ({"amount_columns": [7]}, "position 7 is out of range .*5 column"),
    ({"amount_columns": "spend"}, "'amount_columns' parameter .*must be an array-like"),
    ({"class_weight": [None, "balanced"]}, "class_weight has 2 entries .*3 label"),
    ({"class_weight": {0: 2.0}}, "class_weight is one dict .*3 label columns"),
    ({"label_weight": [1.0]}, "label_weight has 1 entries .*3 label"),
    ({"label_weight": [1.0, -1.0, 1.0]}, "'label_weight' parameter .*between"),
    ({"monitor": "label"}, "'monitor' parameter .*'label_churn'"),
    ({"amount_columns": [0, 1, 2, 3, 4]}, "column 3, 'segment'\\) must be numeric"),
    ({"zero_amount_label": 0}, "needs exactly one label column"),
])
def test_bad_several_targets_clear_error_nothing_changed(several, params, match):
    X, y, fitted = several
    fresh = RegressorClassifier(**TINY, **{"amount_columns": ["spend", "count"], **params})
    with pytest.raises(ValueError, match=match):
        fresh.fit(X, y)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    # A fitted estimator whose failed refit must change nothing.
    before = {k: v for k, v in vars(fitted).items() if k.endswith("_") or k.startswith("_")}
    pred = np.asarray(fitted.predict(X))
    old = fitted.get_params(deep=False)
    try:
        with pytest.raises(ValueError, match=match):
            fitted.set_params(**params).fit(X, y)
    finally:
        fitted.set_params(**{k: old[k] for k in params})
    after = {k: v for k, v in vars(fitted).items() if k.endswith("_") or k.startswith("_")}
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(np.asarray(fitted.predict(X)), pred)


def test_names_need_a_dataframe():
    X, y = make_several()
    with pytest.raises(ValueError, match="'spend' is not a column of y .*no column names"):
        RegressorClassifier(**TINY, amount_columns=["spend"]).fit(X, y.to_numpy(dtype=object))


def test_one_class_label_column_is_named(several):
    X, y, est = several
    bad = y.assign(vip=True)
    before = est.predict(X)
    with pytest.raises(ValueError, match=r"label column of y \(column 4, 'vip'\) has only one"):
        est.fit(X, bad)
    np.testing.assert_array_equal(est.predict(X).amount, before.amount)


def test_score_with_other_columns_is_refused(several):
    X, y, est = several
    with pytest.raises(ValueError, match="y has 4 column.*fitted on a y of 5"):
        est.score(X, y.iloc[:, :4])


# -- everything else keeps working ------------------------------------------------------


def test_seeded_fits_identical_and_clone_pickle(several):
    X, y, est = several
    again = clone(est).fit(X, y)
    np.testing.assert_array_equal(again.predict(X).amount, est.predict(X).amount)
    for a, b in zip(again.predict_proba(X), est.predict_proba(X)):
        np.testing.assert_array_equal(a, b)
    twin = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(np.asarray(twin.predict(X)), np.asarray(est.predict(X)))
    assert twin.amount_columns_ == est.amount_columns_


def test_sequences_and_sample_weight_with_several_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4, 3))
    X[:10, :2] = np.nan  # padded timesteps
    y = np.column_stack([X[:, -1, 0], X[:, -1, 1] * 2, (X[:, -1, 2] > 0).astype(int),
                         (X[:, -1, 0] > 0).astype(int)])
    sw = rng.uniform(0.5, 2.0, size=80)
    est = RegressorClassifier(**TINY, amount_columns=[0, 1], recurrent_layer_sizes=(4,))
    est.fit(X, y, sample_weight=sw)
    pred = est.predict(X)
    assert pred.amount.shape == (80, 2) and pred.label.shape == (80, 2)
    assert est.X_shape_ == (80, 4, 3)


@pytest.mark.parametrize("monitor", ["heads", "label_segment", "loss"])
def test_early_stopping_monitors_every_head_or_one(several, monitor):
    X, y, _ = several
    est = RegressorClassifier(**{**TINY, "epochs": 6}, n_iter_no_change=2, monitor=monitor,
                              amount_columns=["spend", "count"]).fit(X, y)
    assert 1 <= est.best_epoch_ <= est.n_iter_
    assert len(est.history_["val_label_segment_loss"]) == est.n_iter_


def test_collapse_warning_names_the_column():
    X, y = make_several()
    est = RegressorClassifier(**{**TINY, "early_stopping": False},
                              activation=lambda x: 0.0 * x, amount_columns=["spend", "count"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollapseWarning)
        est.fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, CollapseWarning)]
    assert any(m.startswith("The label head 'label_segment' (column 'segment' of y) collapsed")
               for m in messages), messages
    assert any(m.startswith("The amount head 'amount_count' (column 'count' of y) collapsed")
               for m in messages), messages


def test_custom_builder_gets_the_heads_in_meta(several):
    import keras

    X, y, _ = several

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        h = keras.layers.Dense(8, activation="relu")(inputs)
        outputs = {}
        for head in meta["heads_"]:
            activation = None if head.kind == "amount" else (
                "sigmoid" if head.units == 1 else "softmax")
            outputs[head.name] = keras.layers.Dense(head.units, activation=activation,
                                                    name=head.name)(h)
        return keras.Model(inputs, outputs)

    est = RegressorClassifier(build, **TINY, amount_columns=["spend", "count"]).fit(X, y)
    assert est.predict(X).label.shape == (120, 3)

    def wrong(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        return keras.Model(inputs, {"amount": keras.layers.Dense(1)(inputs),
                                    "label": keras.layers.Dense(1, activation="sigmoid")(inputs)})

    with pytest.raises(ValueError, match="expects exactly 5 named 'amount_spend', "
                                         "'amount_count', 'label_churn'"):
        RegressorClassifier(wrong, **TINY, amount_columns=["spend", "count"]).fit(X, y)


def test_engine_cache_reuses_programs_across_folds(several):
    import skmulti

    X, y, est = several
    skmulti.clear_engine_cache()
    cross_validate(clone(est), X, y, cv=3)
    info = skmulti.engine_cache_info()
    assert info["hits"] >= 2 and info["misses"] <= 1 + 2  # fold sizes may bucket apart


# -- scorers and splitters ------------------------------------------------------------------


def test_scorers_pick_or_average_columns(several):
    X, y, est = several
    pred = est.predict(X)
    r2 = [r2_score(y["spend"], pred.amount[:, 0]), r2_score(y["count"], pred.amount[:, 1])]
    assert amount_scorer("r2")(est, X, y) == pytest.approx(np.mean(r2))
    assert amount_scorer("r2", column=1)(est, X, y) == pytest.approx(r2[1])
    assert amount_scorer("r2", column="count")(est, X, y) == pytest.approx(r2[1])
    acc = accuracy_score(y["segment"], pred.label[:, 1].astype(str))
    assert label_scorer("accuracy", column="segment")(est, X, y) == pytest.approx(acc)
    auc = label_scorer("roc_auc", column=0)(est, X, y)
    assert 0.0 <= auc <= 1.0
    assert combined_scorer()(est, X, y) == pytest.approx(
        0.5 * amount_scorer()(est, X, y) + 0.5 * label_scorer()(est, X, y))
    with pytest.raises(ValueError, match="column=5.*3 label column"):
        label_scorer(column=5)(est, X, y)
    with pytest.raises(ValueError, match="'nope'\\): not an amount column"):
        amount_scorer(column="nope")(est, X, y)
    assert repr(label_scorer("f1", column=2)) == "label_scorer('f1', column=2)"


def test_stratified_splitters_use_joint_labels():
    X, y = make_several(240)
    y = y[["spend", "churn", "segment"]]
    joint = y["churn"].astype(str) + y["segment"]
    for train, test in LabelStratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        shares = joint.iloc[test].value_counts(normalize=True)
        overall = joint.value_counts(normalize=True)
        assert (shares - overall).abs().max() < 0.05
    one = LabelStratifiedShuffleSplit(2, test_size=0.25, random_state=0, column="segment")
    for _, test in one.split(X, y):
        shares = y["segment"].iloc[test].value_counts(normalize=True)
        overall = y["segment"].value_counts(normalize=True)
        assert (shares - overall).abs().max() < 0.02
    with pytest.raises(ValueError, match="column='vip'.*label columns are"):
        list(LabelStratifiedKFold(2, column="vip").split(X, y))
    with pytest.raises(ValueError, match="y has none"):
        list(LabelStratifiedKFold(2, amount_columns=["spend"]).split(X, y[["spend"]]))


@pytest.mark.slow
def test_grid_search_with_a_column_scorer(several):
    X, y, _ = several
    search = GridSearchCV(
        RegressorClassifier(**TINY, amount_columns=["spend", "count"]),
        {"label_weight": [[1, 1, 1], [1, 3, 1]]},
        scoring={"seg": label_scorer("balanced_accuracy", column="segment"),
                 "r2": amount_scorer("r2")},
        refit="seg", cv=LabelStratifiedKFold(2, amount_columns=["spend", "count"]),
    ).fit(X, y)
    assert search.best_estimator_.predict(X).label.shape == (120, 3)
    assert set(search.cv_results_) >= {"mean_test_seg", "mean_test_r2"}
