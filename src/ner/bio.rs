//! From word labels (B-/I-/O tags) to entity spans over words.

/// A tag of the BIO scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag<'a> {
    Outside,
    Begin(&'a str),
    Inside(&'a str),
}

/// Parses "O", "B-PER", "I-LOC"...; anything else counts as O.
pub fn parse_tag(tag: &str) -> Tag<'_> {
    match tag.split_once('-') {
        Some(("B", t)) if !t.is_empty() => Tag::Begin(t),
        Some(("I", t)) if !t.is_empty() => Tag::Inside(t),
        _ => Tag::Outside,
    }
}

/// An entity over words `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

/// Decodes tags conlleval-style: an I- without a B- before it, or after a different type,
/// starts a new entity; B- always starts one.
pub fn decode<S: AsRef<str>>(tags: &[S]) -> Vec<WordSpan> {
    let mut spans: Vec<WordSpan> = Vec::new();
    let mut open: Option<WordSpan> = None;
    for (i, tag) in tags.iter().enumerate() {
        match parse_tag(tag.as_ref()) {
            Tag::Outside => spans.extend(open.take()),
            Tag::Begin(t) => {
                spans.extend(open.take());
                open = Some(WordSpan { start: i, end: i + 1, label: t.to_string() });
            }
            Tag::Inside(t) => match &mut open {
                Some(span) if span.label == t => span.end = i + 1,
                _ => {
                    spans.extend(open.take());
                    open = Some(WordSpan { start: i, end: i + 1, label: t.to_string() });
                }
            },
        }
    }
    spans.extend(open);
    spans
}

/// Best tag sequence under the BIO constraint (I-X only after B-X or I-X), from per-word
/// log-probabilities `scores[word][tag]` over `labels` (Viterbi).
pub fn constrained_argmax(scores: &[Vec<f32>], labels: &[String]) -> Vec<usize> {
    let n = scores.len();
    let k = labels.len();
    if n == 0 || k == 0 {
        return Vec::new();
    }
    let tags: Vec<Tag> = labels.iter().map(|l| parse_tag(l)).collect();
    let allowed = |prev: Option<usize>, cur: usize| match tags[cur] {
        Tag::Inside(t) => match prev.map(|p| tags[p]) {
            Some(Tag::Begin(p)) | Some(Tag::Inside(p)) => p == t,
            _ => false,
        },
        _ => true,
    };
    let neg = f32::NEG_INFINITY;
    let mut best = vec![vec![neg; k]; n];
    let mut back = vec![vec![0usize; k]; n];
    for c in 0..k {
        if allowed(None, c) {
            best[0][c] = scores[0][c];
        }
    }
    for i in 1..n {
        for c in 0..k {
            for p in 0..k {
                if best[i - 1][p] == neg || !allowed(Some(p), c) {
                    continue;
                }
                let s = best[i - 1][p] + scores[i][c];
                if s > best[i][c] {
                    best[i][c] = s;
                    back[i][c] = p;
                }
            }
        }
    }
    let mut path = vec![0; n];
    path[n - 1] = (0..k).max_by(|&a, &b| best[n - 1][a].total_cmp(&best[n - 1][b])).unwrap_or(0);
    for i in (1..n).rev() {
        path[i - 1] = back[i][path[i]];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(tags: &[&str]) -> Vec<(usize, usize, String)> {
        decode(tags).into_iter().map(|s| (s.start, s.end, s.label)).collect()
    }

    #[test]
    fn decodes_bio() {
        assert_eq!(spans(&["B-PER", "I-PER", "O", "B-LOC"]), vec![(0, 2, "PER".into()), (3, 4, "LOC".into())]);
        assert_eq!(spans(&["B-PER", "B-PER"]), vec![(0, 1, "PER".into()), (1, 2, "PER".into())]);
    }

    #[test]
    fn i_without_b_and_type_changes_start_new_entities() {
        assert_eq!(spans(&["O", "I-ORG", "I-ORG"]), vec![(1, 3, "ORG".into())]);
        assert_eq!(spans(&["B-ORG", "I-LOC"]), vec![(0, 1, "ORG".into()), (1, 2, "LOC".into())]);
        assert_eq!(spans(&["I-MISC"]), vec![(0, 1, "MISC".into())]);
        assert!(spans(&["O", "X-FOO", "weird"]).is_empty());
    }

    #[test]
    fn viterbi_forbids_dangling_inside() {
        let labels: Vec<String> = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"].iter().map(|s| s.to_string()).collect();
        let ln = |p: f32| p.ln();
        // word 0 prefers O slightly, word 1 strongly prefers I-PER: best legal path is B-PER I-PER
        let scores = vec![
            vec![ln(0.5), ln(0.4), ln(0.02), ln(0.04), ln(0.04)],
            vec![ln(0.05), ln(0.05), ln(0.8), ln(0.05), ln(0.05)],
        ];
        assert_eq!(constrained_argmax(&scores, &labels), vec![1, 2]);
        // an I-LOC after B-PER is not allowed
        let scores = vec![vec![ln(0.01), ln(0.9), ln(0.03), ln(0.03), ln(0.03)], vec![ln(0.3), ln(0.05), ln(0.05), ln(0.05), ln(0.55)]];
        let path = constrained_argmax(&scores, &labels);
        assert_ne!((path[0], path[1]), (1, 4));
    }
}
