"""Why ``alpha=0.1``: the L2 penalty's effect on abalone, for skmulti and the MLP pair.

    PYTHONPATH=. python benchmarks/alpha.py [PATH_TO_ABALONE_CSV] [--quick]
        [--backend tensorflow|jax]

The splits and preprocessing of ``default_vs_mlp.py`` (one-hot sex +
StandardScaler, 67/33, random_state 1..5; --quick: 1..2). For each ``alpha``:

* skmulti: ``RegressorClassifier(alpha=alpha, random_state=rs)``, every other
  parameter at its default, ``rs`` in 0, 1 (--quick: 0);
* scikit-learn's ``MLPClassifier`` (64, 64), ``early_stopping=True``,
  ``max_iter=300``, ``random_state`` in 0, 1 (--quick: 0): the classifier of
  the benchmarks' MLP pair, with the same ``alpha`` (the same penalty: 0.5 *
  alpha * sum(kernel ** 2) / batch size; batch 32 for skmulti, 200 for the
  MLP, scikit-learn's default).

Prints MAE (skmulti only) and label accuracy, means over splits and seeds, and
skmulti's total fit seconds. ``alpha=1e-4`` is scikit-learn's default, 0.1
skmulti's.
"""

import numpy as np

import _common as C

ALPHAS = (0.0, 1e-4, 0.01, 0.1, 1.0)


def main():
    args = C.parse_args(__doc__, path=True)
    from sklearn.metrics import accuracy_score, mean_absolute_error
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    from skmulti import RegressorClassifier

    C.print_header("alpha (L2 penalty) on abalone: skmulti and MLPClassifier (64, 64)", args)
    C.quiet_warnings()
    X, rings = C.load_abalone(args.path)
    y = C.abalone_target(rings)
    splits = [1, 2] if args.quick else [1, 2, 3, 4, 5]
    states = [0] if args.quick else [0, 1]
    rows = []
    for alpha in ALPHAS:
        sk, mlp, seconds = [], [], 0.0
        for split in splits:
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.33, random_state=split)
            for rs in states:
                est = make_pipeline(C.abalone_preprocess(),
                                    RegressorClassifier(alpha=alpha, random_state=rs))
                with C.Timer() as t:
                    est.fit(Xtr, ytr)
                seconds += t.s
                pred = est.predict(Xte)
                sk.append((mean_absolute_error(yte["rings"], pred.amount),
                           accuracy_score(yte["rings_class"], pred.label)))
                clf = make_pipeline(C.abalone_preprocess(), MLPClassifier(
                    hidden_layer_sizes=(64, 64), alpha=alpha, early_stopping=True,
                    max_iter=300, random_state=rs))
                clf.fit(Xtr, ytr["rings_class"])
                mlp.append(accuracy_score(yte["rings_class"], clf.predict(Xte)))
        sk = np.asarray(sk)
        rows.append((f"{alpha:g}", float(sk[:, 0].mean()), float(sk[:, 1].mean()),
                     float(sk[:, 1].std()), float(np.mean(mlp)), seconds))
        C.log(f"alpha={alpha:g}: skmulti mae={sk[:, 0].mean():.3f} "
              f"acc={sk[:, 1].mean():.3f}; MLPClassifier acc={np.mean(mlp):.3f}")
    print(f"\nabalone, {len(splits)} splits x random_state {states}")
    C.print_table(["alpha", "skmulti MAE", "skmulti accuracy", "(std)",
                   "MLPClassifier accuracy", "skmulti fit s"], rows)


if __name__ == "__main__":
    main()
