"""Clustering: a household/switchboard phone must not chain different people together."""

import numpy as np

from linkage.cluster import guarded_clusters, unscored_pairs


def test_bridge_record_does_not_chain_two_people():
    # 0 = 王伟 and 2 = 王芳 share a household phone with 1 (a bare "王先生" record): 0–1 and 1–2 score as
    # matches on the phone, but 0 and 2 disagree on given name, birth date and email.
    left, right = np.array([0, 1, 0]), np.array([1, 2, 2])
    weight = np.array([9.0, 8.0, -25.0])
    labels, refused = guarded_clusters(3, left, right, weight, weight > 5)
    assert labels[0] == labels[1] and labels[2] != labels[0]
    assert refused.tolist() == [False, True, False]


def test_true_cluster_of_many_duplicates_stays_whole():
    # An original and four corrupted copies: every copy matches the original; copies disagree mildly.
    left = np.array([0, 0, 0, 0, 1, 1, 2, 3])
    right = np.array([1, 2, 3, 4, 2, 3, 4, 4])
    weight = np.array([20.0, 18.0, 15.0, 12.0, -2.0, 3.0, 1.0, -1.0])
    labels, refused = guarded_clusters(5, left, right, weight, weight > 5)
    assert len(set(labels.tolist())) == 1 and not refused.any()


def test_unrelated_components_keep_separate_labels():
    labels, _ = guarded_clusters(
        5, np.array([0, 3]), np.array([1, 4]), np.array([10.0, 10.0]), np.array([True, True])
    )
    assert labels[0] == labels[1] and labels[3] == labels[4] and len(set(labels.tolist())) == 3


def test_veto_pair_keeps_groups_apart_even_when_the_average_is_positive():
    # Two strong bridges through record 1, one clear "different people" pair between 0 and 2.
    left, right = np.array([0, 1, 0]), np.array([1, 2, 2])
    weight = np.array([12.0, 11.0, -4.0])
    labels, _ = guarded_clusters(3, left, right, weight, weight > 5)
    assert len(set(labels.tolist())) == 1  # average (11 - 4) / 2 > 0
    labels, refused = guarded_clusters(3, left, right, weight, weight > 5, veto_weight=-2.5)
    assert labels[0] == labels[1] != labels[2] and refused[1]


def test_unscored_pairs_inside_components_give_the_guard_the_missing_evidence():
    # A chain 0–1–2–3–4 of strong matches (shared phones/mailboxes); blocking never paired the ends, so the
    # guard sees no contradiction and the chain becomes one customer.
    left, right = np.array([0, 1, 2, 3, 5]), np.array([1, 2, 3, 4, 6])
    weight = np.array([12.0, 9.0, 11.0, 12.0, 10.0])
    labels, _ = guarded_clusters(7, left, right, weight, weight > 5)
    assert len(set(labels[:5].tolist())) == 1
    # The unscored pairs inside components of ≥ 3 records (5–6 is a pair: nothing to add).
    a, b = unscored_pairs(7, left, right, weight > 5, max_size=10)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [
        (0, 2),
        (0, 3),
        (0, 4),
        (1, 3),
        (1, 4),
        (2, 4),
    ]
    assert len(unscored_pairs(7, left, right, weight > 5, max_size=4)[0]) == 0  # component over the limit
    # Scored, they say {0, 1} and {2, 3, 4} are different people: the weak bridge 1–2 is refused.
    cross = np.array([-20.0 if (x < 2) != (y < 2) else 8.0 for x, y in zip(a, b, strict=True)])
    labels, refused = guarded_clusters(
        7, np.r_[left, a], np.r_[right, b], np.r_[weight, cross], np.r_[weight, cross] > 5, veto_weight=-2.5
    )
    assert labels[0] == labels[1] != labels[2] == labels[3] == labels[4] and refused[1]


def test_a_pair_that_contradicts_nothing_is_no_evidence_against_a_join():
    """An order keyed by a CRM id (no field to compare) or an e-mail-only answer: the prior alone makes its
    pairs negative, which must not keep two CRM records of one person apart; a disagreeing name still does."""
    import numpy as np

    from linkage.cluster import guard_weights, guarded_clusters

    match_weight = np.array([-10.5, -2.9, -4.0, 20.0])
    weights = {
        "weight_name": np.array([0.0, 0.0, -6.0, 9.0]),  # pair 2: the names disagree
        "weight_email": np.array([0.0, 7.6, 0.0, 11.0]),
    }
    assert guard_weights(match_weight, weights).tolist() == [0.0, 0.0, -4.0, 20.0]
    # records 0 (CRM A), 1 (order keyed by A's id), 2 (CRM B, the same person as A): 0–1 reference, 0–2 match
    left, right = np.array([0, 0, 1]), np.array([1, 2, 2])
    weight = np.array([60.0, 5.0, -10.5])  # the order and CRM B share no field: the prior alone
    no_fields = {"weight_name": np.zeros(3), "weight_email": np.array([0.0, 7.0, 0.0])}
    is_match = np.array([True, True, False])
    labels, _ = guarded_clusters(3, left, right, weight, is_match, min_average_weight=0.0)
    assert labels[0] != labels[2]  # the raw weights keep them apart
    labels, _ = guarded_clusters(
        3, left, right, guard_weights(weight, no_fields), is_match, min_average_weight=0.0
    )
    assert labels[0] == labels[1] == labels[2]
