"""Train a two-head network: the loss of both heads, the data feed, early stopping.

The network the user sees (``model_``) is a plain functional ``keras.Model``.
Training wraps it in :class:`TwoHeadTrainer`, which owns the combined loss (and
the learned per-head weights of ``loss_weighting="uncertainty"``), so the
network itself never needs custom objects to be saved or loaded. A faster
engine can replace :func:`train` without touching the estimator.
"""

import math

import numpy as np

from .exceptions import TrainingDivergedError


def _trainer_class():
    import keras
    from keras import ops

    class TwoHeadTrainer(keras.Model):
        """Wrap a two-head network and compute its weighted two-part loss.

        fixed:        L = L_amount + label_weight * L_label
        uncertainty:  L = 0.5 exp(-s_a) L_amount + 0.5 s_a
                          + label_weight * (exp(-s_l) L_label + 0.5 s_l)
        with learned log-variances s (Kendall, Gal and Cipolla, CVPR 2018).
        Each head's loss is the sample-weighted mean over the batch.
        """

        def __init__(self, network, amount_loss, label_loss, label_weight, uncertainty):
            super().__init__(name="two_head_trainer")
            self.network = network
            self.amount_loss = amount_loss
            self.label_loss = label_loss
            self.label_weight = float(label_weight)
            self.uncertainty = bool(uncertainty)
            if self.uncertainty:
                self.log_variances = self.add_weight(
                    shape=(2,), initializer="zeros", name="log_variances"
                )
            self.amount_tracker = keras.metrics.Mean(name="amount_loss")
            self.label_tracker = keras.metrics.Mean(name="label_loss")

        def call(self, inputs, training=False):
            return self.network(inputs, training=training)

        @staticmethod
        def _weighted_mean(loss_fn, y_true, y_pred, weight):
            per_sample = ops.reshape(loss_fn(y_true, y_pred), (-1,))
            weight = ops.cast(ops.reshape(weight, (-1,)), per_sample.dtype)
            return ops.sum(per_sample * weight) / ops.maximum(ops.sum(weight), 1e-12)

        def head_losses(self, y, y_pred, sample_weight):
            """``(total, amount, label)`` losses of one batch."""
            amount = self._weighted_mean(
                self.amount_loss, y["amount"], y_pred["amount"], sample_weight["amount"]
            )
            label = self._weighted_mean(
                self.label_loss, y["label"], y_pred["label"], sample_weight["label"]
            )
            if self.uncertainty:
                s_amount, s_label = self.log_variances[0], self.log_variances[1]
                total = 0.5 * ops.exp(-s_amount) * amount + 0.5 * s_amount
                total = total + self.label_weight * (
                    ops.exp(-s_label) * label + 0.5 * s_label
                )
            else:
                total = amount + self.label_weight * label
            if self.losses:
                total = total + ops.sum(self.losses)
            return total, amount, label

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            total, amount, label = self.head_losses(y, y_pred, sample_weight)
            batch = ops.shape(y["amount"])[0]
            self.amount_tracker.update_state(amount, sample_weight=batch)
            self.label_tracker.update_state(label, sample_weight=batch)
            return total

        def evaluate_losses(self, x, y, sample_weight, chunk=8192):
            """Validation losses over all rows, without touching any metric."""
            outputs = {"amount": [], "label": []}
            for start in range(0, len(x), chunk):
                out = self.network(x[start : start + chunk], training=False)
                for key in outputs:
                    outputs[key].append(out[key])
            y_pred = {k: ops.concatenate(v, axis=0) for k, v in outputs.items()}
            total, amount, label = self.head_losses(y, y_pred, sample_weight)
            return {
                "val_loss": float(total),
                "val_amount_loss": float(amount),
                "val_label_loss": float(label),
            }

        def head_weights(self):
            """Effective weight of each head's loss after training."""
            if not self.uncertainty:
                return {"amount": 1.0, "label": self.label_weight}
            # .numpy(): convert_to_numpy on a variable warns under NumPy 2.
            s = np.asarray(self.log_variances.numpy(), dtype=float)
            return {
                "amount": float(0.5 * np.exp(-s[0])),
                "label": float(self.label_weight * np.exp(-s[1])),
            }

    return TwoHeadTrainer


