"""Applications built on `shared/`: sentiment classification and translation."""
