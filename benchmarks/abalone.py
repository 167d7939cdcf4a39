"""skmulti against the baselines of ../shared/bench on abalone, in one run.

Same five 67/33 splits (random_state 1..5) as the baselines. Runs, per split:
the hand-written Keras two-head script users write today (../shared/bench/tutorial_keras.py,
run as a subprocess, unchanged), the separate scikit-learn models a user would pick instead,
and skmulti. Prints MAE (rings), accuracy (rings as a class) and fit seconds, then the
ratios to the Keras script. Times on shared machines are noisy: read the ratios.

    python benchmarks/abalone.py [PATH_TO_ABALONE_CSV] [--quick]
"""

import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.metrics import accuracy_score, mean_absolute_error  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from skmulti import RegressorClassifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NAMES = ["sex", "length", "diameter", "height", "whole", "shucked", "viscera", "shell",
         "rings"]


def preprocess():
    return make_column_transformer((OneHotEncoder(), ["sex"]), remainder=StandardScaler())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    path = Path(args[0]) if args else SHARED / "data" / "abalone.csv"
    seeds = [1, 2] if quick else [1, 2, 3, 4, 5]
    df = pd.read_csv(path, header=None, names=NAMES)
    X = df.drop(columns="rings")
    rings = df["rings"].to_numpy()
    y = pd.DataFrame({"rings": rings.astype(float), "rings_class": rings})
    rows = {k: [] for k in ("keras script", "sklearn MLP pair", "skmulti")}
    for seed in seeds:
        # 1. The hand-written Keras script, unchanged, in its own process.
        script = SHARED / "bench" / "tutorial_keras.py"
        out = subprocess.run(
            [sys.executable, str(script), str(path), str(seed)],
            capture_output=True, text=True, check=True,
        ).stdout
        m = re.search(r"mae=([\d.]+) acc=([\d.]+) fit_s=([\d.]+)", out)
        rows["keras script"].append(tuple(float(v) for v in m.groups()))

        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.33, random_state=seed)
        # 2. Two separate scikit-learn models (the strongest MLP pair of the baselines).
        reg = make_pipeline(preprocess(), MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=300,
                                                       early_stopping=True, random_state=0))
        clf = make_pipeline(preprocess(), MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=300,
                                                        early_stopping=True, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            reg.fit(Xtr, ytr["rings"])
            clf.fit(Xtr, ytr["rings_class"])
            fit_s = time.perf_counter() - t
        rows["sklearn MLP pair"].append((
            mean_absolute_error(yte["rings"], reg.predict(Xte)),
            accuracy_score(yte["rings_class"], clf.predict(Xte)),
            fit_s,
        ))

        # 3. skmulti: one network, defaults, in a Pipeline.
        est = make_pipeline(preprocess(), RegressorClassifier(random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            est.fit(Xtr, ytr)
            fit_s = time.perf_counter() - t
        pred = est.predict(Xte)
        rows["skmulti"].append((
            mean_absolute_error(yte["rings"], pred.amount),
            accuracy_score(yte["rings_class"], pred.label),
            fit_s,
        ))
        print(f"split {seed}: " + "; ".join(
            f"{k} mae={v[-1][0]:.3f} acc={v[-1][1]:.3f} fit={v[-1][2]:.1f}s"
            for k, v in rows.items()), file=sys.stderr, flush=True)

    base = np.mean(rows["keras script"], axis=0)
    print(f"abalone, {len(seeds)} splits (67/33, random_state {seeds[0]}..{seeds[-1]})")
    print(f"{'system':20s} {'MAE':>12s} {'accuracy':>12s} {'fit s':>8s} "
          f"{'MAE ratio':>10s} {'time ratio':>10s}")
    for name, values in rows.items():
        v = np.asarray(values)
        mean, std = v.mean(axis=0), v.std(axis=0)
        print(f"{name:20s} {mean[0]:6.3f}±{std[0]:.3f} {mean[1]:6.3f}±{std[1]:.3f} "
              f"{mean[2]:8.2f} {mean[0] / base[0]:10.3f} {mean[2] / base[2]:10.3f}")
    print("(ratios are to the hand-written Keras script, measured in this run)")


if __name__ == "__main__":
    main()
