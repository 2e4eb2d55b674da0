"""Clustering: a household/switchboard phone must not chain different people together."""

import numpy as np

from linkage.cluster import guarded_clusters


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