def _monitor_class():
    import keras

    class Monitor(keras.callbacks.Callback):
        """Stop on a non-finite loss; early-stop on the validation loss."""

        def __init__(self, validation_data, early_stopping, patience):
            super().__init__()
            self.validation_data = validation_data
            self.early_stopping = early_stopping
            self.patience = patience
            self.best = math.inf
            self.best_weights = None
            self.best_epoch = 0
            self.wait = 0
            self.epochs_run = 0
            self.diverged = None

        def on_epoch_end(self, epoch, logs=None):
            logs = logs if logs is not None else {}
            self.epochs_run = epoch + 1
            if self.validation_data is not None:
                # Computed here, before the other callbacks see the logs: one
                # forward pass, much cheaper than Keras's per-epoch evaluate().
                logs.update(self.model.evaluate_losses(*self.validation_data))
            bad = [
                key
                for key in ("amount_loss", "label_loss", "val_amount_loss", "val_label_loss")
                if key in logs and not np.isfinite(logs[key])
            ]
            if bad or not np.isfinite(logs.get("loss", 0.0)):
                heads = sorted({k.replace("val_", "").split("_")[0] for k in bad})
                self.diverged = (epoch + 1, heads or ["amount", "label"], dict(logs))
                self.model.stop_training = True
                return
            if not self.early_stopping:
                return
            current = logs["val_loss"]
            if current < self.best:
                self.best, self.best_epoch, self.wait = current, epoch + 1, 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.diverged is None and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return Monitor


def _tf_dataset(x, y, weights, batch_size, epochs, seed):
    """A tf.data feed: a fresh seeded permutation of the rows each epoch."""
    import tensorflow as tf

    n = len(x)
    rng = np.random.default_rng(seed)

    def orders():
        for _ in range(epochs):
            yield rng.permutation(n)

    x_t = tf.constant(x)
    y_t = {k: tf.constant(v) for k, v in y.items()}
    w_t = {k: tf.constant(v) for k, v in weights.items()}

    # Plain graph code: AutoGraph has nothing to convert (and would warn).
    @tf.autograph.experimental.do_not_convert
    def take(idx):
        return (
            tf.gather(x_t, idx),
            {k: tf.gather(v, idx) for k, v in y_t.items()},
            {k: tf.gather(v, idx) for k, v in w_t.items()},
        )

    @tf.autograph.experimental.do_not_convert
    def batches_of(order):
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    order_ds = tf.data.Dataset.from_generator(
        orders, output_signature=tf.TensorSpec(shape=(n,), dtype=tf.int64)
    )
    return order_ds.flat_map(batches_of).map(take).prefetch(2)


def _python_batches(x, y, weights, batch_size, epochs, seed):
    """The same feed as a Python generator, for the JAX and PyTorch backends."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            yield (
                x[idx],
                {k: v[idx] for k, v in y.items()},
                {k: v[idx] for k, v in weights.items()},
            )


def train(
    network,
    *,
    train_data,
    validation_data,
    amount_loss,
    label_loss,
    label_weight,
    uncertainty,
    optimizer,
    batch_size,
    epochs,
    early_stopping,
    n_iter_no_change,
    callbacks,
    seed,
    verbose,
):
    """Train ``network`` in place; return ``(history, n_iter, head_weights)``.

    ``train_data`` and ``validation_data`` are ``(x, y, weights)`` triples
    whose ``y`` and ``weights`` are dicts keyed ``"amount"`` and ``"label"``.
    Raises :class:`~skmulti.exceptions.TrainingDivergedError` when a loss
    stops being finite.
    """
    import keras

    trainer = _trainer_class()(network, amount_loss, label_loss, label_weight, uncertainty)
    x, y, weights = train_data
    batch_size = min(batch_size, len(x))
    steps = math.ceil(len(x) / batch_size)
    # One compiled call runs a whole epoch: tiny networks are dominated by the
    # per-step Python overhead otherwise.
    trainer.compile(optimizer=optimizer, steps_per_execution=steps, jit_compile=False)
    if keras.backend.backend() == "tensorflow":
        feed = _tf_dataset(x, y, weights, batch_size, epochs, seed)
    else:
        feed = _python_batches(x, y, weights, batch_size, epochs, seed)
    monitor = _monitor_class()(validation_data, early_stopping, n_iter_no_change)
    history = trainer.fit(
        feed,
        epochs=epochs,
        steps_per_epoch=steps,
        callbacks=[monitor, *callbacks],
        verbose=verbose,
        shuffle=False,
    )
    if monitor.diverged is not None:
        epoch, heads, logs = monitor.diverged
        shown = {k: float(v) for k, v in logs.items() if "loss" in k}
        raise TrainingDivergedError(
            f"Training diverged: the loss of the {' and '.join(heads)} head(s) was "
            f"not finite at epoch {epoch} (losses: {shown}). Lower learning_rate, "
            "check the scale of the amount (amount_transformer) and of X (scale "
            "features, e.g. StandardScaler in a Pipeline), or clip gradients with "
            "optimizer__clipnorm=1.0.",
            epoch=epoch,
            heads=heads,
        )
    record = {k: [float(v) for v in values] for k, values in history.history.items()}
    return record, monitor.epochs_run, trainer.head_weights(), monitor
