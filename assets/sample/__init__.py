"""Sample data: a messy multi-source delivery about one set of true customers, with ground truth."""

from assets.sample.generate import generate_sample

__all__ = ["generate_sample"]
