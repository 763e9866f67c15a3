//! Self-contained HTML report of annotations.
