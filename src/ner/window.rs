//! Cutting a sentence that is longer than the model window into overlapping windows of whole
//! words, and choosing, for each word, the one window whose prediction it takes: the window
//! in which the word has the most context on both sides. Every word is owned by exactly one
//! window, so nothing is lost or doubled at a border.

/// A run of words `[start, end)` fed to the model together; its predictions are kept for the
/// words `[own_start, own_end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub own_start: usize,
    pub own_end: usize,
}

/// Plans windows over words whose subword counts are `word_lens` (each clamped to
/// `max_subwords`), with at most `max_subwords` subwords per window and about `overlap`
/// subwords shared by consecutive windows.
pub fn plan(word_lens: &[usize], max_subwords: usize, overlap: usize) -> Vec<Window> {
    let n = word_lens.len();
    if n == 0 {
        return Vec::new();
    }
    let max_subwords = max_subwords.max(1);
    let overlap = overlap.min(max_subwords / 2);
    let len = |i: usize| word_lens[i].clamp(1, max_subwords);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    loop {
        let mut end = start;
        let mut used = 0;
        while end < n && used + len(end) <= max_subwords {
            used += len(end);
            end += 1;
        }
        spans.push((start, end));
        if end >= n {
            break;
        }
        // next window starts so that about `overlap` subwords are shared, and always advances
        let mut next = end;
        let mut shared = 0;
        while next > start + 1 && shared + len(next - 1) <= overlap {
            shared += len(next - 1);
            next -= 1;
        }
        start = next;
    }
    // ownership: split each overlap at its middle word
    let mut windows: Vec<Window> = spans.iter().map(|&(s, e)| Window { start: s, end: e, own_start: s, own_end: e }).collect();
    for i in 1..windows.len() {
        let (prev_end, cur_start) = (windows[i - 1].end, windows[i].start);
        let cut = if prev_end > cur_start { cur_start + (prev_end - cur_start) / 2 } else { cur_start };
        windows[i - 1].own_end = cut;
        windows[i].own_start = cut;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_partition(windows: &[Window], n: usize, lens: &[usize], max: usize) {
        let mut owner = vec![0; n];
        for w in windows {
            assert!(w.start <= w.own_start && w.own_end <= w.end, "{w:?}");
            let used: usize = lens[w.start..w.end].iter().map(|&l| l.clamp(1, max)).sum();
            assert!(used <= max, "{w:?} uses {used}");
            for o in &mut owner[w.own_start..w.own_end] {
                *o += 1;
            }
        }
        assert!(owner.iter().all(|&c| c == 1), "every word owned once: {owner:?}");
    }

    #[test]
    fn short_sentence_is_one_window() {
        let w = plan(&[1, 2, 1], 10, 4);
        assert_eq!(w, vec![Window { start: 0, end: 3, own_start: 0, own_end: 3 }]);
        assert!(plan(&[], 10, 4).is_empty());
    }

    #[test]
    fn long_sentences_overlap_and_partition() {
        for (n, max, overlap) in [(100, 10, 4), (37, 8, 3), (500, 126, 32), (5, 1, 1), (9, 3, 0)] {
            let lens: Vec<usize> = (0..n).map(|i| 1 + (i * 7) % 3).collect();
            let windows = plan(&lens, max, overlap);
            check_partition(&windows, n, &lens, max);
            if overlap > 0 && max > 4 {
                assert!(windows.windows(2).all(|p| p[1].start < p[0].end), "windows overlap");
            }
        }
    }

    #[test]
    fn a_word_longer_than_the_window_still_gets_one() {
        let lens = [2, 50, 3];
        let windows = plan(&lens, 10, 4);
        check_partition(&windows, 3, &lens, 10);
    }
}
