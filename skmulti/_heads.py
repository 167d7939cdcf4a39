"""What a head is: one output of the network for one column of ``y``.

A :class:`Head` is defined here once and read everywhere else: the target
encoder makes one per column of ``y``, the network builds one output per head
(named ``head.name``), the engine computes one loss per head, and the
diagnostics, scorers and history speak of heads by their names.
"""

import re
from dataclasses import dataclass, replace

AMOUNT = "amount"
LABEL = "label"
KINDS = (AMOUNT, LABEL)

#: Characters a head's name keeps from a DataFrame column name; others become "_".
_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")


@dataclass(frozen=True)
class Head:
    """One output of the network and the column of ``y`` it predicts.

    Parameters
    ----------
    name : str
        The network's output name: ``"amount"`` / ``"label"`` when ``y`` has one
        column of that kind, else ``"amount_<column>"`` / ``"label_<column>"``
        (see :func:`head_name`).
    kind : {"amount", "label"}
    column : int or str
        The column of ``y``: its position, or its name for a DataFrame ``y``.
    position : int
        Its position among the columns of ``y``.
    units : int, default=1
        Output units: 1 for an amount; 1 (sigmoid) for a 2-class label, else
        ``n_classes``.
    loss : str, default="squared_error"
        The amount loss (one of ``_network.AMOUNT_LOSSES``), or for a label
        ``"binary_crossentropy"`` (1 unit) or
        ``"sparse_categorical_crossentropy"``.
    activation : str or None, default=None
        The output's activation: ``"sigmoid"``/``"softmax"`` for labels that
        output probabilities, None for a linear output (logits for a label),
        ``"exponential"`` for the log-link amount losses.

    Examples
    --------
    >>> from skmulti._heads import Head
    >>> head = Head("label", "label", 1, 1, units=3,
    ...             loss="sparse_categorical_crossentropy", activation="softmax")
    >>> head.is_label, head.from_logits, head.signature
    (True, False, ('label', 'label', 3, 'sparse_categorical_crossentropy', 'softmax'))
    """

    name: str
    kind: str
    column: object
    position: int
    units: int = 1
    loss: str = "squared_error"
    activation: object = None

    @property
    def is_label(self):
        return self.kind == LABEL

    @property
    def from_logits(self):
        """Whether a label head outputs logits (a linear output) rather than probabilities."""
        return self.is_label and self.activation in (None, "linear")

    @property
    def sparse_codes(self):
        """Whether the label target is an integer class code (softmax) or a 0/1 float."""
        return self.is_label and self.units > 1

    @property
    def signature(self):
        """What of the head shapes compiled training code (not its column)."""
        return (self.name, self.kind, self.units, self.loss, self.activation)

    def describe(self):
        """The head in words, for messages: ``"the label head ('churn', column 2)"``."""
        return f"the {self.kind} head {self.name!r} (column {self.column!r} of y)"

    def with_output(self, units, activation):
        """The same head with the units and activation a custom network gave it."""
        if self.is_label:
            loss = "binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy"
            return replace(self, units=units, activation=activation, loss=loss)
        return replace(self, units=units, activation=activation)


def head_name(kind, column, n_of_kind):
    """The output name of the head of ``column``, a column of kind ``kind``.

    Parameters
    ----------
    kind : {"amount", "label"}
    column : int or str
        The column's position in ``y``, or its DataFrame name.
    n_of_kind : int
        How many columns of ``y`` are of this kind.

    Returns
    -------
    str
        ``kind`` alone when it has one column (``"amount"``, ``"label"``: the
        names of a two-column ``y``), else ``f"{kind}_{column}"`` with the
        characters other than letters, digits, ``_``, ``.`` and ``-`` replaced
        by ``_``.

    Examples
    --------
    >>> from skmulti._heads import head_name
    >>> head_name("label", 1, 1), head_name("label", 3, 2), head_name("amount", "spend €", 2)
    ('label', 'label_3', 'amount_spend__')
    """
    if n_of_kind == 1:
        return kind
    return f"{kind}_{_UNSAFE.sub('_', str(column))}"


def label_head(name, column, position, n_classes):
    """The built-in head of a label column with ``n_classes`` classes."""
    if n_classes == 2:
        return Head(name, LABEL, column, position, 1, "binary_crossentropy", "sigmoid")
    return Head(name, LABEL, column, position, n_classes,
                "sparse_categorical_crossentropy", "softmax")


def amount_head(name, column, position, loss, *, positive):
    """The built-in head of an amount column (exponential output for a log link)."""
    return Head(name, AMOUNT, column, position, 1, loss,
                "exponential" if positive else None)


def of_kind(heads, kind):
    """The heads of one kind, in order."""
    return tuple(h for h in heads if h.kind == kind)
